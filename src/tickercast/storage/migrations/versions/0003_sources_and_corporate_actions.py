"""ticker_source (provider + symbol per ticker, last update), corporate_action log,
prediction.rescaled_by

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ticker_source",
        sa.Column(
            "ticker_id",
            sa.Integer(),
            sa.ForeignKey("ticker.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("provider_symbol", sa.String(32), nullable=False),
        sa.Column("last_update_at", sa.DateTime(timezone=True)),
        sa.Column("last_status", sa.String(16)),
        sa.Column("last_error", sa.Text()),
    )
    op.create_table(
        "corporate_action",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticker_id",
            sa.Integer(),
            sa.ForeignKey("ticker.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("detected_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("effective_date", sa.Date(), nullable=False),
        sa.Column("price_factor", sa.Float(), nullable=False),
        sa.Column("adj_close_factor", sa.Float(), nullable=False),
        sa.Column("bars_rebased", sa.Integer(), nullable=False),
        sa.Column("predictions_rescaled", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False, server_default=""),
    )
    op.create_index("ix_corporate_action_ticker_id", "corporate_action", ["ticker_id"])
    with op.batch_alter_table("prediction") as batch:
        batch.add_column(sa.Column("rescaled_by", sa.Float()))


def downgrade() -> None:
    with op.batch_alter_table("prediction") as batch:
        batch.drop_column("rescaled_by")
    op.drop_index("ix_corporate_action_ticker_id", table_name="corporate_action")
    op.drop_table("corporate_action")
    op.drop_table("ticker_source")
