"""Webhook mode and the outgoing proxy, end to end with real `ducha run` processes.

The fake Bot API stands in for Telegram: it records setWebhook and POSTs updates to the
bot (through the "reverse proxy": a redirect to the bot's local port) with the secret token
header, as Telegram does. Updates posted without the secret, or with a wrong one, are refused.
A small forward proxy on 127.0.0.1 shows every Bot API request going through it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fakebotapi import DEFAULT_TOKEN, FakeBotAPI  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
PUBLIC = "https://bot.example.gov.cn/ducha/hook"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def base_env(tmp_path, api) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "DUCHA_")) and k.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
    env.update(
        TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, TELEGRAM_API_BASE_URL=api.base_url,
        DATABASE_URL=f"sqlite:///{tmp_path / 'hook.db'}", DUCHA_DATA_DIR=str(tmp_path / "data"),
    )
    return env


def start(args: list[str], env) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", "from bot.shells.cli import main; main()", *args],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env, cwd=ROOT,
    )


def stop(process: subprocess.Popen) -> str:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
    out, _ = process.communicate(timeout=60)
    return out


def wait_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(process.communicate()[0])
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError("the webhook server did not listen")


def test_webhook_mode_takes_updates_with_the_secret_and_refuses_others(tmp_path):
    with FakeBotAPI.run_in_thread() as server:
        api = server.api
        port = free_port()
        api.deliver_webhooks_to(f"http://127.0.0.1:{port}")
        env = base_env(tmp_path, api)
        bot = start(["run", "--webhook", PUBLIC, "--listen", "127.0.0.1", "--port", str(port)], env)
        try:
            (call,) = api.wait_for_sync("setWebhook", timeout=60)
            wait_port(port, bot)
            # a secret was made, kept in the data folder (owner only), and given to Telegram
            secret_file = tmp_path / "data" / "webhook-secret"
            secret = secret_file.read_text().strip()
            assert call.params["url"] == PUBLIC and call.params["secret_token"] == secret and len(secret) >= 32
            assert stat.S_IMODE(secret_file.stat().st_mode) == 0o600

            user = api.user(3001, "王科长")
            mark = api.mark()
            update = api.send_text(user, "第10项怎么得分")
            (reply,) = api.wait_for_sync(lambda c: c.method == "sendMessage" and c.params.get("chat_id") == 3001, since=mark, timeout=60)
            assert "【党委表 第10项】" in reply.params["text"] or "第10项" in reply.params["text"]
            assert (update["update_id"], 200) in api.webhook_deliveries()

            # anyone else posting to the public URL is refused, and nothing is answered
            forged = {"update_id": 999001, "message": {**update["message"], "message_id": 99, "text": "/start"}}
            mark = api.mark()
            for wrong in (None, "not-the-secret"):
                assert asyncio.run(api.post_to_webhook(forged, wrong)) == 403
            assert asyncio.run(api.post_to_webhook(forged, secret)) == 200  # the same update, with the secret
            (answered,) = api.wait_for_sync("sendMessage", since=mark, timeout=60)
            time.sleep(0.5)
            assert [c.method for c in api.calls[mark:] if c.method == "sendMessage"] == ["sendMessage"]
        finally:
            out = stop(bot)
        assert bot.returncode == 0, out
        assert "webhook" in out and DEFAULT_TOKEN not in out and secret not in out and "Traceback" not in out

        # the kept secret is used again on the next start
        bot = start(["run", "--webhook", PUBLIC, "--listen", "127.0.0.1", "--port", str(port)], env)
        try:
            calls = api.wait_for_sync("setWebhook", count=2, timeout=60)
            assert calls[-1].params["secret_token"] == secret
        finally:
            stop(bot)


def test_a_webhook_url_that_is_not_https_is_one_line(tmp_path):
    with FakeBotAPI.run_in_thread() as server:
        env = base_env(tmp_path, server.api)
        done = subprocess.run(
            [sys.executable, "-c", "from bot.shells.cli import main; main()", "run", "--webhook", "http://bot.example/hook"],
            capture_output=True, text=True, env=env, cwd=ROOT, timeout=60,
        )
    output = done.stdout + done.stderr
    assert done.returncode == 2 and len(output.strip().splitlines()) == 1 and "https" in output


class ForwardProxy:
    """An HTTP proxy on 127.0.0.1: forwards absolute-form requests, records CONNECT targets
    (answered 502: no tunnel leaves this machine)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.connects: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.port = 0
        ready = threading.Event()

        async def serve() -> None:
            self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
            self.port = self.server.sockets[0].getsockname()[1]
            ready.set()

        self.thread = threading.Thread(target=lambda: (self.loop.run_until_complete(serve()), self.loop.run_forever()), daemon=True)
        self.thread.start()
        ready.wait(5)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, version = lines[0].split(" ", 2)
                if method == "CONNECT":
                    self.connects.append(target)
                    writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                    await writer.drain()
                    return
                headers = [h for h in lines[1:] if h and not h.lower().startswith(("proxy-", "connection:"))]
                length = next((int(h.split(":", 1)[1]) for h in headers if h.lower().startswith("content-length:")), 0)
                body = await reader.readexactly(length) if length else b""
                rest = target.split("://", 1)[1]
                hostport, _, path = rest.partition("/")
                self.requests.append("/" + path.rsplit("/", 1)[-1])  # the Bot API method, never the token
                host, _, port = hostport.partition(":")
                up_reader, up_writer = await asyncio.open_connection(host, int(port or 80))
                request = f"{method} /{path} {version}\r\n" + "\r\n".join(headers + ["Connection: close"]) + "\r\n\r\n"
                up_writer.write(request.encode("latin-1") + body)
                await up_writer.drain()
                response = await up_reader.read()
                up_writer.close()
                # answer once, then close: the client opens a new connection for the next one
                response = response.replace(b"Connection: keep-alive", b"Connection: close")
                writer.write(response)
                await writer.drain()
                return
        except (asyncio.IncompleteReadError, ConnectionError):
            return
        finally:
            writer.close()

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5)


