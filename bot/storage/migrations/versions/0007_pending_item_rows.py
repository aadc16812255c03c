"""coordinator_pending may name a rectification_items row (a 督察反馈 item) instead of a
self-check item: assessment_id becomes nullable, item_id is added

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 12:18:53.718180
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('coordinator_pending', schema=None) as batch_op:
        batch_op.add_column(sa.Column('item_id', sa.Integer(), nullable=True))
        batch_op.alter_column('assessment_id', existing_type=sa.INTEGER(), nullable=True)
        batch_op.create_foreign_key('fk_coordinator_pending_item_id', 'rectification_items', ['item_id'], ['id'])


def downgrade() -> None:
    op.execute("DELETE FROM coordinator_pending WHERE assessment_id IS NULL")
    with op.batch_alter_table('coordinator_pending', schema=None) as batch_op:
        batch_op.drop_constraint('fk_coordinator_pending_item_id', type_='foreignkey')
        batch_op.alter_column('assessment_id', existing_type=sa.INTEGER(), nullable=False)
        batch_op.drop_column('item_id')
