"""The test harness: a throwaway PostgreSQL 15 and helpers to drive the guard.

The server runs from /usr/lib/postgresql/15/bin in a temp dir, listening on
127.0.0.1 (random free port, password auth, TLS with a self-signed
certificate) and on a Unix socket in the same dir. As root, initdb and the
server run as the `postgres` user, because initdb refuses root.

Two ways to get it:
  - `tests/run-all.sh` starts one server for every stage
    (`harness.py start` prints the shell exports, `harness.py stop DIR` ends it)
    and the tests attach to it through the AG_PG_* variables;
  - a test module run alone (`/usr/bin/python3 -m unittest test_gate`) starts
    its own on the first `pg()` and stops it at exit.

Nothing here skips: when PostgreSQL or psycopg2 is missing, the first test
that needs them fails with the command that installs them.
"""
import atexit
import itertools
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
BIN = os.environ.get("AG_BIN") or os.path.join(ROOT, "build", "alembic-guard")
# Debian's Python, where python3-alembic and python3-psycopg2 live; never the
# python3 that comes first on PATH (a pyenv one has neither).
PY = "/usr/bin/python3"
PGBIN = os.environ.get("AG_PGBIN", "/usr/lib/postgresql/15/bin")
INSTALL = ("apt-get install -y build-essential pkg-config libpq-dev libcurl4-openssl-dev "
           "libjansson-dev libinih-dev libunistring-dev check postgresql python3-alembic "
           "python3-psycopg2 "
           "graphviz openssl (or run `make test`, which installs them)")

# Variables that would point the guard (or libpq) somewhere other than where
# the test says: the tests pass every connection on the command line.
_LEAKY = ("DATABASE_URL", "NOTIFY_URL", "HEROKU_API_KEY", "HEROKU_API_URL", "HEROKU_APP_NAME",
          "DYNO", "NO_COLOR", "PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE",
          "PGSSLMODE", "PGSERVICE", "PGOPTIONS", "PGHOSTADDR", "PGPASSFILE", "PGCONNECT_TIMEOUT")


def _need(path, what):
    if not os.path.exists(path):
        raise RuntimeError("%s not found at %s: install it with `%s`" % (what, path, INSTALL))


