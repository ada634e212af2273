revision = u"d\u00e9f" \
    "g"
down_revision = r"a\"b" 'c' """d
e"""
branch_labels = rb"x"
depends_on = f"{x}"
w = F"{{y}}" BR"\q" Rf"z" 1e-5 0x1F 1_000 .5 3.14j
op = a ** b; c **= d; e := f; g -> h; i //= j; k != l; m @= n
