"""broadcast copies: claimed per request, retried later when Telegram was unreachable, unknown

Revision ID: 0013
Revises: 0012

A copy is claimed only for the request in flight (``claimed_at``); one that could not reach
Telegram goes back to the queue until ``next_attempt_at`` (``deferrals`` times so far), no
later than ``retry_until``. Copies
whose fate is unknown get a state of their own: those left ``sending`` by a sender that
stopped (in a notice already finished) and those recorded as failed with an ``unconfirmed:``
error (timed out after sending).
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("broadcast_recipients") as batch:
        batch.add_column(sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("retry_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deferrals", sa.Integer(), nullable=False, server_default="0"))
    op.execute(
        "UPDATE broadcast_recipients SET state = 'unknown' WHERE state = 'sending' AND broadcast_id IN "
        "(SELECT id FROM broadcasts WHERE status = 'done')"
    )
    op.execute("UPDATE broadcast_recipients SET state = 'unknown' WHERE state = 'failed' AND error LIKE 'unconfirmed:%'")


def downgrade() -> None:
    op.execute("UPDATE broadcast_recipients SET state = 'failed' WHERE state = 'unknown'")
    with op.batch_alter_table("broadcast_recipients") as batch:
        batch.drop_column("deferrals")
        batch.drop_column("retry_until")
        batch.drop_column("next_attempt_at")
        batch.drop_column("claimed_at")
