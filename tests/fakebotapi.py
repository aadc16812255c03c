"""A small fake Telegram Bot API server for end-to-end tests of python-telegram-bot bots.

The server is an :mod:`aiohttp` application bound to ``127.0.0.1`` on a free port. Point
python-telegram-bot at it with::

    async with FakeBotAPI() as api:
        app = (
            ApplicationBuilder()
            .token(api.token)
            .base_url(api.base_url)            # http://127.0.0.1:<port>/bot
            .base_file_url(api.base_file_url)  # http://127.0.0.1:<port>/file/bot
            .build()
        )
        ...
        alice = api.user(1001, "Alice", username="alice")
        api.send_text(alice, "/start")
        [call] = await api.wait_for("sendMessage")
        assert api.sent_messages(alice.id)[-1]["text"] == "Hello!"

Wire format
-----------
Routes are ``/bot{token}/{method}`` (any HTTP verb; query string, JSON, urlencoded form or
multipart/form-data bodies) and ``/file/bot{token}/{file_path}`` for downloads. Method names
are matched case-insensitively, like Telegram does. python-telegram-bot sends every
parameter as a form field whose value is the JSON encoding of the value, except that plain
strings are sent raw (see ``telegram/request/_requestparameter.py``); files travel as
multipart parts (named after the parameter, or referenced with ``attach://<name>``). The
server decodes such fields back to Python values: fields known to be strings (``text``,
``caption``, ...) are kept verbatim, everything else is JSON-decoded when possible, so
``reply_markup`` arrives as a dict and ``chat_id`` as an int.

Answers use the Bot API envelope: ``{"ok": true, "result": ...}`` or
``{"ok": false, "error_code": N, "description": "...", "parameters": {...}}`` with the HTTP
status equal to ``error_code``. A token other than the configured one is answered
``401 Unauthorized`` (``404 Not Found`` if it is not even shaped like a token), an unknown
method ``404 Not Found: method not found``.

Simplifications (deliberate)
----------------------------
* ``message_id`` comes from one global, increasing counter (Telegram numbers per chat).
* ``parse_mode`` is recorded but not applied: the stored ``text`` is what the bot sent.
* Only inline keyboards are echoed back in ``Message.reply_markup`` (as Telegram does); any
  other ``reply_markup`` is only visible in the recorded call parameters.
* Unknown numeric chat ids are auto-created (positive: private chat, negative: group) unless
  ``strict_chats=True``, in which case they are answered ``400 Bad Request: chat not found``.
* ``delay()`` holds the request server-side and then processes it normally, so a client
  that timed out meanwhile may still get its message delivered - the real Telegram race.

Threading
---------
All state lives behind one :class:`threading.RLock`; every public method may be called from
any thread. ``await wait_for(...)`` works from any event loop (the server's or another one);
``wait_for_sync(...)`` blocks the calling thread and must not be used on the server's loop.
:meth:`FakeBotAPI.run_in_thread` runs the server on its own loop in a daemon thread, for
tests whose bot lives in a subprocess or that want synchronous helpers.
"""

from __future__ import annotations

import asyncio
import copy
import inspect
import itertools
import json
import mimetypes
import random
import re
import socket
import struct
import threading
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar, Union

from aiohttp import web

if TYPE_CHECKING:  # pragma: no cover - typing only
    from telegram.ext import ApplicationBuilder

__all__ = [
    "DEFAULT_TOKEN",
    "ApiError",
    "Call",
    "FakeBotAPI",
    "FakeBotAPIThread",
    "FakeChat",
    "FakeUser",
    "StoredFile",
    "UploadedFile",
    "text_entities",
    "utf16_len",
]

#: A syntactically valid token (``<bot id>:<35 chars>``); the bot id is 123456789.
DEFAULT_TOKEN = "123456789:AAFakeTokenForTests_abcdefghijklmnop"

JSONDict = dict[str, Any]
T = TypeVar("T")
#: ``fail_next(error=...)``: an HTTP/Bot API error code or a fully specified :class:`ApiError`.
ErrorSpec = Union[int, "ApiError"]
#: ``wait_for(what=...)``: a method name (case-insensitive) or a predicate on a :class:`Call`.
CallMatcher = Union[str, Callable[["Call"], bool]]
#: A custom method implementation for :meth:`FakeBotAPI.register_method`.
MethodImpl = Callable[[JSONDict], Union[Any, Awaitable[Any]]]

_TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]+$")

# Parameters whose value is a string in the Bot API: never JSON-decode them.
_STRING_PARAMS = frozenset(
    {
        "text", "caption", "parse_mode", "caption_parse_mode", "callback_query_id",
        "inline_message_id", "file_id", "url", "action", "language_code", "title",
        "description", "short_description", "query", "callback_data", "emoji",
        "business_connection_id", "message_effect_id", "first_name", "last_name",
        "phone_number", "vcard", "address", "question", "explanation", "name", "about",
        "secret_token", "ip_address", "custom_title", "switch_pm_text", "switch_pm_parameter",
        "next_offset", "game_short_name", "payload", "currency", "provider_token",
        "start_parameter", "error_message", "shipping_query_id", "pre_checkout_query_id",
    }
)

_CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)

_STATUS_TEXT = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    404: "Not Found",
    409: "Conflict",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup "
    "are exactly the same as a current content and reply markup of the message"
)
_MAX_TEXT = 4096
_MAX_CAPTION = 1024


# --------------------------------------------------------------------------------------
# Value types
# --------------------------------------------------------------------------------------


class ApiError(Exception):
    """A Bot API error answer: raise it from custom methods, or pass it to ``fail_next``.

    It is sent as HTTP ``error_code`` with body
    ``{"ok": false, "error_code": ..., "description": ..., "parameters": ...}``.
    """

    def __init__(
        self, error_code: int, description: str, parameters: JSONDict | None = None
    ) -> None:
        super().__init__(f"{error_code} {description}")
        self.error_code = error_code
        self.description = description
        self.parameters = parameters

    def to_json(self) -> JSONDict:
        """The response body Telegram would send."""
        body: JSONDict = {"ok": False, "error_code": self.error_code, "description": self.description}
        if self.parameters:
            body["parameters"] = dict(self.parameters)
        return body

    @classmethod
    def too_many_requests(cls, retry_after: int = 1) -> ApiError:
        """``429 Too Many Requests: retry after N`` with ``parameters.retry_after``."""
        return cls(429, f"Too Many Requests: retry after {retry_after}", {"retry_after": retry_after})

    @classmethod
    def internal_error(cls) -> ApiError:
        """``500 Internal Server Error``."""
        return cls(500, "Internal Server Error")

    @classmethod
    def blocked(cls, group: bool = False) -> ApiError:
        """``403`` as answered for a user who blocked the bot (or a group that kicked it)."""
        if group:
            return cls(403, "Forbidden: bot was kicked from the group chat")
        return cls(403, "Forbidden: bot was blocked by the user")

    @classmethod
    def bad_request(cls, what: str) -> ApiError:
        """``400 Bad Request: <what>``."""
        return cls(400, f"Bad Request: {what}")

    @classmethod
    def from_code(
        cls, code: int, *, retry_after: int = 1, description: str | None = None
    ) -> ApiError:
        """An error for an HTTP/Bot API code with Telegram's usual description."""
        if code == 429:
            err = cls.too_many_requests(retry_after)
            if description:
                err.description = description
            return err
        return cls(code, description or _STATUS_TEXT.get(code, f"Error {code}"))


@dataclass(frozen=True)
class FakeUser:
    """A Telegram user; :meth:`to_dict` gives the Bot API ``User`` object."""

    id: int
    first_name: str
    username: str | None = None
    last_name: str | None = None
    language_code: str | None = "en"
    is_bot: bool = False

    def to_dict(self) -> JSONDict:
        d: JSONDict = {"id": self.id, "is_bot": self.is_bot, "first_name": self.first_name}
        if self.last_name:
            d["last_name"] = self.last_name
        if self.username:
            d["username"] = self.username
        if self.language_code:
            d["language_code"] = self.language_code
        return d


