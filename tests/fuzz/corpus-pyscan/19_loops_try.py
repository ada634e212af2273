revision = "b"
down_revision = []
for x in ("p", "q"):
    for y in "rs":
        down_revision += (x,)
else:
    del x
try:
    import os
except ImportError as e:
    down_revision = None
else:
    pass
finally:
    branch_labels = None
with open("f") as (a, b):
    (c := 1)
