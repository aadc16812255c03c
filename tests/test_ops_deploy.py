"""Deployment files: what they promise is checked everywhere; the image is built and the
compose stack started only where a container engine runs (skipped cleanly otherwise)."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def test_dockerfile_is_slim_non_root_with_a_cjk_font_and_pg_client():
    text = (ROOT / "Dockerfile").read_text()
    assert "-slim" in text and "--no-install-recommends" in text and "rm -rf /var/lib/apt/lists/*" in text
    assert "fonts-wqy-microhei" in text and "postgresql-client" in text
    users = [line.split()[1] for line in text.splitlines() if line.startswith("USER ")]
    assert users and users[-1] not in ("root", "0")
    assert "HEALTHCHECK" in text and "/healthz" in text
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert ".venv" in ignored and ".env" in ignored and "*.db" in ignored


def test_compose_has_the_bot_and_postgres_with_volumes_and_healthchecks():
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text())
    db, bot = compose["services"]["db"], compose["services"]["bot"]
    assert db["image"].startswith("postgres:15")  # pg_dump in the image is version 15
    assert "healthcheck" in db and "pg_isready" in " ".join(db["healthcheck"]["test"])
    assert bot["depends_on"]["db"]["condition"] == "service_healthy"
    assert any(v.startswith("pgdata:") for v in db["volumes"]) and any(v.startswith("botdata:") for v in bot["volumes"])
    assert set(compose["volumes"]) == {"pgdata", "botdata"}
    assert bot["environment"]["DATABASE_URL"].startswith("postgresql://ducha:")
    assert ":?" in bot["environment"]["TELEGRAM_BOT_TOKEN"]  # refuses to start without a token
    assert all(p.startswith("127.0.0.1:") for p in bot["ports"])  # health is not published to the world


def test_systemd_unit_runs_as_a_user_and_does_not_restart_a_refused_second_instance():
    unit = (ROOT / "deploy" / "ducha-bot.service").read_text()
    assert "User=ducha" in unit and "EnvironmentFile=/etc/ducha-bot.env" in unit
    assert "ducha run" in unit and "RestartPreventExitStatus=2 4" in unit
    if shutil.which("systemd-analyze"):
        done = subprocess.run(["systemd-analyze", "verify", str(ROOT / "deploy" / "ducha-bot.service")],
                              capture_output=True, text=True)
        problems = [line for line in done.stderr.splitlines() if "is not executable" not in line and line.strip()]
        assert problems == [], problems


def _engine() -> str | None:
    for tool in ("docker", "podman"):
        if shutil.which(tool) is None:
            continue
        try:
            if subprocess.run([tool, "info"], capture_output=True, timeout=20).returncode == 0:
                compose = subprocess.run([tool, "compose", "version"], capture_output=True, timeout=20)
                if compose.returncode == 0:
                    return tool
        except (OSError, subprocess.TimeoutExpired):
            continue
    return None


@pytest.mark.skipif(_engine() is None, reason="no running container engine with compose here")
def test_compose_builds_and_starts_the_bot_against_postgres(tmp_path):
    tool = _engine()
    project = f"ducha-test-{uuid.uuid4().hex[:8]}"
    env_file = tmp_path / ".env"
    env_file.write_text("TELEGRAM_BOT_TOKEN=123456789:AAFakeTokenForTests_abcdefghijklmnop\nPOSTGRES_PASSWORD=test-only-pw\n")
    base = [tool, "compose", "--project-name", project, "--env-file", str(env_file), "-f", str(ROOT / "compose.yaml")]

    def compose(*args: str, timeout: float = 900) -> subprocess.CompletedProcess:
        return subprocess.run([*base, *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT)

    try:
        built = compose("build")
        assert built.returncode == 0, built.stderr[-3000:]
        assert compose("up", "-d", "db").returncode == 0
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if "healthy" in compose("ps", "db").stdout:
                break
            time.sleep(2)
        run = compose("run", "--rm", "--no-deps", "bot", "db", "upgrade")
        assert run.returncode == 0 and "postgresql" in run.stdout, run.stdout + run.stderr
        who = compose("run", "--rm", "--no-deps", "--entrypoint", "id", "bot", "-u")
        assert who.stdout.strip() not in ("", "0")
        fonts = compose("run", "--rm", "--no-deps", "--entrypoint", "fc-list", "bot", ":lang=zh")
        assert fonts.stdout.strip()
        backup = compose("run", "--rm", "--no-deps", "bot", "backup", "--out", "/data/backups/")
        assert backup.returncode == 0 and "已备份到" in backup.stdout, backup.stdout + backup.stderr
    finally:
        compose("down", "-v", timeout=300)
