"""LTI 1.3 tool launch: registered platforms, the tool's key pair, launch states, LMS contexts.

- ``lti_platforms``: an LMS's issuer, the client id it gave this tool, its deployment ids and URLs.
- ``lti_tool_keys``: the tool's RSA key pair, made on first use (the private key stays here).
- ``lti_launch_states``: a login initiation's state (hashed) and nonce until its launch uses them.
- ``lti_contexts``: which team an LMS course (context) became.

Only new tables: nothing existing changes, so the downgrade drops them.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "lti_platforms",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("client_id", sa.String(255), nullable=False),
        sa.Column("deployment_ids", sa.JSON(), nullable=False),
        sa.Column("auth_login_url", sa.String(1000), nullable=False),
        sa.Column("token_url", sa.String(1000), nullable=False),
        sa.Column("jwks_url", sa.String(1000), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lti_platforms"),
        sa.UniqueConstraint("issuer", "client_id", name="uq_lti_platforms_issuer_client_id"),
    )
    op.create_table(
        "lti_tool_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kid", sa.String(64), nullable=False),
        sa.Column("private_pem", sa.Text(), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_lti_tool_keys"),
        sa.UniqueConstraint("kid", name="uq_lti_tool_keys_kid"),
    )
    op.create_table(
        "lti_launch_states",
        sa.Column("state_hash", sa.String(64), nullable=False),
        sa.Column("nonce", sa.String(64), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("target_link_uri", sa.String(1000), nullable=False),
        sa.Column("expires_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"],
                                name="fk_lti_launch_states_platform_id_lti_platforms"),
        sa.PrimaryKeyConstraint("state_hash", name="pk_lti_launch_states"),
    )
    op.create_index("ix_lti_launch_states_expires_at", "lti_launch_states", ["expires_at"])
    op.create_table(
        "lti_contexts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("platform_id", sa.Integer(), nullable=False),
        sa.Column("context_id", sa.String(255), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["platform_id"], ["lti_platforms.id"],
                                name="fk_lti_contexts_platform_id_lti_platforms"),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name="fk_lti_contexts_team_id_teams"),
        sa.PrimaryKeyConstraint("id", name="pk_lti_contexts"),
        sa.UniqueConstraint("platform_id", "context_id", name="uq_lti_contexts_platform_id_context_id"),
    )


def downgrade() -> None:
    op.drop_table("lti_contexts")
    op.drop_index("ix_lti_launch_states_expires_at", table_name="lti_launch_states")
    op.drop_table("lti_launch_states")
    op.drop_table("lti_tool_keys")
    op.drop_table("lti_platforms")
