"""access that can be taken back: where a role came from, and removed members

Revision ID: 0014
Revises: 0013

``people.role_source`` says whether a role came from an invite (or a coordinator's move) or
from DUCHA_ADMIN_IDS; a role of the latter kind lasts only while the id is listed there.
Existing coordinators that no coordinator invite made were made by DUCHA_ADMIN_IDS.
``member_removals`` remembers who was removed, so an invite made before the removal does not
bind them again.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("people") as batch:
        batch.add_column(sa.Column("role_source", sa.String(length=16), nullable=False, server_default="invite"))
    op.execute(
        "UPDATE people SET role_source = 'admin_ids' WHERE role = 'coordinator' AND (invite_code IS NULL OR "
        "invite_code NOT IN (SELECT code FROM invites WHERE role = 'coordinator'))"
    )
    op.create_table(
        "member_removals",
        sa.Column("user_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("removed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("removed_by", sa.String(length=256), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("member_removals")
    with op.batch_alter_table("people") as batch:
        batch.drop_column("role_source")
