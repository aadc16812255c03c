"""evidence.stage: a file is the self-check's evidence or a rectification item's

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every file kept so far was sent while scoring (files sent with a rectification report
    # were filed the same way; they cannot be told apart any more and stay self-check evidence).
    with op.batch_alter_table('evidence') as batch:
        batch.add_column(sa.Column('stage', sa.String(length=16), nullable=False, server_default='selfcheck'))


def downgrade() -> None:
    with op.batch_alter_table('evidence') as batch:
        batch.drop_column('stage')
