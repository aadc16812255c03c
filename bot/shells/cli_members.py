"""`ducha members list|remove|move` and `ducha invite list|revoke`: the operator's view of who
is bound where and of the invite codes, with the same audited changes as /members."""

from __future__ import annotations

from typing import Optional

import typer

from bot.common import texts

members_app = typer.Typer(no_args_is_help=True, help=texts.CLI_HELP["members"])


def _coordination():
    from bot.shells.cli import _coordination as build

    return build()


def _fail(message: str) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(2)


@members_app.command("list", help=texts.CLI_HELP["members list"])
def members_list(unit: Optional[str] = typer.Option(None, "--unit", help="只列此单位，如 华龙区")) -> None:
    """List bound users by unit, with their role and when they joined."""
    _, db, coord = _coordination()
    typer.echo(db.call(lambda s: coord.members.members_text(s, unit)))


@members_app.command("remove", help=texts.CLI_HELP["members remove"])
def members_remove(user_id: int = typer.Argument(..., help="成员的 Telegram 用户编号（见 ducha members list）")) -> None:
    """Unbind a member: they can no longer score or see their unit's data."""
    from bot.common import texts
    from bot.coordination.members import MemberError

    _, db, coord = _coordination()
    try:
        gone = db.call(lambda s: coord.members.remove(s, None, "cli", user_id))
    except MemberError as exc:
        _fail(str(exc))
    typer.echo(texts.MEMBER_REMOVED.format(name=gone.name, id=gone.user_id, unit=gone.unit))


@members_app.command("move", help=texts.CLI_HELP["members move"])
def members_move(
    user_id: int = typer.Argument(..., help="成员的 Telegram 用户编号"),
    unit: str = typer.Option(..., "--unit", help="调入的单位"),
    role: Optional[str] = typer.Option(None, "--role", help="新身份：party、government 或 department（不写则不变）"),
) -> None:
    """Move a member to another unit (and role)."""
    from bot.common import texts
    from bot.coordination.members import MemberError

    _, db, coord = _coordination()
    try:
        moved = db.call(lambda s: coord.members.move(s, None, "cli", user_id, unit, role))
    except MemberError as exc:
        _fail(str(exc))
    typer.echo(texts.MEMBER_MOVED.format(name=moved.name, unit=moved.unit, role=texts.ROLE_LABEL.get(moved.role, moved.role)))


def invite_list(open_only: bool = typer.Option(False, "--open", help="只列仍可使用的邀请码")) -> None:
    """List invite codes with their unit, role, uses, expiry (Asia/Shanghai) and state."""
    from bot.common import texts

    _, db, coord = _coordination()

    def listing(s) -> str:
        if not open_only:
            return coord.members.invites_text(s)
        rows = coord.members.invites(s, open_only=True)
        return "\n".join(f"{r.code}　{r.unit}·{texts.ROLE_LABEL.get(r.role, r.role)}　已用{r.uses}/{r.max_uses}次" for r in rows) or texts.INVITES_NONE

    typer.echo(db.call(listing))


def invite_revoke(code: str = typer.Argument(..., help="要作废的邀请码")) -> None:
    """Revoke an invite code: binding with it is refused from now on."""
    from bot.common import texts
    from bot.coordination.members import MemberError

    _, db, coord = _coordination()
    try:
        row = db.call(lambda s: coord.members.revoke(s, None, "cli", code))
    except MemberError as exc:
        _fail(str(exc))
    typer.echo(texts.INVITE_REVOKED.format(code=row.code, unit=row.unit))
