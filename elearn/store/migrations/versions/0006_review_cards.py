"""Spaced review and self-assessment: review cards, review answers, confidence ratings.

- ``review_cards``: the FSRS schedule of each decision a learner has reviewed, with a
  ``version`` that every review moves on by one (compare-and-set against concurrent answers).
- ``review_answers``: every answer given in review, append-only, keyed by the click.
- ``self_assessments``: confidence per skill, before the first lesson and after the capstones.

Only new tables: nothing existing changes, so the downgrade drops them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-15
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)
EventId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "review_cards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("node_id", sa.String(100), nullable=False),
        sa.Column("state", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("stability", sa.Float(), nullable=True),
        sa.Column("difficulty", sa.Float(), nullable=True),
        sa.Column("due_at", Time, nullable=False),
        sa.Column("last_review_at", Time, nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_review_cards_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_review_cards"),
        sa.UniqueConstraint("user_id", "scenario_id", "node_id", name="uq_review_cards_user_id_scenario_id_node_id"),
    )
    op.create_index("ix_review_cards_user_id_due_at", "review_cards", ["user_id", "due_at"])

    op.create_table(
        "review_answers",
        sa.Column("id", EventId, nullable=False),
        sa.Column("event_key", sa.String(100), nullable=False),
        sa.Column("card_id", sa.Integer(), nullable=False),
        sa.Column("card_version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("scenario_id", sa.String(100), nullable=False),
        sa.Column("node_id", sa.String(100), nullable=False),
        sa.Column("choice_id", sa.String(100), nullable=False),
        sa.Column("rating", sa.String(10), nullable=False),
        sa.Column("grade", sa.Integer(), nullable=False),
        sa.Column("response_ms", sa.Integer(), nullable=False),
        sa.Column("due_before", Time, nullable=False),
        sa.Column("due_after", Time, nullable=False),
        sa.Column("reviewed_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["card_id"], ["review_cards.id"], name="fk_review_answers_card_id_review_cards"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_review_answers_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_review_answers"),
        sa.UniqueConstraint("event_key", name="uq_review_answers_event_key"),
        sa.UniqueConstraint("card_id", "card_version", name="uq_review_answers_card_id_card_version"),
    )
    op.create_index("ix_review_answers_user_id_reviewed_at", "review_answers", ["user_id", "reviewed_at"])

    op.create_table(
        "self_assessments",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("moment", sa.String(10), nullable=False),
        sa.Column("skill_id", sa.String(100), nullable=False),
        sa.Column("confidence", sa.Integer(), nullable=False),
        sa.Column("rated_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_self_assessments_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", "moment", "skill_id", name="pk_self_assessments"),
    )


def downgrade() -> None:
    op.drop_table("self_assessments")
    op.drop_index("ix_review_answers_user_id_reviewed_at", table_name="review_answers")
    op.drop_table("review_answers")
    op.drop_index("ix_review_cards_user_id_due_at", table_name="review_cards")
    op.drop_table("review_cards")