def _psycopg2():
    try:
        import psycopg2
        return psycopg2
    except ImportError as e:
        raise RuntimeError("psycopg2 is missing for %s (%s): install python3-psycopg2 and run the "
                           "tests with /usr/bin/python3; %s" % (sys.executable, e, INSTALL))


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Pg:
    """One PostgreSQL server in a temp dir. start() and stop() are idempotent."""

    user = "postgres"

    def __init__(self, root=None, port=None, password=None, owned=True):
        self.root, self.port, self.password, self.owned = root, port, password, owned
        self._seq = itertools.count(1)
        self._running = root is not None

    # --- life cycle ---------------------------------------------------------
    def _demote(self):
        """preexec_fn: run the server as postgres when we are root."""
        if os.geteuid() != 0:
            return None
        pw = pwd.getpwnam("postgres")

        def drop():
            os.setgid(pw.pw_gid)
            os.initgroups("postgres", pw.pw_gid)
            os.setuid(pw.pw_uid)
        return drop

    def _run(self, args, **kw):
        return subprocess.run(args, preexec_fn=self._demote(), capture_output=True, text=True,
                              cwd=self.root, **kw)

    def start(self):
        if self._running:
            return self
        _need(os.path.join(PGBIN, "initdb"), "PostgreSQL 15's initdb")
        _need("/usr/bin/openssl", "openssl")
        self.root = tempfile.mkdtemp(prefix="ag-pg.")
        try:
            self._start()
        except BaseException:
            # Whatever failed (or was interrupted), leave no server and no
            # directory behind: pg_ctl may have started one that is slow to
            # answer.
            self._run([os.path.join(PGBIN, "pg_ctl"), "-D", os.path.join(self.root, "data"),
                       "-m", "immediate", "-w", "stop"])
            shutil.rmtree(self.root, ignore_errors=True)
            raise
        self._running = True
        return self

    def _start(self):
        os.chmod(self.root, 0o755)
        self.port = _free_port()
        self.password = "ag-" + secrets.token_hex(12)
        pwfile = os.path.join(self.root, "pw")
        with open(pwfile, "w") as f:
            f.write(self.password + "\n")
        key, crt = os.path.join(self.root, "server.key"), os.path.join(self.root, "server.crt")
        r = subprocess.run(["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-subj", "/CN=localhost", "-days", "2", "-keyout", key, "-out", crt],
                           capture_output=True, text=True)
        if r.returncode != 0:
            raise RuntimeError("openssl could not make the test certificate: " + r.stderr)
        os.chmod(key, 0o600)
        if os.geteuid() == 0:
            pw = pwd.getpwnam("postgres")
            for p in (self.root, pwfile, key, crt):
                os.chown(p, pw.pw_uid, pw.pw_gid)
        data = os.path.join(self.root, "data")
        r = self._run([os.path.join(PGBIN, "initdb"), "-D", data, "-U", self.user, "-E", "UTF8",
                       "--locale=C", "--auth-local=trust", "--auth-host=scram-sha-256",
                       "--pwfile", pwfile, "--no-sync"])
        if r.returncode != 0:
            raise RuntimeError("initdb failed:\n" + r.stdout + r.stderr)
        with open(os.path.join(data, "postgresql.conf"), "a") as f:
            f.write("\nlisten_addresses = '127.0.0.1'\nport = %d\nunix_socket_directories = '%s'\n"
                    "ssl = on\nssl_cert_file = '%s'\nssl_key_file = '%s'\nfsync = off\n"
                    "synchronous_commit = off\nfull_page_writes = off\nmax_connections = 200\n"
                    % (self.port, self.root, crt, key))
        r = self._run([os.path.join(PGBIN, "pg_ctl"), "-D", data, "-l",
                       os.path.join(self.root, "log"), "-w", "-t", "60", "start"])
        if r.returncode != 0:
            log = ""
            try:
                log = open(os.path.join(self.root, "log")).read()[-3000:]
            except OSError:
                pass
            raise RuntimeError("pg_ctl start failed:\n%s%s\n%s" % (r.stdout, r.stderr, log))

    def stop(self):
        if not self._running or not self.owned:
            return
        self._running = False
        data = os.path.join(self.root, "data")
        self._run([os.path.join(PGBIN, "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"])
        shutil.rmtree(self.root, ignore_errors=True)

    # --- use ----------------------------------------------------------------
    def url(self, db="postgres", **params):
        q = "&".join("%s=%s" % kv for kv in sorted(params.items()))
        return "postgresql://%s:%s@127.0.0.1:%d/%s%s" % (self.user, self.password, self.port, db,
                                                          "?" + q if q else "")

    def conn(self, db="postgres"):
        """A psycopg2 connection in autocommit mode: what a test writes is there at once."""
        c = _psycopg2().connect(self.url(db))
        c.autocommit = True
        return c

    def create_db(self, name):
        """A new, empty database whose name starts with NAME. Returns (dbname, url)."""
        dbname = "%s_%d_%d" % (name, os.getpid(), next(self._seq))
        c = self.conn()
        try:
            c.cursor().execute('CREATE DATABASE "%s"' % dbname)
        finally:
            c.close()
        return dbname, self.url(dbname)

    def exports(self):
        return {"AG_PG_DIR": self.root, "AG_PG_PORT": str(self.port),
                "AG_PG_PASSWORD": self.password,
                "AG_TEST_PGURL_TLS": self.url("postgres", sslmode="require")}


_shared = None


def pg():
    """The server for this process: the harness's (AG_PG_*) or one of our own."""
    global _shared
    if _shared is None:
        if os.environ.get("AG_PG_DIR"):
            _shared = Pg(os.environ["AG_PG_DIR"], int(os.environ["AG_PG_PORT"]),
                         os.environ["AG_PG_PASSWORD"], owned=False)
        else:
            _shared = Pg().start()
            atexit.register(_shared.stop)
            # A test run cut off by a signal must still stop its server.
            for sig in (signal.SIGTERM, signal.SIGHUP):
                signal.signal(sig, lambda s, f: sys.exit(128 + s))
    return _shared


# --- the guard ------------------------------------------------------------------
def guard_env():
    env = {k: v for k, v in os.environ.items() if k not in _LEAKY}
    env["NO_COLOR"] = "1"
    return env


def run_guard(*args, env=None, timeout=120, **kw):
    _need(BIN, "the alembic-guard binary (run `make`)")
    return subprocess.run([BIN, *args], env=guard_env() if env is None else env,
                          capture_output=True, text=True, timeout=timeout, **kw)


# --- version tables ---------------------------------------------------------------
def _table(cur, table, schema):
    from psycopg2 import sql
    name = sql.Identifier(schema, table) if schema else sql.Identifier(table)
    if schema:
        cur.execute(sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema)))
    cur.execute(sql.SQL("CREATE TABLE IF NOT EXISTS {} (version_num varchar(32) NOT NULL, "
                        "CONSTRAINT {} PRIMARY KEY (version_num))").format(
                            name, sql.Identifier(table + "_pkc")))
    return name


