"""Answering questions about the notice: reading a question, searching the rubric, composing answers."""
