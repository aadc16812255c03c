"""Shells that drive the core without Telegram: the `ducha` command line and the terminal chat."""
