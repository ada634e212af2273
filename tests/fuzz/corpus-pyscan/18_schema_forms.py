"""owners and teams through op.create_foreign_key

Revision ID: c3
Revises: b2
Create Date: 2024-01-03 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = 'c3'
down_revision = 'b2'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('memberships', sa.Column('owner_id', sa.CHAR(36)))
    op.create_foreign_key('fk_owner', 'memberships', 'users', ['owner_id'], ['id'])
    op.add_column('memberships', sa.Column('team_ref', postgresql.UUID()))
    op.create_foreign_key(
        constraint_name='fk_team',
        source_table='memberships',
        referent_table='teams',
        local_cols=['team_ref'],
        remote_cols=['id'],
    )


def downgrade():
    op.drop_constraint('fk_team', 'memberships')
    op.drop_constraint('fk_owner', 'memberships')
    op.drop_column('memberships', 'team_ref')
    op.drop_column('memberships', 'owner_id')
