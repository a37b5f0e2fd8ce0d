"""Say it your way: the replies learners type before they see the answers, and rooms' typed replies.

- ``typed_replies``: one per answer given in the mode, keyed by the answer's event key.
- ``room_replies``: what a participant typed from their phone at a room's decision.
- ``own_words_settings``: whether a learner plays in the mode, for every scenario or one.

Only new tables: nothing existing changes, so the downgrade drops them.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)
EventId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "typed_replies",
        sa.Column("id", EventId, nullable=False),
        sa.Column("event_key", sa.String(100), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("attempt_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("node_id", sa.String(100), nullable=False),
        sa.Column("choice_id", sa.String(100), nullable=False),
        sa.Column("first_attempt", sa.Boolean(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("typed_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_typed_replies_user_id_users"),
        sa.ForeignKeyConstraint(["attempt_id"], ["scenario_attempts.id"],
                                name="fk_typed_replies_attempt_id_scenario_attempts"),
        sa.PrimaryKeyConstraint("id", name="pk_typed_replies"),
        sa.UniqueConstraint("event_key", name="uq_typed_replies_event_key"),
    )
    op.create_index("ix_typed_replies_user_id_typed_at", "typed_replies", ["user_id", "typed_at"])
    op.create_index("ix_typed_replies_scenario_id_node_id", "typed_replies", ["scenario_id", "node_id"])

    op.create_table(
        "room_replies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(100), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("typed_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_room_replies_room_id_rooms"),
        sa.ForeignKeyConstraint(["participant_id"], ["room_participants.id"],
                                name="fk_room_replies_participant_id_room_participants"),
        sa.PrimaryKeyConstraint("id", name="pk_room_replies"),
        sa.UniqueConstraint("room_id", "decision", "participant_id",
                            name="uq_room_replies_room_id_decision_participant_id"),
    )

    op.create_table(
        "own_words_settings",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_own_words_settings_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "scenario_id", name="pk_own_words_settings"),
    )


def downgrade() -> None:
    op.drop_table("own_words_settings")
    op.drop_table("room_replies")
    op.drop_index("ix_typed_replies_scenario_id_node_id", table_name="typed_replies")
    op.drop_index("ix_typed_replies_user_id_typed_at", table_name="typed_replies")
    op.drop_table("typed_replies")
