# -*- coding: utf-8 -*-
"""crlf file

Revision ID: abc
Revises: 
"""
revision = "abc"; down_revision = None
x = (1,
     2)
