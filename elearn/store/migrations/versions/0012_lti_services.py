"""LTI Advantage services: grade passback links and their score queue, deep-linking requests,
and the roster (NRPS) address of each LMS course.

- ``lti_grade_links``: which LMS line item (gradebook column) a launched learner's scenario or
  the course reports to, and the learner's subject at the platform.
- ``lti_scores``: each score to post once, named by its ``score_key`` (the attempt, or the course
  completion, and the line item); a sender claims it with a lease, posts it, and marks it sent, or
  retries later, or drops it with the platform's reason.
- ``lti_deep_links``: an instructor's deep-linking request (only its token's SHA-256) until they
  pick what to add.
- ``lti_rosters``: the context memberships URL an LMS course's launches gave, and its last sync.

Only new tables: nothing existing changes, so the downgrade drops them.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lti_grade_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("lineitem_url", sa.String(1000), nullable=False),
        sa.Column("target", sa.String(120), nullable=False),
        sa.Column("linked_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_lti_grade_links_user_id_users"),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"],
                                name="fk_lti_grade_links_platform_id_lti_platforms"),
        sa.PrimaryKeyConstraint("id", name="pk_lti_grade_links"),
        sa.UniqueConstraint("user_id", "platform_id", "lineitem_url",
                            name="uq_lti_grade_links_user_id_platform_id_lineitem_url"),
    )
    op.create_table(
        "lti_scores",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("score_key", sa.String(200), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lineitem_url", sa.String(1000), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("queued_at", Time, nullable=False),
        sa.Column("next_try_at", Time, nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", Time, nullable=True),
        sa.Column("sent_at", Time, nullable=True),
        sa.Column("dropped_at", Time, nullable=True),
        sa.Column("last_error", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"],
                                name="fk_lti_scores_platform_id_lti_platforms"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_lti_scores_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_lti_scores"),
        sa.UniqueConstraint("score_key", name="uq_lti_scores_score_key"),
    )
    op.create_index("ix_lti_scores_sent_at_next_try_at", "lti_scores", ["sent_at", "next_try_at"])
    op.create_table(
        "lti_deep_links",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("deployment_id", sa.String(255), nullable=False),
        sa.Column("return_url", sa.String(1000), nullable=False),
        sa.Column("data", sa.Text(), nullable=True),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"],
                                name="fk_lti_deep_links_platform_id_lti_platforms"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_lti_deep_links_user_id_users"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_lti_deep_links"),
    )
    op.create_index("ix_lti_deep_links_expires_at", "lti_deep_links", ["expires_at"])
    op.create_table(
        "lti_rosters",
        sa.Column("context_row_id", sa.Integer(), nullable=False),
        sa.Column("memberships_url", sa.String(1000), nullable=False),
        sa.Column("synced_at", Time, nullable=True),
        sa.Column("last_result", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(["context_row_id"], ["lti_contexts.id"],
                                name="fk_lti_rosters_context_row_id_lti_contexts"),
        sa.PrimaryKeyConstraint("context_row_id", name="pk_lti_rosters"),
    )


def downgrade() -> None:
    op.drop_table("lti_rosters")
    op.drop_index("ix_lti_deep_links_expires_at", table_name="lti_deep_links")
    op.drop_table("lti_deep_links")
    op.drop_index("ix_lti_scores_sent_at_next_try_at", table_name="lti_scores")
    op.drop_table("lti_scores")
    op.drop_table("lti_grade_links")
