"""The guestbook: a tiny WSGI app (gunicorn app:app) over the schema that
migrations/ builds. GET / lists the guests, POST / (form field `name`) signs.

It reads DATABASE_URL as Heroku sets it (postgres://, which SQLAlchemy 1.4 and
later no longer accept, so it is rewritten as migrations/env.py does) and
connects on the first request, not at import: the release phase and the
build never need a database for it.
"""
import html
import os
from urllib.parse import parse_qs

import sqlalchemy as sa

MAX_FORM = 4096  # bytes of a POST body read; a guest's name is short

_engine = None


def database_url():
    url = os.environ.get("DATABASE_URL") or "postgresql://localhost/guestbook"
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://"):]
    return url


def engine():
    global _engine
    if _engine is None:
        _engine = sa.create_engine(database_url(), pool_pre_ping=True)
    return _engine


def _respond(start_response, status, body=b"", headers=()):
    start_response(status, [("Content-Type", "text/html; charset=utf-8"),
                            ("Content-Length", str(len(body)))] + list(headers))
    return [body]


def _sign(environ):
    try:
        size = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        size = 0
    raw = environ["wsgi.input"].read(max(0, min(size, MAX_FORM)))
    form = parse_qs(raw.decode("utf-8", "replace"))
    name = (form.get("name") or [""])[0].strip()[:120]
    if name:
        with engine().begin() as conn:
            conn.execute(sa.text("INSERT INTO guests (name) VALUES (:name)"), {"name": name})


def _page():
    with engine().connect() as conn:
        rows = conn.execute(sa.text(
            "SELECT name, created_at FROM guests ORDER BY id DESC LIMIT 100")).fetchall()
    items = "".join("<li>%s <small>%s</small></li>" % (html.escape(name), created_at)
                    for name, created_at in rows)
    return ("<!doctype html><title>Guestbook</title><h1>Guestbook</h1>"
            "<form method=post><input name=name maxlength=120> <button>Sign</button></form>"
            "<ul>%s</ul>" % items).encode("utf-8")


def app(environ, start_response):
    if environ.get("PATH_INFO", "/") != "/":
        return _respond(start_response, "404 Not Found", b"not found")
    method = environ.get("REQUEST_METHOD", "GET")
    if method == "POST":
        _sign(environ)
        return _respond(start_response, "303 See Other", headers=[("Location", "/")])
    if method not in ("GET", "HEAD"):
        return _respond(start_response, "405 Method Not Allowed", b"", [("Allow", "GET, HEAD, POST")])
    # The body of a HEAD response is dropped by the server (gunicorn), not here,
    # so that Content-Length is the GET's.
    return _respond(start_response, "200 OK", _page())
