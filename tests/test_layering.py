"""Who may import whom: the import-linter contracts in pyproject.toml ([tool.importlinter]).

The core (bot.common, bot.qa, bot.scoring, bot.coordination, bot.storage, bot.files, the
registry, the terminal, scheduler, rubric_data) never imports telegram; question answering
never imports scoring or coordination; handlers reach the core only through the registry.
A broken contract fails here with the offending import chain in the output.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
PACKAGES = ("bot", "handlers", "scheduler", "rubric_data")


def test_every_import_contract_is_kept(capsys):
    """`lint-imports` on this code, as `make test` runs it."""
    code = lint_imports(config_filename=str(PYPROJECT), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert code == 0, report


def test_the_contracts_name_the_rules_the_readme_states():
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    by_source = {tuple(c["source_modules"]): c for c in contracts}
    core = next(c for c in contracts if "bot.registry" in c["source_modules"] and c["forbidden_modules"] == ["telegram"])
    assert not core.get("allow_indirect_imports")  # not even through another module
    assert {"bot.common", "bot.qa", "bot.scoring", "bot.coordination", "bot.storage", "bot.files", "scheduler"} <= set(
        core["source_modules"]
    )
    assert {"bot.scoring", "bot.coordination"} <= set(by_source[("bot.qa",)]["forbidden_modules"])
    assert {"bot.storage", "bot.scoring", "bot.coordination"} <= set(by_source[("handlers",)]["forbidden_modules"])


@pytest.mark.parametrize(
    "module, line",
    [
        ("bot/qa/query.py", "import telegram  # noqa"),  # the core importing telegram
        ("bot/qa/query.py", "import bot.scoring.scores  # noqa"),  # qa reaching into scoring
        ("handlers/render.py", "import bot.storage.models  # noqa"),  # a handler around the registry
    ],
)
def test_a_forbidden_import_is_caught(tmp_path, module, line):
    """The contracts can fail: the same check on a copy of the code with one bad import."""
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{line}\n", encoding="utf-8")
    shutil.copy(PYPROJECT, tmp_path / "pyproject.toml")
    script = "import sys; from importlinter.cli import lint_imports; sys.exit(lint_imports(no_cache=True, no_logo=True))"
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(tmp_path)},
        capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "BROKEN" in result.stdout
