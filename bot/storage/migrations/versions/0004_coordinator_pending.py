"""coordinators' pending inputs get a table of their own; people.chat_id (never used) dropped

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

PENDING = "('rect_note', 'item_comment', 'asm_comment')"


def upgrade() -> None:
    op.create_table('coordinator_pending',
    sa.Column('user_id', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('assessment_id', sa.Integer(), nullable=False),
    sa.Column('task_no', sa.Integer(), nullable=False),
    sa.Column('criterion', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['assessment_id'], ['assessments.id'], ),
    sa.PrimaryKeyConstraint('user_id')
    )
    # Inputs that borrowed scoring_cursors move to their own table; the cursor steps aside.
    op.execute(
        "INSERT INTO coordinator_pending (user_id, kind, assessment_id, task_no, criterion, created_at) "
        f"SELECT user_id, step, assessment_id, task_no, criterion, updated_at FROM scoring_cursors WHERE step IN {PENDING}"
    )
    op.execute(f"UPDATE scoring_cursors SET step = 'away' WHERE step IN {PENDING}")
    with op.batch_alter_table('people') as batch:
        batch.drop_column('chat_id')


def downgrade() -> None:
    with op.batch_alter_table('people') as batch:
        batch.add_column(sa.Column('chat_id', sa.BigInteger(), nullable=True))
    op.execute(
        "UPDATE scoring_cursors SET step = (SELECT kind FROM coordinator_pending p WHERE p.user_id = scoring_cursors.user_id) "
        "WHERE step = 'away' AND user_id IN (SELECT user_id FROM coordinator_pending)"
    )
    op.execute("UPDATE scoring_cursors SET step = 'paused' WHERE step = 'away'")
    op.drop_table('coordinator_pending')
