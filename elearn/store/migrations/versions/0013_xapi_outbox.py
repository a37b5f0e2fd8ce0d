"""The xAPI outbox: statements for the Learning Record Store, queued with the events they describe.

- ``xapi_outbox``: one statement (its id unique, its JSON), its tries, lease, last error, and
  when it was sent or given up on (dead letter, with the LRS's reason).

Only a new table: nothing existing changes, so the downgrade drops it.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "xapi_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("statement_id", sa.String(36), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_try_at", Time, nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", Time, nullable=True),
        sa.Column("last_tried_at", Time, nullable=True),
        sa.Column("last_error", sa.String(500), nullable=True),
        sa.Column("sent_at", Time, nullable=True),
        sa.Column("dead_at", Time, nullable=True),
        sa.Column("dead_reason", sa.String(500), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_xapi_outbox"),
        sa.UniqueConstraint("statement_id", name="uq_xapi_outbox_statement_id"),
    )
    op.create_index("ix_xapi_outbox_sent_at_dead_at_next_try_at", "xapi_outbox",
                    ["sent_at", "dead_at", "next_try_at"])


def downgrade() -> None:
    op.drop_index("ix_xapi_outbox_sent_at_dead_at_next_try_at", table_name="xapi_outbox")
    op.drop_table("xapi_outbox")
