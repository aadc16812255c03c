"""The one cleaner for text that arrives from outside (Telegram, the terminal, the command line).

Telegram lets people send control characters: a file named ``会议纪要\\x01.pdf``, a problem
text with a vertical tab. They are invisible, PostgreSQL refuses NUL in text, and the
.xlsx/.docx writers refuse every C0 control except tab, line feed and carriage return. They
are replaced here, where text arrives; ``xml_safe`` in the writers handles what was stored
before this existed.

``clean_text`` keeps the text's length (each control becomes a space, so Telegram's entity
offsets stay right); ``clean_line`` is for names and file names (one line, trimmed).
"""

from __future__ import annotations

import re
from typing import Any

# C0 controls except \t \n \r; DEL and the C1 controls; lone surrogates; the two non-characters
# XML 1.0 forbids.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAKS = re.compile(r"[\r\n\t\u2028\u2029\x85]+")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def has_control(text: str) -> bool:
    return bool(_CONTROL.search(text))


def clean_text(text: str | None) -> str | None:
    """Controls (NUL included) become spaces; \\r\\n stays. Same length as ``text``."""
    if not text:
        return text
    return _CONTROL.sub(" ", text) if _CONTROL.search(text) else text


def clean_line(text: str | None, limit: int | None = None) -> str | None:
    """A name or file name: controls and line breaks removed, spaces collapsed, trimmed, and
    cut to ``limit`` characters."""
    if text is None:
        return None
    text = _LINE_BREAKS.sub(" ", _CONTROL.sub("", text))
    text = re.sub(r" {2,}", " ", text).strip()
    return text[:limit] if limit is not None else text


def xml_safe(value: Any) -> Any:
    """For the .xlsx and .docx writers: strings without the characters XML cannot hold."""
    if isinstance(value, str) and _XML_ILLEGAL.search(value):
        return _XML_ILLEGAL.sub("", value)
    return value


# Fields of a Telegram update that are names, not text with entities: cleaned as one line.
_NAME_FIELDS = frozenset({"file_name", "first_name", "last_name", "username", "title"})


def clean_json(value: Any) -> Any:
    """Every string in a JSON-like structure through ``clean_text`` (names through
    ``clean_line``): a Telegram update before any handler reads it."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, dict):
        return {
            k: clean_line(v) if k in _NAME_FIELDS and isinstance(v, str) else clean_json(v) for k, v in value.items()
        }
    if isinstance(value, list):
        return [clean_json(v) for v in value]
    return value


# In raw JSON from the Bot API: a control escaped (\u0001 …; \t \n \r too, harmless) or a
# surrogate escape, DEL and the C1 controls as UTF-8, U+FFFE/U+FFFF, raw C0 bytes. A match
# only means "look closer" (an emoji escaped as a surrogate pair matches too).
_RAW_SUSPECT = re.compile(
    rb"\\u00[01][0-9a-fA-F]|\\u007[fF]|\\u00[89][0-9a-fA-F]|\\u[dD][89a-fA-F]|\\u[fF]{3}[eEfF]"
    rb"|\x7f|\xc2[\x80-\x9f]|\xef\xbf[\xbe\xbf]|[\x00-\x08\x0b\x0c\x0e-\x1f]"
)


def raw_may_have_control(payload: bytes) -> bool:
    """Whether raw JSON could hold a control character (no false negatives): a scan at C speed,
    so the precise check (``json_has_control`` on the decoded value) runs only when needed."""
    return _RAW_SUSPECT.search(payload) is not None


def json_has_control(value: Any) -> bool:
    if isinstance(value, str):
        return has_control(value)
    if isinstance(value, dict):
        return any(json_has_control(v) for v in value.values())
    if isinstance(value, list):
        return any(json_has_control(v) for v in value)
    return False
