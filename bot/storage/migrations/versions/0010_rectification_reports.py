"""rectification_reports: a unit's submitted 整改报告 per table and round

Revision ID: 0010
Revises: 0009
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'rectification_reports',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('unit', sa.String(length=64), nullable=False),
        sa.Column('table_key', sa.String(length=16), nullable=False),
        sa.Column('round', sa.String(length=16), nullable=False),
        sa.Column('submitted_by', sa.String(length=128), nullable=False),
        sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('unit', 'table_key', 'round', name='uq_rectification_report'),
    )


def downgrade() -> None:
    op.drop_table('rectification_reports')
