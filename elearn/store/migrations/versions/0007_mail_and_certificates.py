"""E-mail and certificates: the outbox, opt-outs, one-click tokens, certificates, reminder schedules.

- ``assignments`` gains its reminder schedule: ``remind_days_before`` and ``overdue_every_days``
  (both nullable: existing assignments keep the default schedule).
- ``mail_outbox``: one row per e-mail, unique by ``job_key``, claimed by senders with a lease.
- ``mail_opt_outs`` and ``mail_unsubscribe_tokens``: who opted out of reminders; the hashed links.
- ``certificates``: what a learner earned, with a unique verification code.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None

Time = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("assignments") as batch:
        batch.add_column(sa.Column("remind_days_before", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("overdue_every_days", sa.Integer(), nullable=True))

    op.create_table(
        "mail_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(40), nullable=False),
        sa.Column("queued_at", Time, nullable=False),
        sa.Column("next_try_at", Time, nullable=False),
        sa.Column("tries", sa.Integer(), nullable=False),
        sa.Column("lease_owner", sa.String(64), nullable=True),
        sa.Column("lease_until", Time, nullable=True),
        sa.Column("sent_at", Time, nullable=True),
        sa.Column("dropped_at", Time, nullable=True),
        sa.Column("outcome", sa.String(300), nullable=True),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_mail_outbox_user_id_users"),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name="fk_mail_outbox_assignment_id_assignments"),
        sa.PrimaryKeyConstraint("id", name="pk_mail_outbox"),
        sa.UniqueConstraint("job_key", name="uq_mail_outbox_job_key"),
    )
    op.create_index("ix_mail_outbox_sent_at_next_try_at", "mail_outbox", ["sent_at", "next_try_at"])

    op.create_table(
        "mail_opt_outs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("opted_out_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_mail_opt_outs_user_id_users"),
        sa.PrimaryKeyConstraint("user_id", name="pk_mail_opt_outs"),
    )
    op.create_table(
        "mail_unsubscribe_tokens",
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_mail_unsubscribe_tokens_user_id_users"),
        sa.PrimaryKeyConstraint("token_hash", name="pk_mail_unsubscribe_tokens"),
    )
    op.create_index("ix_mail_unsubscribe_tokens_user_id", "mail_unsubscribe_tokens", ["user_id"])

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(32), nullable=False),
        sa.Column("award_key", sa.String(200), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("assignment_id", sa.Integer(), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("modules", sa.JSON(), nullable=False),
        sa.Column("score_band", sa.String(20), nullable=False),
        sa.Column("earned_at", Time, nullable=False),
        sa.Column("expires_at", Time, nullable=True),
        sa.Column("issued_at", Time, nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name="fk_certificates_user_id_users"),
        sa.ForeignKeyConstraint(["assignment_id"], ["assignments.id"],
                                name="fk_certificates_assignment_id_assignments"),
        sa.PrimaryKeyConstraint("id", name="pk_certificates"),
        sa.UniqueConstraint("code", name="uq_certificates_code"),
        sa.UniqueConstraint("award_key", name="uq_certificates_award_key"),
    )
    op.create_index("ix_certificates_user_id", "certificates", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_certificates_user_id", table_name="certificates")
    op.drop_table("certificates")
    op.drop_index("ix_mail_unsubscribe_tokens_user_id", table_name="mail_unsubscribe_tokens")
    op.drop_table("mail_unsubscribe_tokens")
    op.drop_table("mail_opt_outs")
    op.drop_index("ix_mail_outbox_sent_at_next_try_at", table_name="mail_outbox")
    op.drop_table("mail_outbox")
    with op.batch_alter_table("assignments") as batch:
        batch.drop_column("overdue_every_days")
        batch.drop_column("remind_days_before")
