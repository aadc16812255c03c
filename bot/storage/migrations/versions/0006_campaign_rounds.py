"""campaign rounds: the current round and its calendar's version

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('campaign_rounds',
    sa.Column('key', sa.String(length=16), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_by', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    # Rounds that already hold data become known rounds, the most recently used one last.
    op.execute(
        "INSERT INTO campaign_rounds (key, version, started_at, started_by) "
        "SELECT round, 1, MIN(at), '数据迁移' FROM ("
        "  SELECT round, updated_at AS at FROM phase_dates"
        "  UNION ALL SELECT round, created_at AS at FROM assessments"
        ") AS used GROUP BY round"
    )


def downgrade() -> None:
    op.drop_table('campaign_rounds')
