"""prediction table: persisted forecasts, scored when the actual bar arrives

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "prediction",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column(
            "ticker_id",
            sa.Integer(),
            sa.ForeignKey("ticker.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("model_name", sa.String(32), nullable=False),
        sa.Column("model_version", sa.String(32), nullable=False),
        sa.Column("origin_date", sa.Date(), nullable=False),
        sa.Column("target_date", sa.Date(), nullable=False),
        sa.Column("horizon", sa.Integer(), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("base_close", sa.Float(), nullable=False),
        sa.Column("point", sa.Float(), nullable=False),
        sa.Column("lower_80", sa.Float()),
        sa.Column("upper_80", sa.Float()),
        sa.Column("lower_95", sa.Float()),
        sa.Column("upper_95", sa.Float()),
        sa.Column("actual", sa.Float()),
        sa.Column("scored_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint(
            "ticker_id", "model_version", "origin_date", "target_date", name="uq_prediction_key"
        ),
    )
    op.create_index("ix_prediction_ticker_target", "prediction", ["ticker_id", "target_date"])


def downgrade() -> None:
    op.drop_index("ix_prediction_ticker_target", table_name="prediction")
    op.drop_table("prediction")
