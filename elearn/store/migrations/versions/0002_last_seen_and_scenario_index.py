"""Remember when a user was last seen; index choice events by scenario for the analytics pages.

Revision ID: 0002
Revises: 0001
Create Date: 2025-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A nullable column needs no table copy on SQLite, so no batch mode here.
    op.add_column("users", sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_choice_events_scenario_id_occurred_at", "choice_events", ["scenario_id", "occurred_at"])


def downgrade() -> None:
    op.drop_index("ix_choice_events_scenario_id_occurred_at", table_name="choice_events")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("last_seen_at")
