revision = ("a",
down_revision = None