def _connect(url):
    c = _psycopg2().connect(url)
    c.autocommit = True
    return c


def stamp(url, *revs, table="alembic_version", schema=None):
    """Creates the version table (as Alembic does) and adds one row per REV.
    With no REV the table is left empty."""
    from psycopg2 import sql
    c = _connect(url)
    try:
        cur = c.cursor()
        name = _table(cur, table, schema)
        for r in revs:
            cur.execute(sql.SQL("INSERT INTO {} (version_num) VALUES (%s)").format(name), (r,))
    finally:
        c.close()


def stamp_replace(url, *revs, table="alembic_version", schema=None):
    """The version table holds exactly REVS afterwards."""
    from psycopg2 import sql
    c = _connect(url)
    try:
        cur = c.cursor()
        name = _table(cur, table, schema)
        cur.execute(sql.SQL("DELETE FROM {}").format(name))
        for r in revs:
            cur.execute(sql.SQL("INSERT INTO {} (version_num) VALUES (%s)").format(name), (r,))
    finally:
        c.close()


def rows(url, table="alembic_version", schema=None):
    from psycopg2 import sql
    c = _connect(url)
    try:
        cur = c.cursor()
        name = sql.Identifier(schema, table) if schema else sql.Identifier(table)
        cur.execute(sql.SQL("SELECT version_num FROM {} ORDER BY 1").format(name))
        return [r[0] for r in cur.fetchall()]
    finally:
        c.close()


# --- migration files --------------------------------------------------------------
def _py(v):
    if v is None:
        return "None"
    if isinstance(v, str):
        return repr(v)
    return "(" + ", ".join(repr(x) for x in v) + ("," if len(v) == 1 else "") + ")"


def write_migration(d, rev, down, filename=None, doc_revision=None, branch_labels=None,
                    depends_on=None, message="m"):
    """Writes a no-op migration that the real Alembic can run.
    DOWN is None, an id or a tuple of ids (a merge). DOC_REVISION puts another id
    into the docstring's `Revision ID:` header (a half-done rename)."""
    downs = "" if down is None else (down if isinstance(down, str) else ", ".join(down))
    text = ('"""%s\n\nRevision ID: %s\nRevises: %s\nCreate Date: 2026-11-20 12:00:00\n\n"""\n'
            "from alembic import op\n\n"
            "revision = %r\ndown_revision = %s\nbranch_labels = %s\ndepends_on = %s\n\n\n"
            "def upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
            % (message, doc_revision or rev, downs, rev, _py(down), _py(branch_labels),
               _py(depends_on)))
    path = os.path.join(d, filename or "%s_%s.py" % (rev, message))
    with open(path, "w") as f:
        f.write(text)
    return path


# --- CLI for tests/run-all.sh -------------------------------------------------------
def _main(argv):
    if len(argv) >= 1 and argv[0] == "start":
        p = Pg().start()
        for k, v in p.exports().items():
            print("export %s=%s" % (k, _shquote(v)))
        return 0
    if len(argv) == 2 and argv[0] == "stop":
        root = argv[1]
        p = Pg(root, 0, "", owned=True)
        p.stop()
        return 0
    print("usage: harness.py start | stop DIR", file=sys.stderr)
    return 2


def _shquote(s):
    return "'" + s.replace("'", "'\\''") + "'"


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
