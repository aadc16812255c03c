"""assessments.first_submitted_at: when the unit first submitted (kept through reopen and
send-back), so a draft never submitted has no rectification items

Revision ID: 0009
Revises: 0008
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('assessments') as batch:
        batch.add_column(sa.Column('first_submitted_at', sa.DateTime(timezone=True), nullable=True))
    # Submitted so far: the submission we know of. Reopened ones were submitted too, but that
    # left no trace in this table; the audit log has it.
    op.execute("UPDATE assessments SET first_submitted_at = submitted_at WHERE submitted_at IS NOT NULL")
    op.execute(
        "UPDATE assessments SET first_submitted_at = (SELECT MIN(at) FROM audit_log WHERE action = 'assessment.submit' "
        "AND detail = CAST(assessments.id AS TEXT) || ' ' || assessments.unit || ' ' || assessments.table_key) "
        "WHERE first_submitted_at IS NULL"
    )


def downgrade() -> None:
    with op.batch_alter_table('assessments') as batch:
        batch.drop_column('first_submitted_at')
