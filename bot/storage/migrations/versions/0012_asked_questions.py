"""asked questions: what the answer engine could not answer, or was told did not help

Revision ID: 0012
Revises: 0011
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('asked_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.String(length=300), nullable=False),
    sa.Column('asked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('intent', sa.String(length=24), nullable=False),
    sa.Column('topic', sa.String(length=64), nullable=True),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_asked_questions_asked_at'), 'asked_questions', ['asked_at'], unique=False)
    op.create_index(op.f('ix_asked_questions_status'), 'asked_questions', ['status'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_asked_questions_status'), table_name='asked_questions')
    op.drop_index(op.f('ix_asked_questions_asked_at'), table_name='asked_questions')
    op.drop_table('asked_questions')
