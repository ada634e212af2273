"""create guests

Revision ID: 4f2e9c1a7b3d
Revises: 
Create Date: 2026-09-02 10:14:03.118305

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f2e9c1a7b3d'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'guests',
        sa.Column('id', sa.Integer(), primary_key=True),
        sa.Column('name', sa.String(120), nullable=False),
        sa.Column('created_at', sa.DateTime(), server_default=sa.func.now(), nullable=False),
    )


def downgrade():
    op.drop_table('guests')
