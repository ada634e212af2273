"""guest vote lockout

Revision ID: 9d7e6f5a4b3c
Revises: guest_lockout_001
Create Date: 2026-11-20 09:02:17.550912

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9d7e6f5a4b3c'
down_revision = 'guest_lockout_001'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('guests', sa.Column('vote_locked_until', sa.DateTime(), nullable=True))
    op.create_index('ix_guests_vote_locked_until', 'guests', ['vote_locked_until'])


def downgrade():
    op.drop_index('ix_guests_vote_locked_until', table_name='guests')
    op.drop_column('guests', 'vote_locked_until')
