"""Learner standings for the manager dashboard: the course outline, and each learner's standing.

- ``course_outline``: one row, what the store knows of the course (lesson and scenario ids in
  order, each lesson's practice scenarios), written by the app from the course's files.
- ``learner_standings``: per learner, their standing against their current assignment (items
  asked and done, started, completed at, expires at, lowest best successful score), kept on
  write, from which the dashboard computes status, summary and filters in SQL.
- an index on ``users`` (display name, id): the completion table's order, for its pages.

A standing depends on the course, which the store does not read, so this revision cannot
backfill them: the first ``sync_outline`` (the app on its first dashboard, the demo generator,
``python -m elearn db rebuild-aggregates``) computes every learner's. Only new tables and an
index: the downgrade drops them.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "course_outline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outline", sa.JSON(), nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_course_outline"),
    )
    op.create_table(
        "learner_standings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("assigned_at", Time, nullable=True),
        sa.Column("due_at", Time, nullable=True),
        sa.Column("items_asked", sa.Integer(), nullable=False),
        sa.Column("items_done", sa.Integer(), nullable=False),
        sa.Column("started", sa.Boolean(), nullable=False),
        sa.Column("completed_at", Time, nullable=True),
        sa.Column("expires_at", Time, nullable=True),
        sa.Column("scenarios_asked", sa.Integer(), nullable=False),
        sa.Column("passing_floor", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_learner_standings_user_id_users"),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name="fk_learner_standings_assignment_id_assignments"),
        sa.PrimaryKeyConstraint("user_id", name="pk_learner_standings"),
    )
    op.create_index("ix_learner_standings_due_at", "learner_standings", ["due_at"])
    op.create_index("ix_users_display_name_id", "users", ["display_name", "id"])


def downgrade() -> None:
    op.drop_index("ix_users_display_name_id", table_name="users")
    op.drop_index("ix_learner_standings_due_at", table_name="learner_standings")
    op.drop_table("learner_standings")
    op.drop_table("course_outline")
