revision = "a\x4"
down_revision = "\N{BULLET}" "\U0001F600" "\101\7"
branch_labels = b"bytes", 42
