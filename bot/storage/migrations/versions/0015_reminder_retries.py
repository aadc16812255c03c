"""reminder copies: claimed per request, retried later when Telegram was unreachable, unknown

Revision ID: 0015
Revises: 0014

A reminder copy is now queued when it falls due and claimed (``sending``, ``claimed_at``) only
for the request in flight, like a broadcast copy; one that could not reach Telegram waits for
``next_attempt_at`` (``deferrals`` times so far), no later than ``retry_until``. ``claimed_at``
is empty unless a request is in flight. Rows left ``claimed`` by the old code (sent, or a crash
before it was recorded) and failures recorded as ``unconfirmed:`` (timed out after sending)
become ``unknown``: they may have arrived and are never resent.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reminder_deliveries") as batch:
        batch.alter_column("claimed_at", existing_type=sa.DateTime(timezone=True), nullable=True)
        batch.add_column(sa.Column("attempts", sa.Integer(), nullable=False, server_default="0"))
        batch.add_column(sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("retry_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deferrals", sa.Integer(), nullable=False, server_default="0"))
        batch.create_index("ix_reminder_deliveries_state", ["state"], unique=False)
    op.execute(
        "UPDATE reminder_deliveries SET state = 'unknown', "
        "error = 'interrupted: the sender stopped with the request in flight' WHERE state = 'claimed'"
    )
    op.execute("UPDATE reminder_deliveries SET state = 'unknown' WHERE state = 'failed' AND error LIKE 'unconfirmed:%'")
    op.execute("UPDATE reminder_deliveries SET attempts = 1 WHERE user_id <> 0 AND state IN ('sent', 'failed', 'unknown')")


def downgrade() -> None:
    op.execute("UPDATE reminder_deliveries SET state = 'failed' WHERE state IN ('unknown', 'dropped')")
    op.execute("UPDATE reminder_deliveries SET state = 'claimed' WHERE state IN ('queued', 'sending')")
    op.execute("UPDATE reminder_deliveries SET claimed_at = due_at WHERE claimed_at IS NULL")
    with op.batch_alter_table("reminder_deliveries") as batch:
        batch.drop_index("ix_reminder_deliveries_state")
        batch.drop_column("deferrals")
        batch.drop_column("retry_until")
        batch.drop_column("next_attempt_at")
        batch.drop_column("attempts")
        batch.alter_column("claimed_at", existing_type=sa.DateTime(timezone=True), nullable=False)
