"""`ducha group …`, `ducha ranking`, and the inspection parts of `ducha invite create` and
`ducha export`: the field inspection on the command line (the operator is trusted, and
every change is audited as 命令行)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Optional

import typer

from bot.common import texts

group_app = typer.Typer(no_args_is_help=True, help=texts.CLI_HELP["group"])


def _service(now: Optional[str] = None):
    """Database and the inspection service beside the self-check and coordination ones."""
    from bot.inspection.service import InspectionService
    from bot.shells.cli import _coordination

    _, db, c = _coordination(now)
    return db, InspectionService.beside(c.sc), c


def _run(db, fn):
    """Run ``fn`` through the runner (bot/actions.py); a refusal prints its Chinese text on
    stderr and exits 2."""
    from bot.shells.cli import checked

    return checked(db, fn, err=True)


def _say(outcome) -> None:
    typer.echo("\n".join(a.text for a in outcome.replies))


def _units(text: str) -> list[str]:
    from bot.inspection.groups import split_units

    return split_units(text)


@group_app.command("create", help=texts.CLI_HELP["group create"])
def group_create(
    name: str = typer.Argument(..., help="督察组名称，如 第一督察组"),
    units: str = typer.Option("", "--units", help="负责督察的单位，如 华龙区,范县"),
) -> None:
    """Set up an inspection group for this round, with the units it inspects."""
    db, service, _ = _service()
    _say(_run(db, lambda s: service.groups.create(s, None, name, _units(units))))


@group_app.command("assign", help=texts.CLI_HELP["group assign"])
def group_assign(
    name: str = typer.Argument(..., help="督察组名称"),
    units: str = typer.Option(..., "--units", help="增加的单位，如 清丰县,南乐县"),
) -> None:
    """Assign units to a group (a unit has at most one group per round)."""
    db, service, _ = _service()
    _say(_run(db, lambda s: service.groups.assign(s, None, name, _units(units))))


@group_app.command("unassign", help=texts.CLI_HELP["group unassign"])
def group_unassign(
    name: str = typer.Argument(..., help="督察组名称"),
    units: str = typer.Option(..., "--units", help="撤回的单位"),
) -> None:
    """Take units away from a group (not once its inspection has begun)."""
    db, service, _ = _service()
    _say(_run(db, lambda s: service.groups.unassign(s, None, name, _units(units))))


@group_app.command("list", help=texts.CLI_HELP["group list"])
def group_list() -> None:
    """Every group of this round with its units and members, and the units not yet assigned."""
    db, service, _ = _service()
    _say(_run(db, lambda s: service.groups.view(s, None)))


def inspector_invite(group: str, uses: int, lifetime: dt.timedelta | None):
    """`ducha invite create --group NAME --role inspector`: the invite, or exit 2 with why not."""
    db, service, _ = _service()
    return _run(db, lambda s: service.create_invite(s, group, uses, lifetime))


def inspection_report(unit: str, table: str, out: Optional[Path]) -> None:
    """`ducha export --unit U --table T --report inspection [--out F]`."""
    db, service, _ = _service()
    outcome = _run(db, lambda s: service.report(s, unit, table))
    f = outcome.files[0]
    target = out or Path(".")
    path = target / f.name if target.is_dir() or not target.suffix else target
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(f.data)
    typer.echo(str(path))
    typer.echo(f.caption, err=True)


def ranking(out: Path = typer.Option(Path("out"), "--out", help="图表和表格保存到此文件夹")) -> None:
    """Every unit's self and inspection totals, difference and rank; the .xlsx and PNG chart to --out."""
    db, service, _ = _service()
    result = _run(db, lambda s: service.ranking(s, None))
    _say(result)
    for f in result.files:
        out.mkdir(parents=True, exist_ok=True)
        (out / f.name).write_bytes(f.data)
        typer.echo(str(out / f.name))
