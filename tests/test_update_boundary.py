"""Where updates come in: control characters cleaned in the raw JSON of the long poll (a scan
of the bytes, then the precise check only when it may be needed), and webhook updates checked
one by one; /metrics counts each update by what it carries without building it again."""

from __future__ import annotations

import json

from telegram import Update

from bot.app import DuchaApplication, kind_of
from bot.common.sanitize import json_has_control, raw_may_have_control
from bot.delivery.connect import _UpdatesRequest


def envelope(message: dict) -> dict:
    return {"ok": True, "result": [{"update_id": 7, "message": message}]}


MESSAGE = {
    "message_id": 1, "date": 0, "chat": {"id": 5, "type": "private", "title": "华龙\x01区"},
    "from": {"id": 5, "is_bot": False, "first_name": "王\x00", "last_name": "科\x0b长"},
    "text": "会议记录\x0b不完整", "document": {"file_id": "f", "file_unique_id": "u", "file_name": "会议纪要\x01.pdf"},
}


def test_the_long_poll_cleans_text_and_names_in_the_raw_json():
    for ascii_only in (True, False):  # Telegram sends UTF-8; escaped \\u0001 or not, both are found
        raw = json.dumps(envelope(MESSAGE), ensure_ascii=ascii_only).encode()
        assert raw_may_have_control(raw)
        message = _UpdatesRequest.parse_json_payload(raw)["result"][0]["message"]
        assert message["text"] == "会议记录 不完整"  # same length: entity offsets stay right
        assert message["document"]["file_name"] == "会议纪要.pdf"  # names lose them
        assert message["from"]["first_name"] == "王" and message["chat"]["title"] == "华龙区"
        assert not json_has_control(message)


def test_plain_updates_are_parsed_untouched():
    plain = {**MESSAGE, "text": "第10项怎么得分\n谢谢\t！😀", "chat": {"id": 5, "type": "private"},
             "from": {"id": 5, "is_bot": False, "first_name": "王"}, "document": None}
    raw = json.dumps(envelope(plain), ensure_ascii=False).encode()
    assert not raw_may_have_control(raw)  # line breaks, tabs and emoji are not controls
    assert _UpdatesRequest.parse_json_payload(raw) == envelope(plain)


def test_webhook_updates_are_checked_one_by_one(monkeypatch):
    calls = []
    monkeypatch.setattr("telegram.ext.Application.run_webhook", lambda self, *a, **k: calls.append(k))
    app = DuchaApplication.__new__(DuchaApplication)
    assert not app.check_updates
    DuchaApplication.run_webhook(app, listen="127.0.0.1")
    assert app.check_updates and calls == [{"listen": "127.0.0.1"}]


def test_metrics_kind_of_an_update():
    message = Update.de_json({"update_id": 1, "message": {**MESSAGE, "document": None}}, None)
    press = Update.de_json({"update_id": 2, "callback_query": {"id": "q", "from": MESSAGE["from"], "chat_instance": "1", "data": "x"}}, None)
    assert kind_of(message) == "message" and kind_of(press) == "callback_query" and kind_of(object()) == "other"
