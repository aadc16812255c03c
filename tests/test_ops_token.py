"""The bot token never reaches any output or log, and a wrong set-up ends in one line.

Real `ducha` processes against a local server answering 404 to everything (a wrong
TELEGRAM_API_BASE_URL) and against the fake Bot API with a token it rejects (401).
"""

from __future__ import annotations

import http.server
import io
import logging
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import FakeBotAPI  # noqa: E402

from bot.common import logs  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "987654321:AAHsecretPartOfTheTokenXYZ_0123456789"
SECRET_HALF = TOKEN.split(":", 1)[1]


class _NotFound(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # noqa: N802
        self.send_response(404)
        self.end_headers()
        self.wfile.write(b"<html>404 page not found</html>")

    do_GET = do_POST

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def not_found_url():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _NotFound)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/bot"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def fake_api():
    # the fake server knows another token, so ours is answered 401 Unauthorized
    with FakeBotAPI.run_in_thread() as thread:
        yield thread.api


@pytest.fixture
def env(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'ops.db'}"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DUCHA_", "HTTP", "HTTPS"))}
    base.update(DATABASE_URL=db_url, TELEGRAM_BOT_TOKEN=TOKEN, DUCHA_DATA_DIR=str(tmp_path / "data"), NO_PROXY="*")
    # one bound person, so that a broadcast has a recipient and reaches the sending step
    from bot.storage.db import Database
    from bot.storage.models import Person

    db = Database.from_env({"DATABASE_URL": db_url})
    db.call(lambda s: s.add(Person(user_id=5001, name="王科长", unit="华龙区", role="party")))
    db.engine.dispose()
    return base


COMMANDS = [
    ["run"],
    ["remind", "run-due", "--now", "2020-08-03T09:00"],
    ["broadcast", "send", "--text", "请于周五前提交自查报告。", "--audience", "all"],
]


def ducha(args, env, timeout=60):
    return subprocess.run(
        [sys.executable, "-c", "from bot.shells.cli import main; main()", *args],
        capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT,
    )


def assert_one_clean_line(result, expect: str):
    output = result.stdout + result.stderr
    assert TOKEN not in output and SECRET_HALF not in output
    assert "Traceback" not in output
    # broadcast send says on stdout which notice it created before it tries to send; the
    # error itself is one line on stderr
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith("已创建通知")]
    assert len(lines) == 1, output
    assert expect in lines[0]
    assert result.returncode != 0


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_wrong_base_url_answering_404_is_one_line_without_the_token(args, env, not_found_url):
    env["TELEGRAM_API_BASE_URL"] = not_found_url
    result = ducha(args, env)
    assert_one_clean_line(result, "TELEGRAM_API_BASE_URL")
    assert not_found_url in result.stderr  # the operator sees which server said no


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_rejected_token_is_one_line_without_the_token(args, env, fake_api):
    env["TELEGRAM_API_BASE_URL"] = fake_api.base_url
    result = ducha(args, env)
    assert_one_clean_line(result, "拒绝了令牌")


def test_unreachable_server_is_one_line(env):
    env["TELEGRAM_API_BASE_URL"] = "http://127.0.0.1:9/bot"  # discard port: connection refused
    result = ducha(["remind", "run-due"], env)
    assert_one_clean_line(result, "无法连接")


def test_database_that_cannot_be_opened_is_one_line(env, tmp_path):
    env["DATABASE_URL"] = "postgresql://nobody:pw-not-to-print@127.0.0.1:9/none"
    result = ducha(["campaign", "show"], env)
    output = result.stdout + result.stderr
    assert result.returncode != 0 and "Traceback" not in output and "pw-not-to-print" not in output
    assert len(output.strip().splitlines()) == 1, output


def test_every_log_record_is_redacted():
    stream = io.StringIO()
    logs.register_secret(TOKEN)
    handler = logs.setup_logging(logging.INFO, stream=stream)
    log = logging.getLogger("some.library")
    try:
        log.info("GET https://api.telegram.org/bot%s/getMe", TOKEN)
        log.warning(f"plain f-string with {TOKEN}")
        try:
            raise RuntimeError(f"The token `{TOKEN}` was rejected by the server.")
        except RuntimeError:
            log.exception("failed")
        log.error("only the secret half: %s", SECRET_HALF)
    finally:
        logging.getLogger().removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text and SECRET_HALF not in text
    assert text.count(logs.REDACTED) == 4
    assert "RuntimeError" in text  # the traceback is kept, without the token
