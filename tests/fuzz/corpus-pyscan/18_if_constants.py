from typing import TYPE_CHECKING
import typing as t
revision = "a"
down_revision = ()
if TYPE_CHECKING:
    down_revision = "x"
elif not t.TYPE_CHECKING: branch_labels = ["l"]; branch_labels += "xy"
else:
    pass
while 0:
    pass
else:
    depends_on = None
