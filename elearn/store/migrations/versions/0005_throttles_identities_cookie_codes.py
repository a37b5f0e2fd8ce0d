"""Hardening: throttle buckets, single-sign-on identity links, verified e-mails, cookie exchange codes.

- ``throttles`` replaces ``login_attempts``: one row per bucket (a rule and its subject, hashed)
  with a counter, updated under a row lock, so parallel attempts cannot pass a limit. The old
  attempts are dropped: they only ever mattered for 15 minutes.
- ``identity_links``: the (issuer, subject) of a single-sign-on identity, linked to an account.
- ``users.email_verified``: accounts that only sign in through single sign-on (no password) were
  made by an administrator or by the identity provider's verified e-mail, so they start verified;
  accounts with a password may have been self-registered, so they start unverified until an
  administrator confirms them (``python -m elearn admin confirm-email``).
- ``sessions.cookie_*``: the cookie's own token for a session and the one-time code that hands it over.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "throttles",
        sa.Column("key", sa.String(64), nullable=False),
        sa.Column("rule", sa.String(40), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("last_at", Time, nullable=False),
        sa.PrimaryKeyConstraint("key", name="pk_throttles"),
    )
    op.create_index("ix_throttles_rule_last_at", "throttles", ["rule", "last_at"])
    op.drop_index("ix_login_attempts_username_hash_attempted_at", table_name="login_attempts")
    op.drop_table("login_attempts")

    op.create_table(
        "identity_links",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("issuer", sa.String(255), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_identity_links_user_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_identity_links"),
        sa.UniqueConstraint("issuer", "subject", name="uq_identity_links_issuer_subject"),
        sa.UniqueConstraint("user_id", "issuer", name="uq_identity_links_user_id_issuer"),
    )

    # A NOT NULL column with a constant default is added in place on SQLite too (no table copy).
    op.add_column("users", sa.Column("email_verified", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.execute(sa.text("UPDATE users SET email_verified = :yes WHERE password_hash IS NULL").bindparams(yes=True))

    op.add_column("sessions", sa.Column("cookie_token_hash", sa.String(64), nullable=True))
    op.add_column("sessions", sa.Column("cookie_code_hash", sa.String(64), nullable=True))
    op.add_column("sessions", sa.Column("cookie_code_expires_at", Time, nullable=True))
    op.create_index("ix_sessions_cookie_token_hash", "sessions", ["cookie_token_hash"], unique=True)
    op.create_index("ix_sessions_cookie_code_hash", "sessions", ["cookie_code_hash"], unique=True)


def downgrade() -> None:
    op.drop_index("ix_sessions_cookie_code_hash", table_name="sessions")
    op.drop_index("ix_sessions_cookie_token_hash", table_name="sessions")
    with op.batch_alter_table("sessions") as batch:
        batch.drop_column("cookie_code_expires_at")
        batch.drop_column("cookie_code_hash")
        batch.drop_column("cookie_token_hash")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_verified")
    op.drop_table("identity_links")
    op.drop_index("ix_throttles_rule_last_at", table_name="throttles")
    op.drop_table("throttles")
    op.create_table(
        "login_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username_hash", sa.String(64), nullable=False),
        sa.Column("attempted_at", Time, nullable=False),
        sa.Column("succeeded", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_login_attempts"),
    )
    op.create_index("ix_login_attempts_username_hash_attempted_at", "login_attempts", ["username_hash", "attempted_at"])
