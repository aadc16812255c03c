"""ducha-bot's domain core: rubric model, answer engine, and the shells that drive them.

Modules here never import telegram, except ``bot.app`` (the Telegram wiring) which only
the ``ducha run`` command loads.
"""

import os as _os

# python-telegram-bot 22 warns that RetryAfter.retry_after will become a timedelta; the
# sender reads either form, so opt in now and keep the logs quiet.
_os.environ.setdefault("PTB_TIMEDELTA", "1")
