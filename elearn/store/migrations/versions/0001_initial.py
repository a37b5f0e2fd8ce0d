"""The initial schema: accounts, sessions, teams, lesson completions, attempts, choice events.

Revision ID: 0001
Revises:
Create Date: 2025-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_teams"),
        sa.UniqueConstraint("name", name="uq_teams_name"),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(64), nullable=False),
        sa.Column("display_name", sa.String(200), nullable=False),
        sa.Column("email", sa.String(320), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("password_hash", sa.String(255), nullable=True),
        sa.Column("created_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_users_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_users"),
        sa.UniqueConstraint("username", name="uq_users_username"),
        sa.UniqueConstraint("email", name="uq_users_email"),
    )
    op.create_index("ix_users_team_id", "users", ["team_id"])
    op.create_table(
        "user_roles",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_user_roles_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "role", name="pk_user_roles"),
    )
    op.create_table(
        "team_managers",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_team_managers_user_id_users"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_team_managers_team_id_teams"),
        sa.PrimaryKeyConstraint("user_id", "team_id", name="pk_team_managers"),
    )
    op.create_index("ix_team_managers_team_id", "team_managers", ["team_id"])
    op.create_table(
        "sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.Column("revoked_at", Time, nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_sessions_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_sessions"),
        sa.UniqueConstraint("token_hash", name="uq_sessions_token_hash"),
    )
    op.create_index("ix_sessions_user_id", "sessions", ["user_id"])
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username_hash", sa.String(64), nullable=False),
        sa.Column("attempted_at", Time, nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    op.create_index("ix_login_attempts_username_hash_attempted_at", "login_attempts", ["username_hash", "attempted_at"])
    op.create_table(
        "setup_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.Column("used_at", Time, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_setup_tokens"),
        sa.UniqueConstraint("token_hash", name="uq_setup_tokens_token_hash"),
    )
    op.create_table(
        "lesson_completions",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lesson_id", sa.String(100), nullable=False),
        sa.Column("completed_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_lesson_completions_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "lesson_id", name="pk_lesson_completions"),
    )
    op.create_table(
        "scenario_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("scenario_version", sa.Integer(), nullable=False),
        sa.Column("attempt_number", sa.Integer(), nullable=False),
        sa.Column("started_at", Time, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.Column("finished_at", Time, nullable=True),
        sa.Column("run_json", sa.Text(), nullable=False),
        sa.Column("ending_id", sa.String(100), nullable=True),
        sa.Column("outcome", sa.String(50), nullable=True),
        sa.Column("score", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_scenario_attempts_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_scenario_attempts"),
        sa.UniqueConstraint(
            "user_id", "scenario_id", "attempt_number", name="uq_scenario_attempts_user_id_scenario_id_attempt_number"
        ),
    )
    op.create_table(
        "choice_events",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("event_key", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("scenario_version", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(100), nullable=False),
        sa.Column("choice_id", sa.String(100), nullable=False),
        sa.Column("evidence", sa.JSON(), nullable=False),
        sa.Column("anger_before", sa.Integer(), nullable=False),
        sa.Column("anger_after", sa.Integer(), nullable=False),
        sa.Column("attempt_number", sa.Integer(), nullable=False),
        sa.Column("first_attempt", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_choice_events_user_id_users"),
        sa.ForeignKeyConstraint(
            ["attempt_id"], ["scenario_attempts.id"], name="fk_choice_events_attempt_id_scenario_attempts"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_choice_events"),
        sa.UniqueConstraint("event_key", name="uq_choice_events_event_key"),
    )
    op.create_index("ix_choice_events_user_id_occurred_at", "choice_events", ["user_id", "occurred_at"])


def downgrade() -> None:
    for table in (
        "choice_events", "scenario_attempts", "lesson_completions", "setup_tokens", "login_attempts",
        "sessions", "team_managers", "user_roles", "users", "teams",
    ):
        op.drop_table(table)
