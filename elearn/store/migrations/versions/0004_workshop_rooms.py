"""Workshop rooms: a facilitator's live room, its participants, their votes and the room's decisions.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "rooms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(12), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("scenario_version", sa.Integer(), nullable=False),
        sa.Column("run_json", sa.Text(), nullable=False),
        sa.Column("decision", sa.Integer(), nullable=False),
        sa.Column("voting_open", sa.Boolean(), nullable=False),
        sa.Column("revealed", sa.Boolean(), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.Column("closed_at", Time, nullable=True),
        sa.ForeignKeyConstraint(["facilitator_id"], ["users.id"], name="fk_rooms_facilitator_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_rooms"),
        sa.UniqueConstraint("code", name="uq_rooms_code"),
    )
    op.create_index("ix_rooms_facilitator_id", "rooms", ["facilitator_id"])
    op.create_table(
        "room_participants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("nickname", sa.String(40), nullable=False),
        sa.Column("nickname_key", sa.String(40), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("joined_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_room_participants_room_id_rooms"),
        sa.PrimaryKeyConstraint("id", name="pk_room_participants"),
        sa.UniqueConstraint("room_id", "nickname_key", name="uq_room_participants_room_id_nickname_key"),
        sa.UniqueConstraint("token_hash", name="uq_room_participants_token_hash"),
    )
    op.create_table(
        "room_votes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.Integer(), nullable=False),
        sa.Column("participant_id", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(100), nullable=False),
        sa.Column("choice_id", sa.String(100), nullable=False),
        sa.Column("voted_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_room_votes_room_id_rooms"),
        sa.ForeignKeyConstraint(
            ["participant_id"], ["room_participants.id"], name="fk_room_votes_participant_id_room_participants"
        ),
        sa.PrimaryKeyConstraint("id", name="pk_room_votes"),
        sa.UniqueConstraint("room_id", "decision", "participant_id",
                            name="uq_room_votes_room_id_decision_participant_id"),
    )
    op.create_table(
        "room_decisions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("room_id", sa.Integer(), nullable=False),
        sa.Column("decision", sa.Integer(), nullable=False),
        sa.Column("node_id", sa.String(100), nullable=False),
        sa.Column("choice_id", sa.String(100), nullable=False),
        sa.Column("majority_choice_id", sa.String(100), nullable=True),
        sa.Column("overridden", sa.Boolean(), nullable=False),
        sa.Column("votes", sa.JSON(), nullable=False),
        sa.Column("decided_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["room_id"], ["rooms.id"], name="fk_room_decisions_room_id_rooms"),
        sa.PrimaryKeyConstraint("id", name="pk_room_decisions"),
        sa.UniqueConstraint("room_id", "decision", name="uq_room_decisions_room_id_decision"),
    )


def downgrade() -> None:
    for table in ("room_decisions", "room_votes", "room_participants", "rooms"):
        op.drop_table(table)
