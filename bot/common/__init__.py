"""Shared kernel: the rubric's models, rich text, the callback scheme, user-facing strings, settings."""