@dataclass(frozen=True)
class FakeChat:
    """A chat; :meth:`to_dict` gives the Bot API ``Chat`` object."""

    id: int
    type: str  # "private" | "group" | "supergroup" | "channel"
    title: str | None = None
    username: str | None = None
    first_name: str | None = None
    last_name: str | None = None

    def to_dict(self) -> JSONDict:
        d: JSONDict = {"id": self.id, "type": self.type}
        for key in ("title", "username", "first_name", "last_name"):
            value = getattr(self, key)
            if value:
                d[key] = value
        return d


@dataclass
class UploadedFile:
    """A file part received in a multipart request."""

    field: str  # multipart part name ("document", "photo", or an attach:// name)
    filename: str | None
    content_type: str | None
    data: bytes
    method: str = ""  # API method of the request that carried it
    chat_id: int | str | None = None

    @property
    def size(self) -> int:
        return len(self.data)


@dataclass
class StoredFile:
    """A file known to the server (uploaded by the bot or sent by a user)."""

    file_id: str
    file_unique_id: str
    kind: str  # "document" | "photo"
    file_path: str
    data: bytes
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    url: str | None = None  # when the bot sent an HTTP URL instead of bytes

    @property
    def size(self) -> int:
        return len(self.data)

    def document_dict(self) -> JSONDict:
        d: JSONDict = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name:
            d["file_name"] = self.file_name
        if self.mime_type:
            d["mime_type"] = self.mime_type
        d["file_size"] = self.size
        return d

    def photo_sizes(self) -> list[JSONDict]:
        return [
            {
                "file_id": self.file_id,
                "file_unique_id": self.file_unique_id,
                "width": self.width,
                "height": self.height,
                "file_size": self.size,
            }
        ]


@dataclass(eq=False)
class Call:
    """One API request received, in arrival order.

    Unpacks as ``(method, params)`` (and indexes as such). ``ok`` is ``None`` while the
    request is still being processed (e.g. delayed or long-polling), then ``True`` with
    ``result`` or ``False`` with ``error_code``/``description``.
    """

    method: str  # canonical camelCase name ("sendMessage"), or as received if unknown
    params: JSONDict
    index: int
    ok: bool | None = None
    result: Any = None
    error_code: int | None = None
    description: str | None = None
    time: float = field(default_factory=time.time)

    @property
    def done(self) -> bool:
        return self.ok is not None

    def __iter__(self) -> Iterator[Any]:
        yield self.method
        yield self.params

    def __len__(self) -> int:
        return 2

    def __getitem__(self, i: int) -> Any:
        return (self.method, self.params)[i]

    def __repr__(self) -> str:
        state = "pending" if self.ok is None else ("ok" if self.ok else f"error {self.error_code}")
        shown = {k: (v if not isinstance(v, UploadedFile) else f"<file {v.filename!r} {v.size}B>") for k, v in self.params.items()}
        return f"Call(#{self.index} {self.method} {shown!r} -> {state})"


@dataclass
class _InjectedFault:
    method: str  # lowercase or "*"
    remaining: int
    error: ApiError


@dataclass
class _RandomFaults:
    rate_429: float
    rate_500: float
    retry_after: int
    rng: random.Random


@dataclass
class _Delay:
    seconds: float
    remaining: int | None  # None: forever


# --------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------


def utf16_len(text: str) -> int:
    """Length of ``text`` in UTF-16 code units (the unit of Telegram entity offsets)."""
    return len(text.encode("utf-16-le")) // 2


_COMMAND_RE = re.compile(r"(?<!\S)/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?=$|[^\w@/])")
_MENTION_RE = re.compile(r"(?<![\w@/])@[A-Za-z0-9_]{5,32}(?![\w@])")
_URL_RE = re.compile(r"(?<![\w/])https?://[^\s<>\"]+")


def text_entities(text: str) -> list[JSONDict]:
    """Entities Telegram would detect in a user's ``text``: ``bot_command``, ``mention``, ``url``.

    Offsets and lengths are in UTF-16 code units, sorted by offset.
    """
    spans: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for kind, regex in (("bot_command", _COMMAND_RE), ("url", _URL_RE), ("mention", _MENTION_RE)):
        for m in regex.finditer(text):
            start, end = m.span()
            if kind == "url":
                while end > start and text[end - 1] in ".,!?;:)'":
                    end -= 1
            if free(start, end):
                taken.append((start, end))
                spans.append((start, end, kind))
    spans.sort()
    return [
        {"type": kind, "offset": utf16_len(text[:start]), "length": utf16_len(text[start:end])}
        for start, end, kind in spans
    ]


def _image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG, GIF or JPEG, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
        w, h = struct.unpack(">II", data[16:24])
        return int(w), int(h)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        w, h = struct.unpack("<HH", data[6:10])
        return int(w), int(h)
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return int(w), int(h)
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            (seg_len,) = struct.unpack(">H", data[i + 2 : i + 4])
            i += 2 + seg_len
    return None


