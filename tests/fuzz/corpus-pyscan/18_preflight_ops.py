"""add votes

Revision ID: b2
Revises: a1
Create Date: 2024-01-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = "b2"
down_revision = "a1"


def upgrade():
    status = sa.Enum("open", "closed", name="status")
    op.create_table(
        "votes",
        sa.Column("id", postgresql.UUID(as_uuid=True), primary_key=True),
        sa.Column("guest_id", sa.String(36), sa.ForeignKey("guests.id")),
        sa.Column("state", status, nullable=False),
        schema="app",
    )
    op.add_column("guests", sa.Column("vote_locked_until", sa.DateTime(), nullable=False))
    op.alter_column("guests", "name", type_=sa.Text(), existing_nullable=True)
    op.create_index(op.f("ix_votes_guest_id"), "votes", ["guest_id"], postgresql_concurrently=True)
    op.drop_index("ix_old", table_name="guests", if_exists=True)
    op.create_foreign_key("fk_v_g", "votes", "guests", ["guest_id"], ["id"], referent_schema="public")
    op.create_unique_constraint("uq_guests_email", "guests", ["email"])
    op.create_check_constraint("ck_pos", "votes", "n > 0")
    op.drop_constraint("fk_old", "guests", type_="foreignkey")
    op.rename_table("old_guests", "guests_archive")
    op.execute("DELETE FROM guests WHERE name IS NULL")
    with op.batch_alter_table("guests") as batch_op:
        batch_op.drop_column("legacy")
    op.drop_column("guests", "nickname")
    op.drop_table("tmp")


def downgrade():
    pass
