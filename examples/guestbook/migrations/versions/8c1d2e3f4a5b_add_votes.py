"""add votes

Revision ID: 8c1d2e3f4a5b
Revises: 4f2e9c1a7b3d
Create Date: 2026-10-11 16:40:51.402117

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '8c1d2e3f4a5b'
down_revision = '4f2e9c1a7b3d'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'votes',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('guest_id', sa.Integer(), sa.ForeignKey('guests.id'), nullable=False),
        sa.Column('value', sa.SmallInteger(), nullable=False),
    )


def downgrade():
    op.drop_table('votes')