@pytest.fixture
def proxy():
    p = ForwardProxy()
    yield p
    p.close()


def test_telegram_proxy_carries_every_bot_api_call_of_the_running_bot(tmp_path, proxy):
    with FakeBotAPI.run_in_thread() as server:
        env = base_env(tmp_path, server.api)
        env["TELEGRAM_PROXY"] = proxy.url
        bot = start(["run"], env)
        try:
            server.api.wait_for_sync("getUpdates", timeout=60)
            user = server.api.user(3002, "李科员")
            mark = server.api.mark()
            server.api.send_text(user, "/help")
            server.api.wait_for_sync("sendMessage", since=mark, timeout=60)
        finally:
            out = stop(bot)
        assert bot.returncode == 0, out
    assert {"/getMe", "/getUpdates", "/sendMessage"} <= set(proxy.requests), proxy.requests
    assert DEFAULT_TOKEN not in out


def test_standard_https_proxy_variable_is_honoured(tmp_path, proxy):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "DUCHA_")) and "proxy" not in k.lower()}
    env.update(TELEGRAM_BOT_TOKEN=DEFAULT_TOKEN, HTTPS_PROXY=proxy.url, DATABASE_URL=f"sqlite:///{tmp_path / 'p.db'}")
    done = subprocess.run(
        [sys.executable, "-c", "from bot.shells.cli import main; main()", "remind", "run-due"],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=90,
    )
    output = done.stdout + done.stderr
    # the real Bot API was asked for through the proxy (which lets nothing out)
    assert proxy.connects == ["api.telegram.org:443"] * len(proxy.connects) and proxy.connects
    assert done.returncode == 3 and len(output.strip().splitlines()) == 1 and "无法连接" in output
    assert DEFAULT_TOKEN not in output
