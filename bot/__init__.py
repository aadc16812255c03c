"""ducha-bot's domain core: rubric model, answer engine, and the shells that drive them.

Modules here never import telegram, except ``bot.app`` (the Telegram wiring) which only
the ``ducha run`` command loads.
"""
