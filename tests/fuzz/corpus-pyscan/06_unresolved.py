revision = "g" + "1"
down_revision = make_id()
branch_labels = cli.EXPAND_BRANCH
depends_on = "x".join(["a", "b"])
a = b = 'chained'
revision = a
