"""Assignments: the course or chosen modules assigned to a team or a learner, with a due date.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "assignments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("modules", sa.JSON(), nullable=False),
        sa.Column("assigned_by", sa.Integer(), nullable=False),
        sa.Column("assigned_at", Time, nullable=False),
        sa.Column("due_at", Time, nullable=False),
        sa.Column("recertify_days", sa.Integer(), nullable=True),
        sa.Column("revoked_at", Time, nullable=True),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_assignments_team_id_teams"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_assignments_user_id_users"),
        sa.ForeignKeyConstraint(["assigned_by"], ["users.id"], name="fk_assignments_assigned_by_users"),
        sa.PrimaryKeyConstraint("id", name="pk_assignments"),
    )
    op.create_index("ix_assignments_team_id", "assignments", ["team_id"])
    op.create_index("ix_assignments_user_id", "assignments", ["user_id"])


def downgrade() -> None:
    op.drop_table("assignments")
