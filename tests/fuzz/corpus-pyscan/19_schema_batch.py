"""team leads, in a batch

Revision ID: f6
Revises: e5
Create Date: 2024-01-06 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa

revision = 'f6'
down_revision = 'e5'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('teams', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lead_id', sa.Text(), nullable=True))
        batch_op.create_foreign_key('fk_lead', 'users', ['lead_id'], ['id'])


def downgrade():
    with op.batch_alter_table('teams') as batch_op:
        batch_op.drop_constraint('fk_lead')
        batch_op.drop_column('lead_id')
