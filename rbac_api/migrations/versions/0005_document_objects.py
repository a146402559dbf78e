"""documents gain an organization and a status, with the indexes object-rule filters use

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 11:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Plain ADD COLUMNs: a batch ("move and copy") would rebuild `documents` without AUTOINCREMENT on SQLite.
    op.add_column("documents", sa.Column("org", sa.String(length=64), nullable=True))
    op.add_column(
        "documents", sa.Column("status", sa.String(length=20), server_default="draft", nullable=False)
    )
    op.create_index("ix_documents_org_id", "documents", ["org", "id"])
    op.create_index("ix_documents_org_status_id", "documents", ["org", "status", "id"])
    op.create_index("ix_documents_owner_id_id", "documents", ["owner_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_documents_owner_id_id", table_name="documents")
    op.drop_index("ix_documents_org_status_id", table_name="documents")
    op.drop_index("ix_documents_org_id", table_name="documents")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("status")
        batch.drop_column("org")
