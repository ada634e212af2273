"""Pre-flight on the harness's PostgreSQL: a schema made by real DDL, a
version table at the first revision, pending migrations that meet it; then
`check --format json` (and `diagnose`) must name the code, the file and the
line of the op.* call, or stay silent for the near miss.

The generated differential test against `alembic upgrade` is a module of
its own; these are the handful of cases that pin the CLI and JSON shape.
"""
import json
import os
import shutil
import tempfile
import unittest

import harness

HEADER = '''"""m

Revision ID: {rev}
Revises: {down}
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

revision = {rev!r}
down_revision = {down_py}
branch_labels = None
depends_on = None


def upgrade():
'''


def write(d, rev, down, body):
    text = HEADER.format(rev=rev, down=down or "", down_py=repr(down)) + body + \
        "\n\ndef downgrade():\n    pass\n"
    path = os.path.join(d, "%s_m.py" % rev)
    with open(path, "w") as f:
        f.write(text)
    return path


def line_of(path, needle):
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if needle in line:
                return i
    raise AssertionError("%s not in %s" % (needle, path))


class Preflight(unittest.TestCase):
    def setUp(self):
        self.pg = harness.pg()
        self.d = tempfile.mkdtemp(prefix="ag-pf-")
        self.versions = os.path.join(self.d, "versions")
        os.mkdir(self.versions)
        _, self.url = self.pg.create_db("pf")
        write(self.versions, "a1", None, "    pass\n")

    def tearDown(self):
        shutil.rmtree(self.d, ignore_errors=True)

    def ddl(self, *stmts):
        c = harness._connect(self.url)
        try:
            cur = c.cursor()
            for s in stmts:
                cur.execute(s)
        finally:
            c.close()

    def check(self, *extra, command="check"):
        p = harness.run_guard(command, "--versions", self.versions, "--database-url", self.url,
                              "--format", "json", *extra)
        self.assertNotEqual(p.stdout, "", p.stderr)
        return p.returncode, json.loads(p.stdout)

    def codes(self, out, prefix=("object-", "not-null", "foreign-key", "lock-risk", "not-judged")):
        return [f for f in out["findings"] if f["code"].startswith(prefix)]

    def test_column_exists(self):
        self.ddl("CREATE TABLE guests (id integer PRIMARY KEY, vote_locked_until timestamp)")
        harness.stamp(self.url, "a1")
        path = write(self.versions, "b2", "a1",
                     "    op.add_column('guests',\n"
                     "                  sa.Column('vote_locked_until', sa.DateTime()))\n")
        rc, out = self.check()
        self.assertEqual(rc, 1)
        [f] = self.codes(out)
        self.assertEqual(f["code"], "object-exists")
        self.assertEqual(f["severity"], "error")
        self.assertEqual(f["revision"], "b2")
        self.assertEqual(f["file"], path)
        self.assertEqual(f["line"], line_of(path, "op.add_column"))
        self.assertIn("table guests already has column vote_locked_until "
                      "(timestamp without time zone)", f["message"])
        self.assertIn("fix", f)

    def test_column_in_other_table_is_fine(self):
        self.ddl("CREATE TABLE guests (id integer PRIMARY KEY)",
                 "CREATE TABLE hosts (vote_locked_until timestamp)")
        harness.stamp(self.url, "a1")
        write(self.versions, "b2", "a1",
              "    op.add_column('guests', sa.Column('vote_locked_until', sa.DateTime()))\n")
        rc, out = self.check()
        self.assertEqual(rc, 0, out)
        self.assertEqual(self.codes(out), [])

    def test_enum_exists_and_create_type_false(self):
        self.ddl("CREATE TYPE status AS ENUM ('a', 'b')")
        harness.stamp(self.url, "a1")
        path = write(self.versions, "b2", "a1",
                     "    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True),\n"
                     "                    sa.Column('s', sa.Enum('a', 'b', name='status')))\n")
        rc, out = self.check()
        self.assertEqual(rc, 1)
        [f] = self.codes(out)
        self.assertEqual((f["code"], f["line"]), ("object-exists", line_of(path, "create_table")))
        self.assertIn("status", f["message"])
        write(self.versions, "b2", "a1",
              "    op.create_table('t', sa.Column('id', sa.Integer, primary_key=True),\n"
              "                    sa.Column('s', postgresql.ENUM('a', 'b', name='status',"
              " create_type=False)))\n")
        rc, out = self.check()
        self.assertEqual((rc, self.codes(out)), (0, []))

    def test_not_null_without_default(self):
        self.ddl("CREATE TABLE full_t (id integer)", "INSERT INTO full_t VALUES (1)",
                 "CREATE TABLE empty_t (id integer)")
        harness.stamp(self.url, "a1")
        path = write(self.versions, "b2", "a1",
                     "    op.add_column('full_t', sa.Column('n', sa.Integer(), nullable=False))\n"
                     "    op.add_column('empty_t', sa.Column('n', sa.Integer(), nullable=False))\n"
                     "    op.add_column('full_t', sa.Column('m', sa.Integer(), nullable=False,\n"
                     "                  server_default='0'))\n")
        rc, out = self.check()
        self.assertEqual(rc, 1)
        [f] = self.codes(out)
        self.assertEqual(f["code"], "not-null-without-default")
        self.assertEqual(f["line"], line_of(path, "'full_t', sa.Column('n'"))

    def test_table_the_role_cannot_read_is_not_judged(self):
        """The NOT NULL rule asks EXISTS only of a table the role may read:
        for one it may not, the rule is not judged and the check neither
        fails (exit 3) nor guesses; a readable one is still judged."""
        self.ddl("CREATE TABLE full_t (id integer)", "INSERT INTO full_t VALUES (1)",
                 "CREATE TABLE open_t (id integer)", "INSERT INTO open_t VALUES (1)")
        harness.stamp(self.url, "a1")
        path = write(self.versions, "b2", "a1",
                     "    op.add_column('full_t', sa.Column('n', sa.Integer(), nullable=False))\n"
                     "    op.add_column('open_t', sa.Column('n', sa.Integer(), nullable=False))\n")
        db = self.url.rsplit("/", 1)[1].split("?")[0]
        role = "agpf_noread_%d" % os.getpid()
        admin = harness._connect(self.pg.url())
        try:
            cur = admin.cursor()
            cur.execute('DROP ROLE IF EXISTS "%s"' % role)
            cur.execute("CREATE ROLE \"%s\" LOGIN PASSWORD 'pw-noread-1'" % role)
            self.ddl('GRANT SELECT ON alembic_version, open_t TO "%s"' % role)
            url = "postgresql://%s:pw-noread-1@127.0.0.1:%d/%s" % (role, self.pg.port, db)
            p = harness.run_guard("check", "--versions", self.versions, "--database-url", url,
                                  "--format", "json")
            self.assertEqual(p.returncode, 1, p.stdout + p.stderr)
            out = json.loads(p.stdout)
            [f] = [f for f in out["findings"] if f["code"] == "not-null-without-default"]
            self.assertEqual(f["line"], line_of(path, "'open_t'"))
            self.assertNotIn("pw-noread-1", p.stdout + p.stderr)
        finally:
            self.ddl('DROP OWNED BY "%s"' % role)
            admin.cursor().execute('DROP ROLE IF EXISTS "%s"' % role)
            admin.close()

    def test_missing_and_chained(self):
        self.ddl("CREATE TABLE guests (id integer)")
        harness.stamp(self.url, "a1")
        write(self.versions, "b2", "a1",
              "    op.create_table('rooms', sa.Column('id', sa.Integer(), primary_key=True))\n")
        path = write(self.versions, "c3", "b2",
                     "    op.add_column('rooms', sa.Column('size', sa.Integer()))\n"
                     "    op.drop_column('guests', 'nickname')\n")
        rc, out = self.check()
        self.assertEqual(rc, 1)
        [f] = self.codes(out)
        self.assertEqual((f["code"], f["revision"], f["line"]),
                         ("object-missing", "c3", line_of(path, "drop_column")))
        self.assertEqual(out["pending"], ["b2", "c3"])

    def test_foreign_key_types(self):
        self.ddl("CREATE TABLE users (id uuid PRIMARY KEY)",
                 "CREATE TABLE guests (id integer, user_id varchar(36))")
        harness.stamp(self.url, "a1")
        path = write(self.versions, "b2", "a1",
                     "    op.create_foreign_key('fk_g_u', 'guests', 'users', ['user_id'], ['id'])\n")
        rc, out = self.check()
        self.assertEqual(rc, 1)
        [f] = self.codes(out)
        self.assertEqual((f["code"], f["line"]), ("foreign-key-mismatch", line_of(path, "fk_g_u")))
        self.assertIn("incompatible types", f["message"])

    def test_lock_risk_and_setting(self):
        self.ddl("CREATE TABLE big (id integer, n integer)",
                 "INSERT INTO big SELECT g, g FROM generate_series(1, 1000) g", "ANALYZE big")
        harness.stamp(self.url, "a1")
        path = write(self.versions, "b2", "a1",
                     "    op.create_index('ix_big_n', 'big', ['n'])\n")
        rc, out = self.check()
        self.assertEqual((rc, self.codes(out)), (0, []))
        with open(os.path.join(self.d, "alembic.ini"), "w") as f:
            f.write("[alembic]\nscript_location = .\n\n[alembic-guard]\nlock_risk_rows = 500\n")
        p = harness.run_guard("check", "-c", os.path.join(self.d, "alembic.ini"),
                              "--versions", self.versions, "--database-url", self.url,
                              "--format", "json")
        out = json.loads(p.stdout)
        self.assertEqual(p.returncode, 0, p.stderr)
        [f] = self.codes(out)
        self.assertEqual((f["code"], f["severity"], f["line"]),
                         ("lock-risk", "warning", line_of(path, "create_index")))
        self.assertIn("1000 rows", f["message"])
        p = harness.run_guard("check", "--strict", "-c", os.path.join(self.d, "alembic.ini"),
                              "--versions", self.versions, "--database-url", self.url)
        self.assertEqual(p.returncode, 1, p.stdout)
        self.assertIn("[lock-risk]", p.stdout)

    def test_raw_sql_is_not_judged(self):
        self.ddl("CREATE TABLE guests (id integer, x integer)")
        harness.stamp(self.url, "a1")
        path = write(self.versions, "b2", "a1",
                     "    op.execute('ALTER TABLE guests DROP COLUMN x')\n"
                     "    op.add_column('guests', sa.Column('x', sa.Integer()))\n")
        rc, out = self.check(command="diagnose")
        self.assertEqual(rc, 0, out)
        [f] = self.codes(out)
        self.assertEqual((f["code"], f["severity"], f["line"]),
                         ("not-judged", "info", line_of(path, "op.execute")))

    def test_no_pending_changes_nothing(self):
        self.ddl("CREATE TABLE guests (id integer)")
        write(self.versions, "b2", "a1", "    op.drop_column('guests', 'nope')\n")
        harness.stamp(self.url, "b2")
        rc, out = self.check()
        self.assertEqual((rc, self.codes(out)), (0, []))

    def test_text_form(self):
        self.ddl("CREATE TABLE guests (id integer, x integer)")
        harness.stamp(self.url, "a1")
        path = write(self.versions, "b2", "a1",
                     "    op.add_column('guests', sa.Column('x', sa.Integer()))\n")
        p = harness.run_guard("check", "--versions", self.versions, "--database-url", self.url)
        self.assertEqual(p.returncode, 1)
        self.assertIn("%s:%d: error: " % (path, line_of(path, "add_column")), p.stdout)
        self.assertIn("[object-exists]", p.stdout)


if __name__ == "__main__":
    unittest.main()
