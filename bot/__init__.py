"""ducha-bot's domain core, in packages by feature, plus the shells that drive it.

Only ``bot.app`` (the Telegram wiring) and ``bot.delivery`` (sending through Telegram) import
telegram; the layering is checked by ``tests/test_layering.py``.
"""

import os as _os

# python-telegram-bot 22 warns that RetryAfter.retry_after will become a timedelta; the
# sender reads either form, so opt in now and keep the logs quiet.
_os.environ.setdefault("PTB_TIMEDELTA", "1")
