# -*- coding: latin-1 -*-
"""café

Revision ID: é
"""
ï½’evision = "é"
down_revision = None
match x:
    case {"a": down_revision}:
        pass
def f():
    global revision
@d
class depends_on: pass
from m import *
type X = int
