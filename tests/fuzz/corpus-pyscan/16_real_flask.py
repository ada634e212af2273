"""empty message

Revision ID: e1d7b3e1f6a0
Revises: None
Create Date: 2019-05-05 10:10:10.101010

"""

# revision identifiers, used by Alembic.
revision = 'e1d7b3e1f6a0'
down_revision = None

from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

def upgrade():
    op.execute("""
        UPDATE users SET name = 'x' WHERE id = 1;
        -- revision = 'fake'
    """)
    op.alter_column('users', 'email', existing_type=sa.VARCHAR(length=120), nullable=False)

def downgrade():
    op.execute('''DELETE FROM users''')
