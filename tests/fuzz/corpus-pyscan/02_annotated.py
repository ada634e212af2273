"""merge heads

Revision ID: ae1027a6acf
Revises: 27c6a30d7c24, 1975ea83b712
Create Date: 2024-01-01 00:00:00

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "ae1027a6acf"
down_revision: Union[str, None] = ("27c6a30d7c24", "1975ea83b712")
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