def _decode_value(key: str, value: Any) -> Any:
    """Turn a wire value back into a Python value (see module docstring)."""
    if not isinstance(value, str) or key in _STRING_PARAMS:
        return value
    if value.startswith(("{", "[")) or value in ("true", "false", "null") or re.fullmatch(
        r"-?\d+(\.\d+)?", value
    ):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _as_int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ApiError.bad_request(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
        return int(value)
    if value is None:
        raise ApiError.bad_request(f"{name} is empty")
    raise ApiError.bad_request(f"invalid {name} specified")


def _method_matches(pattern: str, method: str) -> bool:
    return pattern == "*" or pattern == method.lower()


def _message_id_of(message: Mapping[str, Any] | int | Any) -> int:
    if isinstance(message, int):
        return message
    if isinstance(message, Mapping):
        return int(message["message_id"])
    return int(message.message_id)  # telegram.Message or anything alike


# --------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------


class FakeBotAPI:
    """Fake Telegram Bot API server; see the module docstring for the overall behaviour.

    Use as ``async with FakeBotAPI(...) as api:`` (or ``await api.start()`` /
    ``await api.stop()``), or ``FakeBotAPI.run_in_thread(...)`` for a background thread.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "ducha_test_bot",
        *,
        bot_first_name: str = "Ducha Test Bot",
        can_join_groups: bool = True,
        can_read_all_group_messages: bool = False,
        supports_inline_queries: bool = False,
        strict_chats: bool = False,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if not _TOKEN_RE.match(token):
            raise ValueError(f"token {token!r} is not shaped like a bot token ('<id>:<secret>')")
        self.token = token
        self.bot_username = bot_username
        self.bot_id = int(token.split(":", 1)[0])
        self.strict_chats = strict_chats
        self._host = host
        self._requested_port = port
        self._bot_user: JSONDict = {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": bot_first_name,
            "username": bot_username,
            "can_join_groups": can_join_groups,
            "can_read_all_group_messages": can_read_all_group_messages,
            "supports_inline_queries": supports_inline_queries,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

        self._lock = threading.RLock()
        self._tcond = threading.Condition(self._lock)
        self._async_waiters: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()

        self._calls: list[Call] = []
        self._updates: list[JSONDict] = []
        self._update_ids = itertools.count(1)
        self._message_ids = itertools.count(1)
        self._file_seq = itertools.count(1)
        self._query_seq = itertools.count(1)
        self._messages: dict[int, JSONDict] = {}
        self._bot_message_ids: list[int] = []
        self._deleted: set[int] = set()
        self._chats: dict[int, FakeChat] = {}
        self._users: dict[int, FakeUser] = {}
        self._blocked: set[int] = set()
        self._delivered: Counter[int] = Counter()
        self._files: dict[str, StoredFile] = {}
        self._files_by_path: dict[str, StoredFile] = {}
        self._uploads: list[UploadedFile] = []
        self._downloads: list[str] = []
        self._callback_queries: dict[str, JSONDict] = {}
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._fail_next: list[_InjectedFault] = []
        self._faults: dict[str, _RandomFaults] = {}
        self._delays: dict[str, _Delay] = {}
        self._held: set[int] = set()  # chats whose sends wait for release()
        self._poll_generation = 0
        self._webhook: JSONDict | None = None  # {"url", "secret_token"} once setWebhook was called
        self._webhook_target: str | None = None  # where posts really go (the reverse proxy's upstream)
        self._webhook_posts: list[tuple[int, int]] = []  # (update_id, HTTP status) of each delivery

        self._methods: dict[str, tuple[str, MethodImpl]] = {}
        for name, impl in (
            ("getMe", self._m_get_me),
            ("logOut", lambda p: True),
            ("close", lambda p: True),
            ("setWebhook", self._m_set_webhook),
            ("deleteWebhook", self._m_delete_webhook),
            ("getWebhookInfo", self._m_get_webhook_info),
            ("setMyCommands", self._m_set_my_commands),
            ("getMyCommands", self._m_get_my_commands),
            ("deleteMyCommands", self._m_delete_my_commands),
            ("sendMessage", self._m_send_message),
            ("editMessageText", self._m_edit_message_text),
            ("editMessageCaption", self._m_edit_message_caption),
            ("editMessageReplyMarkup", self._m_edit_message_reply_markup),
            ("deleteMessage", self._m_delete_message),
            ("answerCallbackQuery", self._m_answer_callback_query),
            ("sendDocument", self._m_send_document),
            ("sendPhoto", self._m_send_photo),
            ("copyMessage", self._m_copy_message),
            ("getFile", self._m_get_file),
            ("sendChatAction", self._m_send_chat_action),
        ):
            self._methods[name.lower()] = (name, impl)
        self._methods["getupdates"] = ("getUpdates", self._m_get_updates)

        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None
        self._runner: web.AppRunner | None = None
        self._port: int | None = None
        self._closing = False
        self._down = False  # go_down(): taking no connections, state kept

    # ------------------------------------------------------------------ lifecycle

    async def start(self) -> FakeBotAPI:
        """Bind ``host`` on a free port (or the one given) and start serving."""
        if self._runner is not None:
            raise RuntimeError("FakeBotAPI is already running")
        self._closing = False
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        await self._serve(self._requested_port)
        return self

    async def _serve(self, port: int) -> None:
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle_method)
        app.router.add_route("*", "/file/bot{token}/{path:.+}", self._handle_file)
        runner = web.AppRunner(app, access_log=None, handler_cancellation=False, shutdown_timeout=2.0)
        await runner.setup()
        try:
            await self._listen(runner, port)
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner

    async def _listen(self, runner: web.AppRunner, port: int) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # come_back() binds the same port
            sock.bind((self._host, port))
            site = web.SockSite(runner, sock)
            await site.start()
        except BaseException:
            sock.close()
            raise
        self._port = sock.getsockname()[1]

    async def go_down(self, *, drop_idle: bool = True) -> None:
        """The API stops taking connections, all state kept: until :meth:`come_back` a new
        connection is refused (httpx.ConnectError: the request never reached the server).
        Requests being handled are answered first, with ``Connection: close``. Connections kept
        alive between requests are closed at once (``drop_idle``; a client writing on one at
        that very moment sees it cut, as with a real outage), or each answers one more request
        and closes (``drop_idle=False``: no request is ever cut, whatever the client is doing)."""
        if self._runner is None or self._down:
            raise RuntimeError("FakeBotAPI is not running")
        self._down = True
        for site in list(self._runner.sites):
            await site.stop()
        # (a request being handled is answered with Connection: close by _handle_method)
        server = self._runner.server
        dropped = []
        for conn in server.connections if server is not None and drop_idle else []:
            if not getattr(conn, "_request_in_progress", False):
                conn.force_close()  # idle between requests: the socket is closed now
                dropped.append(conn)
        for _ in range(1000):  # until the closes went out (the client then sees the EOF)
            if server is None or not any(conn in server.connections for conn in dropped):
                break
            await asyncio.sleep(0)

    async def come_back(self) -> None:
        """Take connections again, on the same port, after :meth:`go_down`."""
        if self._runner is None or not self._down:
            raise RuntimeError("FakeBotAPI is not down")
        await self._listen(self._runner, self.port)
        self._down = False

    async def stop(self) -> None:
        """Wake pending long polls/delays, answer them, and shut the server down."""
        if self._runner is None:
            return
        self._down = False
        self._closing = True
        self._changed()
        runner, self._runner = self._runner, None
        await runner.cleanup()
        self._port = None
        self._loop = None
        self._loop_thread = None

    async def __aenter__(self) -> FakeBotAPI:
        return await self.start()

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    @classmethod
    def run_in_thread(
        cls,
        token: str = DEFAULT_TOKEN,
        bot_username: str = "ducha_test_bot",
        **kwargs: Any,
    ) -> FakeBotAPIThread:
        """Create a server (same arguments as the constructor) and serve it from a daemon
        thread with its own event loop. Returns once it is listening."""
        return cls(token, bot_username, **kwargs).serve_in_thread()

    def serve_in_thread(self, startup_timeout: float = 5.0) -> FakeBotAPIThread:
        """Serve this (configured but not started) instance from a background thread."""
        return FakeBotAPIThread(self, startup_timeout)

    @property
    def running(self) -> bool:
        """Serving requests (False before start, after stop and while :meth:`go_down`)."""
        return self._runner is not None and not self._down

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("FakeBotAPI is not running; call start() first")
        return self._port

    @property
    def url(self) -> str:
        """Root URL, ``http://127.0.0.1:<port>``."""
        return f"http://{self._host}:{self.port}"

    @property
    def base_url(self) -> str:
        """For ``ApplicationBuilder().base_url(...)``: ``http://127.0.0.1:<port>/bot``."""
        return f"{self.url}/bot"

    @property
    def base_file_url(self) -> str:
        """For ``ApplicationBuilder().base_file_url(...)``: ``http://127.0.0.1:<port>/file/bot``."""
        return f"{self.url}/file/bot"

    @property
    def bot_user(self) -> JSONDict:
        """The bot's ``User`` object as returned by getMe."""
        return dict(self._bot_user)

    def application_builder(self, token: str | None = None) -> ApplicationBuilder:
        """An ``ApplicationBuilder`` preconfigured with token, base_url and base_file_url."""
        from telegram.ext import ApplicationBuilder

        return (
            ApplicationBuilder()
            .token(token or self.token)
            .base_url(self.base_url)
            .base_file_url(self.base_file_url)
        )

    def register_method(self, name: str, impl: MethodImpl) -> None:
        """Add or replace a method. ``impl(params)`` returns the ``result`` (sync or async)
        or raises :class:`ApiError`. Sync implementations run under the state lock."""
        self._methods[name.lower()] = (name, impl)

    # ------------------------------------------------------------------ factories

    def user(
        self,
        id: int,
        first_name: str = "Test",
        username: str | None = None,
        *,
        last_name: str | None = None,
        language_code: str | None = "en",
    ) -> FakeUser:
        """A (human) user; also registers the user's private chat."""
        u = FakeUser(id, first_name, username, last_name, language_code)
        with self._lock:
            self._users[id] = u
            self._chats.setdefault(id, self._private_chat_of(u))
        return u

    def private_chat(self, user: FakeUser) -> FakeChat:
        """The private chat between ``user`` and the bot (chat id == user id)."""
        chat = self._private_chat_of(user)
        with self._lock:
            self._chats[chat.id] = chat
        return chat

    def group_chat(
        self, id: int, title: str = "Test group", *, type: str = "group", username: str | None = None
    ) -> FakeChat:
        """A group (``type="supergroup"``/``"channel"`` also possible); ids must be negative."""
        if id >= 0:
            raise ValueError("group/supergroup/channel ids are negative in Telegram")
        chat = FakeChat(id, type, title=title, username=username)
        with self._lock:
            self._chats[id] = chat
        return chat

    def push_update(self, payload: Mapping[str, Any]) -> JSONDict:
        """Queue a raw update (``update_id`` is assigned); returns it. Escape hatch for
        update types without a dedicated factory. With a webhook set, the update is POSTed to
        it instead (with the secret token header, as Telegram does)."""
        with self._lock:
            update = {"update_id": next(self._update_ids), **copy.deepcopy(dict(payload))}
            hook = dict(self._webhook) if self._webhook else None
            if hook is None:
                self._updates.append(update)
        if hook is not None and self._loop is not None:
            asyncio.run_coroutine_threadsafe(self._deliver(update, hook.get("secret_token")), self._loop)
        self._changed()
        return copy.deepcopy(update)

    # ------------------------------------------------------------------ webhook

    def deliver_webhooks_to(self, url: str | None) -> None:
        """Post webhook updates to ``url`` (e.g. ``http://127.0.0.1:8443``) instead of the
        registered https URL's host: the reverse proxy in front of the bot. The registered
        URL's path is kept."""
        self._webhook_target = url.rstrip("/") if url else None

    @property
    def webhook(self) -> JSONDict | None:
        """The registered webhook (``url``, ``secret_token`` …), or None."""
        with self._lock:
            return dict(self._webhook) if self._webhook else None

    def webhook_deliveries(self) -> list[tuple[int, int]]:
        """(update_id, HTTP status) of every webhook post so far."""
        with self._lock:
            return list(self._webhook_posts)

    def _webhook_url(self) -> str:
        from urllib.parse import urlsplit

        url = str((self._webhook or {}).get("url", ""))
        if self._webhook_target is None:
            return url
        parts = urlsplit(url)
        return self._webhook_target + (parts.path or "/")

    async def post_to_webhook(self, update: Mapping[str, Any], secret_token: str | None) -> int:
        """POST ``update`` to the webhook with this secret header (None: no header), as
        anyone on the internet could; returns the HTTP status. Not recorded as a delivery."""
        import aiohttp

        headers = {"X-Telegram-Bot-Api-Secret-Token": secret_token} if secret_token is not None else {}
        async with aiohttp.ClientSession() as session:
            async with session.post(self._webhook_url(), json=dict(update), headers=headers) as response:
                await response.read()
                return response.status

    async def _deliver(self, update: JSONDict, secret: str | None) -> None:
        try:
            status = await self.post_to_webhook(update, secret)
        except Exception:  # the bot is not listening: Telegram would retry later
            status = 0
        with self._lock:
            self._webhook_posts.append((update["update_id"], status))
        self._changed()

    def send_text(
        self,
        user: FakeUser,
        text: str,
        chat: FakeChat | None = None,
        reply_to_message_id: int | None = None,
        *,
        extra: Mapping[str, Any] | None = None,
    ) -> JSONDict:
        """Queue a ``message`` update from ``user`` (default chat: their private chat).

        ``entities`` (bot_command, mention, url) are computed like Telegram does, in UTF-16
        units. ``extra`` is merged into the Message object. Returns the update."""
        content: JSONDict = {"text": text}
        entities = text_entities(text)
        if entities:
            content["entities"] = entities
        return self._user_message(user, chat, content, reply_to_message_id, extra)

    def send_document(
        self,
        user: FakeUser,
        file_name: str,
        data: bytes,
        caption: str | None = None,
        chat: FakeChat | None = None,
        *,
        mime_type: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """Queue a ``message`` update carrying a document (downloadable via getFile)."""
        mime = mime_type or mimetypes.guess_type(file_name)[0] or "application/octet-stream"
        with self._lock:
            f = self._store_file("document", data, file_name=file_name, mime_type=mime)
        content: JSONDict = {"document": f.document_dict()}
        self._add_caption(content, caption, entities=None, compute=True)
        return self._user_message(user, chat, content, reply_to_message_id, None)

    def send_photo(
        self,
        user: FakeUser,
        data: bytes,
        caption: str | None = None,
        chat: FakeChat | None = None,
        *,
        width: int | None = None,
        height: int | None = None,
        reply_to_message_id: int | None = None,
    ) -> JSONDict:
        """Queue a ``message`` update carrying a photo; size read from PNG/GIF/JPEG headers
        unless given (fallback 100x100)."""
        with self._lock:
            f = self._store_file("photo", data, file_name=None, mime_type="image/jpeg", width=width, height=height)
        content: JSONDict = {"photo": f.photo_sizes()}
        self._add_caption(content, caption, entities=None, compute=True)
        return self._user_message(user, chat, content, reply_to_message_id, None)

    def press_button(
        self,
        user: FakeUser,
        message: Mapping[str, Any] | int | Any,
        callback_data: str,
        *,
        forged: bool = False,
    ) -> JSONDict:
        """Queue a ``callback_query`` update for an inline button of a message the bot sent.

        ``message`` is a message dict (e.g. from :meth:`sent_messages` or a call result), a
        ``telegram.Message`` or a message id. The message's *current* keyboard (after edits)
        must contain a button with this ``callback_data``; otherwise ``ValueError``. With
        ``forged=True`` any data is sent, as a modified client could.
        """
        mid = _message_id_of(message)
        with self._lock:
            msg = self._messages.get(mid)
            if msg is None or mid in self._deleted:
                raise ValueError(f"no (undeleted) message with message_id={mid}")
            if msg["from"]["id"] != self.bot_id:
                raise ValueError(f"message {mid} was not sent by the bot")
            available = [
                b.get("callback_data")
                for row in msg.get("reply_markup", {}).get("inline_keyboard", [])
                for b in row
                if "callback_data" in b
            ]
            if callback_data not in available and not forged:
                raise ValueError(
                    f"message {mid} has no button with callback_data={callback_data!r}; "
                    f"available: {available!r}"
                )
            qid = f"{self.bot_id}{next(self._query_seq):08d}"
            self._callback_queries[qid] = {"answered": False, "answer": None, "message_id": mid}
            chat_instance = str(abs(hash((msg["chat"]["id"], self.bot_id))) % 10**18)
            payload = {
                "callback_query": {
                    "id": qid,
                    "from": user.to_dict(),
                    "message": copy.deepcopy(msg),
                    "chat_instance": chat_instance,
                    "data": callback_data,
                }
            }
        return self.push_update(payload)

    # ------------------------------------------------------------------ recording

    @property
    def calls(self) -> list[Call]:
        """Every request (valid token) in arrival order; each unpacks as ``(method, params)``."""
        with self._lock:
            return list(self._calls)

    def calls_of(self, method: str) -> list[JSONDict]:
        """Params of every call to ``method`` (case-insensitive), in order."""
        m = method.lower()
        with self._lock:
            return [c.params for c in self._calls if c.method.lower() == m]

    def sent_messages(self, chat_id: int | None = None) -> list[JSONDict]:
        """Messages the bot sent (sendMessage/Document/Photo, copyMessage) that were not
        deleted, oldest first, as Bot API ``Message`` dicts with edits applied."""
        with self._lock:
            out = []
            for mid in self._bot_message_ids:
                msg = self._messages[mid]
                if mid in self._deleted or (chat_id is not None and msg["chat"]["id"] != chat_id):
                    continue
                out.append(copy.deepcopy(msg))
            return out

    def message(self, message_id: int) -> JSONDict | None:
        """Current state of any message (user's or bot's) by id, or None."""
        with self._lock:
            msg = self._messages.get(message_id)
            return copy.deepcopy(msg) if msg is not None else None

    def delivered_count(self, chat_id: int) -> int:
        """How many messages the bot successfully sent to ``chat_id`` (errors don't count)."""
        with self._lock:
            return self._delivered[chat_id]

    def pending_updates(self) -> list[JSONDict]:
        """Updates queued and not yet confirmed by a getUpdates ``offset``."""
        with self._lock:
            return copy.deepcopy(self._updates)

    def callback_answer(self, callback_query_id: str) -> JSONDict | None:
        """The answerCallbackQuery params for a query, or None if not answered (yet)."""
        with self._lock:
            q = self._callback_queries.get(callback_query_id)
            return copy.deepcopy(q["answer"]) if q and q["answered"] else None

    def commands(self, scope: Mapping[str, Any] | None = None, language_code: str = "") -> list[JSONDict]:
        """Commands currently set with setMyCommands for a scope (default scope by default)."""
        with self._lock:
            return copy.deepcopy(self._commands.get(self._commands_key(scope, language_code), []))

    @property
    def uploads(self) -> list[UploadedFile]:
        """Every multipart file part received, in order."""
        with self._lock:
            return list(self._uploads)

    @property
    def downloads(self) -> list[str]:
        """``file_path`` of every successful file download, in order."""
        with self._lock:
            return list(self._downloads)

    def file(self, file_id: str) -> StoredFile | None:
        """A stored file (user-sent or bot-uploaded) by ``file_id``."""
        with self._lock:
            return self._files.get(file_id)

    def clear_calls(self) -> None:
        """Forget recorded calls (``since`` indexes of :meth:`wait_for` restart from 0)."""
        with self._lock:
            self._calls.clear()

    def mark(self) -> int:
        """Current number of recorded calls; pass as ``since=`` to wait only for newer calls."""
        with self._lock:
            return len(self._calls)

    async def wait_for(
        self,
        what: CallMatcher,
        count: int = 1,
        timeout: float = 5.0,
        *,
        since: int = 0,
        pending: bool = False,
    ) -> list[Call]:
        """Wait until at least ``count`` *answered* calls at index >= ``since`` match ``what``
        (method name or predicate); return all of them. ``pending=True`` also counts calls
        still being processed (delayed, long-polling). Raises ``TimeoutError``.

        Event-driven (no polling); works from any event loop and thread."""
        check = self._matcher(what, count, since, pending)
        result = await self._wait_until(check, timeout)
        if result is None:
            raise TimeoutError(self._timeout_message(what, count, timeout, since))
        return result

    def wait_for_sync(
        self,
        what: CallMatcher,
        count: int = 1,
        timeout: float = 5.0,
        *,
        since: int = 0,
        pending: bool = False,
    ) -> list[Call]:
        """Blocking :meth:`wait_for` for other threads (e.g. with :meth:`run_in_thread`)."""
        check = self._matcher(what, count, since, pending)
        result = self._wait_until_sync(check, timeout)
        if result is None:
            raise TimeoutError(self._timeout_message(what, count, timeout, since))
        return result

    async def wait_until_idle(self, timeout: float = 5.0) -> None:
        """Wait until the update queue has been fetched *and confirmed* by the bot."""
        if await self._wait_until(lambda: True if not self._updates else None, timeout) is None:
            raise TimeoutError(f"{len(self._updates)} updates still unconfirmed after {timeout}s")

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        times: int = 1,
        error: ErrorSpec = 429,
        *,
        retry_after: int = 1,
        description: str | None = None,
    ) -> None:
        """Answer the next ``times`` calls of ``method`` (``"*"``: any method) with ``error``:
        a code (429 -> ``retry after N`` with ``parameters.retry_after``; 500, 403, 400, ...
        with Telegram's description) or an :class:`ApiError`. Checked before random faults."""
        err = error if isinstance(error, ApiError) else ApiError.from_code(
            error, retry_after=retry_after, description=description
        )
        with self._lock:
            self._fail_next.append(_InjectedFault(method.lower(), times, err))

    def faults(
        self,
        method: str = "*",
        rate_429: float = 0.05,
        rate_500: float = 0.02,
        retry_after: int = 1,
        seed: int | None = None,
    ) -> None:
        """Make calls of ``method`` (``"*"``: any) fail at random: 429 with probability
        ``rate_429``, else 500 with ``rate_500``. Deterministic for a given ``seed``.
        Set both rates to 0 (or :meth:`clear_faults`) to stop."""
        if not 0 <= rate_429 + rate_500 <= 1:
            raise ValueError("rate_429 + rate_500 must be within [0, 1]")
        with self._lock:
            self._faults[method.lower()] = _RandomFaults(rate_429, rate_500, retry_after, random.Random(seed))

    def delay(self, method: str, seconds: float, times: int | None = None) -> None:
        """Hold calls of ``method`` (``"*"``: any) for ``seconds`` before processing them
        (``times``: only the next N calls). ``seconds=0`` removes the delay."""
        with self._lock:
            if seconds <= 0:
                self._delays.pop(method.lower(), None)
            else:
                self._delays[method.lower()] = _Delay(seconds, times)

    def hold(self, chat_id: int) -> None:
        """Keep every call addressed to ``chat_id`` waiting (recorded, unanswered) until
        :meth:`release`: a slow chat, without any clock. ``wait_for`` counts them only with
        ``pending=True`` until then."""
        with self._lock:
            self._held.add(chat_id)

    def release(self, chat_id: int) -> None:
        """Let the calls held for ``chat_id`` go on, and stop holding new ones."""
        with self._lock:
            self._held.discard(chat_id)
        self._changed()

    def block(self, chat_id: int) -> None:
        """From now on, sends/edits/chat actions to ``chat_id`` get 403 Forbidden."""
        with self._lock:
            self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        with self._lock:
            self._blocked.discard(chat_id)

    def clear_faults(self) -> None:
        """Remove fail_next/faults/delay rules and blocked chats."""
        with self._lock:
            self._fail_next.clear()
            self._faults.clear()
            self._delays.clear()
            self._blocked.clear()

    # ------------------------------------------------------------------ waiting machinery

    def _changed(self) -> None:
        """Wake every waiter (threads and, on their own loops, coroutines)."""
        with self._lock:
            self._tcond.notify_all()
            waiters = list(self._async_waiters)
        try:
            current: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
        except RuntimeError:
            current = None
        for loop, event in waiters:
            if loop is current:
                event.set()
            else:
                try:
                    loop.call_soon_threadsafe(event.set)
                except RuntimeError:  # that loop is closed
                    pass

    async def _wait_until(self, check: Callable[[], T | None], timeout: float) -> T | None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            event = asyncio.Event()
            key = (loop, event)
            with self._lock:
                self._async_waiters.add(key)
            try:
                with self._lock:
                    result = check()
                if result is not None:
                    return result
                remaining = deadline - loop.time()
                if remaining <= 0:
                    return None
                try:
                    await asyncio.wait_for(event.wait(), remaining)
                except asyncio.TimeoutError:
                    pass
            finally:
                with self._lock:
                    self._async_waiters.discard(key)

    def _wait_until_sync(self, check: Callable[[], T | None], timeout: float) -> T | None:
        if self._loop_thread == threading.get_ident():
            raise RuntimeError("wait_for_sync() would block the server's event loop; use await wait_for()")
        deadline = time.monotonic() + timeout
        with self._tcond:
            while True:
                result = check()
                if result is not None:
                    return result
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return None
                self._tcond.wait(remaining)

    def _matcher(
        self, what: CallMatcher, count: int, since: int, pending: bool
    ) -> Callable[[], list[Call] | None]:
        if isinstance(what, str):
            name = what.lower()

            def pred(c: Call) -> bool:
                return c.method.lower() == name

        else:
            pred = what

        def check() -> list[Call] | None:
            found = [c for c in self._calls[since:] if (pending or c.done) and pred(c)]
            return found if len(found) >= count else None

        return check

    def _timeout_message(self, what: CallMatcher, count: int, timeout: float, since: int) -> str:
        desc = what if isinstance(what, str) else getattr(what, "__name__", "predicate")
        with self._lock:
            recent = self._calls[since:][-10:]
        return f"timed out after {timeout}s waiting for {count} x {desc!r}; recent calls: {recent!r}"

    # ------------------------------------------------------------------ HTTP layer

    def _auth_error(self, token: str) -> web.Response | None:
        if token == self.token:
            return None
        if not _TOKEN_RE.match(token):
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)

    async def _read_params(self, request: web.Request) -> JSONDict:
        raw: dict[str, Any] = dict(request.query)
        uploads: dict[str, UploadedFile] = {}
        ctype = request.content_type
        if request.can_read_body:
            if ctype == "application/json":
                try:
                    body = await request.json()
                except ValueError as exc:
                    raise ApiError.bad_request("can't parse JSON") from exc
                if not isinstance(body, dict):
                    raise ApiError.bad_request("JSON body must be an object")
                raw.update(body)
            elif ctype == "multipart/form-data":
                reader = await request.multipart()
                async for part in reader:
                    if part is None or not hasattr(part, "read"):
                        continue
                    name = part.name or ""
                    data = await part.read()  # type: ignore[union-attr]
                    if part.filename is not None:
                        uploads[name] = UploadedFile(
                            field=name,
                            filename=part.filename,
                            content_type=part.headers.get("Content-Type"),
                            data=bytes(data),
                        )
                    else:
                        raw[name] = bytes(data).decode("utf-8")
            else:  # application/x-www-form-urlencoded (PTB without files) or empty
                form = await request.post()
                for key, value in form.items():
                    if isinstance(value, web.FileField):
                        uploads[key] = UploadedFile(key, value.filename, value.content_type, value.file.read())
                    else:
                        raw[key] = value
        params = {key: _decode_value(key, value) for key, value in raw.items()}
        for name, up in uploads.items():
            params[name] = up
        for key, value in list(params.items()):
            if isinstance(value, str) and value.startswith("attach://") and value[9:] in uploads:
                params[key] = uploads[value[9:]]
        params["__uploads__"] = list(uploads.values())
        return params

    async def _handle_method(self, request: web.Request) -> web.Response:
        denied = self._auth_error(request.match_info["token"])
        if denied is not None:
            return denied
        received = request.match_info["method"]
        entry = self._methods.get(received.lower())
        method = entry[0] if entry else received
        try:
            params = await self._read_params(request)
        except ApiError as err:
            return web.json_response(err.to_json(), status=err.error_code)
        uploads: list[UploadedFile] = params.pop("__uploads__")
        with self._lock:
            call = Call(method, params, len(self._calls))
            self._calls.append(call)
            for up in uploads:
                up.method = method
                up.chat_id = params.get("chat_id")
                self._uploads.append(up)
        self._changed()

        status = 200
        try:
            await self._apply_delay(method)
            await self._apply_hold(params.get("chat_id"))
            if entry is None:
                raise ApiError(404, "Not Found: method not found")
            self._apply_faults(method)
            impl = entry[1]
            if inspect.iscoroutinefunction(impl):
                result = await impl(params)
            else:
                with self._lock:
                    result = impl(params)
                if asyncio.iscoroutine(result):
                    result = await result
            body: JSONDict = {"ok": True, "result": result}
            with self._lock:
                call.result = copy.deepcopy(result)
                call.ok = True
        except ApiError as err:
            body = err.to_json()
            status = err.error_code
            with self._lock:
                call.ok = False
                call.error_code = err.error_code
                call.description = err.description
        self._changed()
        response = web.json_response(body, status=status)
        if self._down:  # go_down(): answered, and the connection is not kept for another request
            response.force_close()
        return response

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        denied = self._auth_error(request.match_info["token"])
        if denied is not None:
            return denied
        path = request.match_info["path"]
        with self._lock:
            stored = self._files_by_path.get(path)
            if stored is not None:
                self._downloads.append(path)
        if stored is None:
            return web.json_response({"ok": False, "error_code": 404, "description": "Not Found"}, status=404)
        self._changed()
        return web.Response(body=stored.data, content_type=stored.mime_type or "application/octet-stream")

    async def _apply_delay(self, method: str) -> None:
        with self._lock:
            rule = self._delays.get(method.lower()) or self._delays.get("*")
            if rule is None:
                return
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    for key, value in list(self._delays.items()):
                        if value is rule:
                            del self._delays[key]
            seconds = rule.seconds
        # Interruptible: stop() wakes this so shutdown is never held up by a delay.
        await self._wait_until(lambda: True if self._closing else None, seconds)

    async def _apply_hold(self, chat_id: Any) -> None:
        with self._lock:
            if chat_id not in self._held:
                return
        await self._wait_until(lambda: True if chat_id not in self._held or self._closing else None, 60.0)

    def _apply_faults(self, method: str) -> None:
        with self._lock:
            for fault in self._fail_next:
                if fault.remaining > 0 and _method_matches(fault.method, method):
                    fault.remaining -= 1
                    if fault.remaining <= 0:
                        self._fail_next.remove(fault)
                    raise ApiError(fault.error.error_code, fault.error.description, fault.error.parameters)
            rule = self._faults.get(method.lower()) or self._faults.get("*")
            if rule is not None:
                roll = rule.rng.random()
                if roll < rule.rate_429:
                    raise ApiError.too_many_requests(rule.retry_after)
                if roll < rule.rate_429 + rule.rate_500:
                    raise ApiError.internal_error()

    # ------------------------------------------------------------------ internal helpers

    @staticmethod
    def _private_chat_of(user: FakeUser) -> FakeChat:
        return FakeChat(user.id, "private", username=user.username, first_name=user.first_name, last_name=user.last_name)

    def _chat(self, value: Any, *, check_blocked: bool = True) -> FakeChat:
        """Resolve a chat_id parameter (must hold the lock)."""
        if isinstance(value, str) and value.startswith("@"):
            for chat in self._chats.values():
                if chat.username and chat.username.lower() == value[1:].lower():
                    break
            else:
                raise ApiError.bad_request("chat not found")
        else:
            if value is None or value == "":
                raise ApiError.bad_request("chat_id is empty")
            try:
                chat_id = _as_int(value, "chat_id")
            except ApiError:
                raise ApiError.bad_request("chat not found") from None
            found = self._chats.get(chat_id)
            if found is None:
                if self.strict_chats or chat_id == 0:
                    raise ApiError.bad_request("chat not found")
                if chat_id > 0:
                    found = FakeChat(chat_id, "private", first_name=f"User {chat_id}")
                else:
                    kind = "supergroup" if str(chat_id).startswith("-100") else "group"
                    found = FakeChat(chat_id, kind, title=f"Chat {chat_id}")
                self._chats[chat_id] = found
            chat = found
        if check_blocked and chat.id in self._blocked:
            raise ApiError.blocked(group=chat.type != "private")
        return chat

    def _store_file(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None,
        mime_type: str | None,
        width: int | None = None,
        height: int | None = None,
        url: str | None = None,
    ) -> StoredFile:
        n = next(self._file_seq)
        prefix = "BQACAgIAAxk" if kind == "document" else "AgACAgIAAxk"
        if kind == "photo":
            ext = ".jpg"
            size = (width, height) if width and height else (_image_size(data) or (100, 100))
        else:
            ext = ""
            if file_name and "." in file_name:
                ext = "." + file_name.rsplit(".", 1)[1][:8]
            size = (0, 0)
        stored = StoredFile(
            file_id=f"{prefix}fake{n:06d}",
            file_unique_id=f"AQADfake{n:06d}",
            kind=kind,
            file_path=f"{kind}s/file_{n}{ext}",
            data=bytes(data),
            file_name=file_name,
            mime_type=mime_type,
            width=size[0],
            height=size[1],
            url=url,
        )
        self._files[stored.file_id] = stored
        self._files_by_path[stored.file_path] = stored
        return stored

    def _input_file(self, params: JSONDict, name: str, kind: str) -> StoredFile:
        value = params.get(name)
        if isinstance(value, UploadedFile):
            mime = value.content_type
            if kind == "document" and (not mime or mime == "application/octet-stream") and value.filename:
                mime = mimetypes.guess_type(value.filename)[0] or mime
            return self._store_file(
                kind,
                value.data,
                file_name=value.filename if kind == "document" else None,
                mime_type=mime if kind == "document" else "image/jpeg",
            )
        if isinstance(value, str) and value:
            if value in self._files:
                return self._files[value]
            if value.startswith(("http://", "https://")):
                tail = value.rsplit("/", 1)[-1] or "file"
                return self._store_file(kind, b"", file_name=tail if kind == "document" else None,
                                        mime_type=mimetypes.guess_type(tail)[0], url=value)
            if value.startswith("attach://"):
                raise ApiError.bad_request(f"{name} not found in the request: {value}")
            raise ApiError.bad_request("wrong file identifier/HTTP URL specified")
        raise ApiError.bad_request(f"there is no {name} in the request")

    @staticmethod
    def _inline_markup(params: JSONDict) -> JSONDict | None:
        markup = params.get("reply_markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise ApiError.bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return None  # reply/remove/force-reply keyboards are not echoed in Message
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
            raise ApiError.bad_request("field \"inline_keyboard\" of the InlineKeyboardMarkup should be an Array of Arrays")
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise ApiError.bad_request("BUTTON_TEXT_INVALID" if isinstance(button, dict) else "can't parse inline keyboard button")
                data = button.get("callback_data")
                if data is not None and not (1 <= len(str(data).encode("utf-8")) <= 64):
                    raise ApiError.bad_request("BUTTON_DATA_INVALID")
        return copy.deepcopy(markup)

    @staticmethod
    def _add_caption(content: JSONDict, caption: Any, entities: Any, *, compute: bool = False) -> None:
        if caption is None or caption == "":
            return
        caption = str(caption)
        if len(caption) > _MAX_CAPTION:
            raise ApiError.bad_request("message caption is too long")
        content["caption"] = caption
        ents = entities if entities is not None else (text_entities(caption) if compute else None)
        if ents:
            content["caption_entities"] = ents

    def _reply_to(self, chat: FakeChat, params: JSONDict) -> JSONDict | None:
        rp = params.get("reply_parameters")
        if not isinstance(rp, dict):
            rp = {"message_id": params["reply_to_message_id"]} if params.get("reply_to_message_id") else None
        if not rp:
            return None
        mid = _as_int(rp.get("message_id"), "message_id")
        target_chat = self._chat(rp["chat_id"], check_blocked=False) if rp.get("chat_id") else chat
        msg = self._messages.get(mid)
        if msg is None or mid in self._deleted or msg["chat"]["id"] != target_chat.id:
            if rp.get("allow_sending_without_reply") or params.get("allow_sending_without_reply"):
                return None
            raise ApiError.bad_request("message to be replied not found")
        reply = copy.deepcopy(msg)
        reply.pop("reply_to_message", None)
        return reply

    def _new_message(
        self,
        chat: FakeChat,
        sender: JSONDict,
        content: JSONDict,
        *,
        reply_to: JSONDict | None = None,
        markup: JSONDict | None = None,
    ) -> JSONDict:
        mid = next(self._message_ids)
        msg: JSONDict = {"message_id": mid, "from": dict(sender), "chat": chat.to_dict(), "date": int(time.time())}
        if reply_to is not None:
            msg["reply_to_message"] = reply_to
        msg.update(copy.deepcopy(content))
        if markup is not None:
            msg["reply_markup"] = markup
        self._messages[mid] = msg
        return msg

    def _bot_message(self, chat: FakeChat, content: JSONDict, params: JSONDict) -> JSONDict:
        markup = self._inline_markup(params)
        reply_to = self._reply_to(chat, params)
        msg = self._new_message(chat, self._bot_user, content, reply_to=reply_to, markup=markup)
        self._bot_message_ids.append(msg["message_id"])
        self._delivered[chat.id] += 1
        return copy.deepcopy(msg)

    def _user_message(
        self,
        user: FakeUser,
        chat: FakeChat | None,
        content: JSONDict,
        reply_to_message_id: int | None,
        extra: Mapping[str, Any] | None,
    ) -> JSONDict:
        with self._lock:
            self._users[user.id] = user
            chat = chat or self._private_chat_of(user)
            self._chats.setdefault(chat.id, chat)
            reply_to = None
            if reply_to_message_id is not None:
                target = self._messages.get(reply_to_message_id)
                if target is None:
                    raise ValueError(f"no message with message_id={reply_to_message_id} to reply to")
                reply_to = copy.deepcopy(target)
                reply_to.pop("reply_to_message", None)
            msg = self._new_message(chat, user.to_dict(), content, reply_to=reply_to)
            if extra:
                msg.update(copy.deepcopy(dict(extra)))
            payload = {"message": copy.deepcopy(msg)}
        return self.push_update(payload)

    def _editable(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params.get("chat_id"))
        mid = _as_int(params.get("message_id"), "message_id")
        msg = self._messages.get(mid)
        if msg is None or mid in self._deleted or msg["chat"]["id"] != chat.id:
            raise ApiError.bad_request("message to edit not found")
        if msg["from"]["id"] != self.bot_id:
            raise ApiError.bad_request("message can't be edited")
        return msg

    @staticmethod
    def _check_text(text: Any) -> str:
        if text is None or str(text).strip() == "":
            raise ApiError.bad_request("message text is empty")
        text = str(text)
        if len(text) > _MAX_TEXT:
            raise ApiError.bad_request("message is too long")
        return text

    @staticmethod
    def _commands_key(scope: Mapping[str, Any] | None, language_code: Any) -> tuple[str, str]:
        return json.dumps(dict(scope or {"type": "default"}), sort_keys=True), str(language_code or "")

    # ------------------------------------------------------------------ Bot API methods
    # Sync implementations run under self._lock (see _handle_method).

    def _m_get_me(self, params: JSONDict) -> JSONDict:
        return dict(self._bot_user)

    def _m_set_webhook(self, params: JSONDict) -> bool:
        url = str(params.get("url") or "")
        if not url:
            self._webhook = None
            return True
        if not url.startswith("https://"):
            raise ApiError.bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.get("secret_token")
        if secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", str(secret)):
            raise ApiError.bad_request("bad webhook: secret token contains unallowed characters")
        self._webhook = {"url": url, "secret_token": secret, "allowed_updates": params.get("allowed_updates")}
        if params.get("drop_pending_updates") in (True, "true", 1):
            self._updates.clear()
        return True

    def _m_delete_webhook(self, params: JSONDict) -> bool:
        self._webhook = None
        if params.get("drop_pending_updates") in (True, "true", 1):
            self._updates.clear()
        return True

    def _m_get_webhook_info(self, params: JSONDict) -> JSONDict:
        url = self._webhook["url"] if self._webhook else ""
        return {"url": url, "has_custom_certificate": False, "pending_update_count": len(self._updates)}

    def _m_set_my_commands(self, params: JSONDict) -> bool:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError.bad_request("field \"commands\" must be an Array")
        if len(commands) > 100:
            raise ApiError.bad_request("too many commands specified")
        for cmd in commands:
            if not isinstance(cmd, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(cmd.get("command", ""))):
                raise ApiError.bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(str(cmd.get("description", ""))) <= 256:
                raise ApiError.bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = [{"command": c["command"], "description": c["description"]} for c in commands]
        return True

    def _m_get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self._commands.get(self._commands_key(params.get("scope"), params.get("language_code")), []))

    def _m_delete_my_commands(self, params: JSONDict) -> bool:
        self._commands.pop(self._commands_key(params.get("scope"), params.get("language_code")), None)
        return True

    def _m_send_message(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params.get("chat_id"))
        content: JSONDict = {"text": self._check_text(params.get("text"))}
        if params.get("entities"):
            content["entities"] = params["entities"]
        return self._bot_message(chat, content, params)

    def _m_send_document(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params.get("chat_id"))
        stored = self._input_file(params, "document", "document")
        content: JSONDict = {"document": stored.document_dict()}
        self._add_caption(content, params.get("caption"), params.get("caption_entities"))
        return self._bot_message(chat, content, params)

    def _m_send_photo(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params.get("chat_id"))
        stored = self._input_file(params, "photo", "photo")
        content: JSONDict = {"photo": stored.photo_sizes()}
        self._add_caption(content, params.get("caption"), params.get("caption_entities"))
        return self._bot_message(chat, content, params)

    def _m_copy_message(self, params: JSONDict) -> JSONDict:
        from_chat = self._chat(params.get("from_chat_id"), check_blocked=False)
        chat = self._chat(params.get("chat_id"))
        mid = _as_int(params.get("message_id"), "message_id")
        src = self._messages.get(mid)
        if src is None or mid in self._deleted or src["chat"]["id"] != from_chat.id:
            raise ApiError.bad_request("message to copy not found")
        content = {k: copy.deepcopy(v) for k, v in src.items() if k in ("text", "entities", "document", "photo", "caption", "caption_entities")}
        if "caption" in params and "text" not in content:
            content.pop("caption", None)
            content.pop("caption_entities", None)
            self._add_caption(content, params.get("caption"), params.get("caption_entities"))
        msg = self._bot_message(chat, content, params)
        return {"message_id": msg["message_id"]}

    def _m_edit_message_text(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            self._check_text(params.get("text"))
            return True
        msg = self._editable(params)
        if "text" not in msg:
            raise ApiError.bad_request("there is no text in the message to edit")
        text = self._check_text(params.get("text"))
        markup = self._inline_markup(params)
        entities = params.get("entities") or None
        if text == msg["text"] and markup == msg.get("reply_markup") and entities == msg.get("entities"):
            raise ApiError(400, _NOT_MODIFIED)
        msg["text"] = text
        for key, value in (("entities", entities), ("reply_markup", markup)):
            if value is None:
                msg.pop(key, None)
            else:
                msg[key] = value
        msg["edit_date"] = int(time.time())
        return copy.deepcopy(msg)

    def _m_edit_message_caption(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            return True
        msg = self._editable(params)
        if "text" in msg:
            raise ApiError.bad_request("there is no caption in the message to edit")
        new: JSONDict = {}
        self._add_caption(new, params.get("caption"), params.get("caption_entities"))
        markup = self._inline_markup(params)
        if new.get("caption") == msg.get("caption") and markup == msg.get("reply_markup") and new.get("caption_entities") == msg.get("caption_entities"):
            raise ApiError(400, _NOT_MODIFIED)
        for key in ("caption", "caption_entities"):
            msg.pop(key, None)
        msg.update(new)
        if markup is None:
            msg.pop("reply_markup", None)
        else:
            msg["reply_markup"] = markup
        msg["edit_date"] = int(time.time())
        return copy.deepcopy(msg)

    def _m_edit_message_reply_markup(self, params: JSONDict) -> JSONDict | bool:
        if params.get("inline_message_id"):
            return True
        msg = self._editable(params)
        markup = self._inline_markup(params)
        if markup == msg.get("reply_markup"):
            raise ApiError(400, _NOT_MODIFIED)
        if markup is None:
            msg.pop("reply_markup", None)
        else:
            msg["reply_markup"] = markup
        msg["edit_date"] = int(time.time())
        return copy.deepcopy(msg)

    def _m_delete_message(self, params: JSONDict) -> bool:
        chat = self._chat(params.get("chat_id"), check_blocked=False)
        mid = _as_int(params.get("message_id"), "message_id")
        msg = self._messages.get(mid)
        if msg is None or mid in self._deleted or msg["chat"]["id"] != chat.id:
            raise ApiError.bad_request("message to delete not found")
        self._deleted.add(mid)
        return True

    def _m_answer_callback_query(self, params: JSONDict) -> bool:
        qid = str(params.get("callback_query_id") or "")
        query = self._callback_queries.get(qid)
        if query is None or query["answered"]:
            raise ApiError.bad_request("query is too old and response timeout expired or query ID is invalid")
        text = params.get("text")
        if text is not None and len(str(text)) > 200:
            raise ApiError.bad_request("MESSAGE_TOO_LONG")
        query["answered"] = True
        query["answer"] = {k: v for k, v in params.items()}
        return True

    def _m_get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise ApiError.bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": stored.size,
            "file_path": stored.file_path,
        }

    def _m_send_chat_action(self, params: JSONDict) -> bool:
        self._chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise ApiError.bad_request("wrong parameter action in request")
        return True

    async def _m_get_updates(self, params: JSONDict) -> list[JSONDict]:
        try:
            offset = _as_int(params["offset"], "offset") if params.get("offset") is not None else None
            limit = _as_int(params.get("limit", 100), "limit")
            timeout = float(params.get("timeout", 0) or 0)
        except (TypeError, ValueError) as exc:
            raise ApiError.bad_request("wrong parameter in getUpdates") from exc
        limit = min(max(limit, 1), 100)
        if self._webhook:
            raise ApiError(409, "Conflict: can't use getUpdates method while webhook is active; "
                                "use deleteWebhook to delete the webhook first")
        allowed = params.get("allowed_updates")
        allowed_set = set(allowed) if isinstance(allowed, list) and allowed else None
        with self._lock:
            if offset is not None:
                if offset < 0:
                    del self._updates[: max(0, len(self._updates) + offset)]
                else:
                    self._updates[:] = [u for u in self._updates if u["update_id"] >= offset]
            self._poll_generation += 1
            generation = self._poll_generation
        self._changed()  # terminate an older long poll with 409, like Telegram

        def check() -> list[JSONDict] | None:
            if self._poll_generation != generation:
                raise ApiError(409, "Conflict: terminated by other getUpdates request; "
                                    "make sure that only one bot instance is running")
            if self._closing:
                return []
            ready = [
                u for u in self._updates
                if allowed_set is None or any(k in allowed_set for k in u if k != "update_id")
            ][:limit]
            return copy.deepcopy(ready) if ready else None

        result = await self._wait_until(check, max(0.0, timeout))
        return result or []


class FakeBotAPIThread:
    """A :class:`FakeBotAPI` served from a daemon thread with its own event loop.

    All of ``api``'s public methods are thread-safe; use ``api.wait_for_sync`` (blocking)
    or ``await api.wait_for`` (from any loop). Context manager; ``stop()`` is idempotent.
    """

    def __init__(self, api: FakeBotAPI, startup_timeout: float = 5.0) -> None:
        self.api = api
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None
        self.thread = threading.Thread(target=self._run, name="FakeBotAPI", daemon=True)
        self.thread.start()
        if not self._ready.wait(startup_timeout):
            raise TimeoutError("FakeBotAPI thread did not start in time")
        if self._error is not None:
            raise self._error

    def _run(self) -> None:
        async def main() -> None:
            self._loop = asyncio.get_running_loop()
            self._stop = asyncio.Event()
            try:
                await self.api.start()
            except BaseException as exc:
                self._error = exc
                self._ready.set()
                return
            self._ready.set()
            try:
                await self._stop.wait()
            finally:
                await self.api.stop()

        asyncio.run(main())

    @property
    def base_url(self) -> str:
        return self.api.base_url

    @property
    def base_file_url(self) -> str:
        return self.api.base_file_url

    @property
    def token(self) -> str:
        return self.api.token

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the server and join the thread."""
        if self.thread.is_alive() and self._loop is not None and self._stop is not None:
            try:
                self._loop.call_soon_threadsafe(self._stop.set)
            except RuntimeError:
                pass
        self.thread.join(timeout)

    def __enter__(self) -> FakeBotAPIThread:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
