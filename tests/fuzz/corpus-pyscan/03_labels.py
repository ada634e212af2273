"""create expand branch

Revision ID: kilo
Revises:
Create Date: 2020-02-02

"""
import cli

BRANCH = "expand"
revision = "kilo"
down_revision = ()
branch_labels = (BRANCH,)
depends_on = ['guest_lockout_001', cli.EXPAND_BRANCH]
if False:
    revision = "never"
class Foo:
    down_revision = "nope"
