"""outbox uncertain since

Outbox rows gain `uncertain_since`: when the first attempt began whose answer was lost
after it may have reached Twilio (a read time-out, a lease that ran out mid-send). The
relay looks such a text up at Twilio before sending it again. Existing rows: none.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 05:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uncertain_since", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("uncertain_since")
