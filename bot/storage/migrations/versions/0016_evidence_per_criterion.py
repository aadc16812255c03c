"""the same file may be evidence of more than one criterion or stage

Revision ID: 0016
Revises: 0015

A file already kept as a criterion's self-check evidence may be sent again as the evidence
that a rectification item was done (or for another criterion): that is a record of its own.
The unique key of ``evidence`` becomes (assessment, task, criterion, stage, file) instead of
(assessment, file), so only the same file twice for the same criterion and stage is refused.
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("evidence") as batch:
        batch.drop_constraint("uq_evidence_file", type_="unique")
        batch.create_unique_constraint("uq_evidence_file", ["assessment_id", "task_no", "criterion", "stage", "file_unique_id"])


def downgrade() -> None:
    # keeps the first record of each file per assessment, as the old key allows only one
    op.execute(
        "DELETE FROM evidence WHERE id NOT IN (SELECT MIN(id) FROM evidence GROUP BY assessment_id, file_unique_id)"
    )
    with op.batch_alter_table("evidence") as batch:
        batch.drop_constraint("uq_evidence_file", type_="unique")
        batch.create_unique_constraint("uq_evidence_file", ["assessment_id", "file_unique_id"])
