"""operations: instance lease, names as wide as Telegram's, broadcast HTML unbounded

Revision ID: 0011
Revises: 0010

Telegram names are up to 64 + 1 + 64 characters, so every column holding a person's name
is 256 wide (varchar(128) refused them on PostgreSQL while SQLite ignored the length). A
broadcast's 4,096-character limit counts visible characters; its HTML can be longer, so the
column has no length. ``instance_leases`` lets one `ducha run` hold a token at a time.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

NAME_COLUMNS = [
    ("people", "name", False),
    ("invites", "created_by", False),
    ("assessments", "submitted_by", True),
    ("answers", "answered_by", False),
    ("evidence", "added_by", False),
    ("audit_log", "actor", False),
    ("phase_dates", "updated_by", False),
    ("broadcasts", "created_by", False),
    ("rectification_states", "updated_by", False),
    ("inspection_groups", "created_by", False),
    ("inspection_assignments", "assigned_by", False),
    ("inspections", "submitted_by", True),
    ("inspections", "released_by", True),
    ("inspection_answers", "answered_by", False),
    ("inspection_evidence", "added_by", False),
    ("rectification_items", "created_by", False),
    ("rectification_items", "updated_by", False),
    ("campaign_rounds", "started_by", False),
    ("rectification_reports", "submitted_by", False),
]


def upgrade() -> None:
    op.create_table(
        "instance_leases",
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("holder", sa.String(length=200), nullable=False),
        sa.Column("host", sa.String(length=128), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("acquired_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )
    # On SQLite each batch copies its table (foreign keys are off meanwhile: bot.storage.db.upgrade).
    for table, column, nullable in NAME_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.String(length=128), type_=sa.String(length=256), existing_nullable=nullable)
    with op.batch_alter_table("broadcasts") as batch:
        batch.alter_column("text", existing_type=sa.String(length=4096), type_=sa.Text(), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.alter_column("text", existing_type=sa.Text(), type_=sa.String(length=4096), existing_nullable=False)
    for table, column, nullable in NAME_COLUMNS:
        with op.batch_alter_table(table) as batch:
            batch.alter_column(column, existing_type=sa.String(length=256), type_=sa.String(length=128), existing_nullable=nullable)
    op.drop_table("instance_leases")
