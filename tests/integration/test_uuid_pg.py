"""uuid-type-mismatch, proven by the real Alembic against the real PostgreSQL.

A generator writes small migration sets the way foreign keys between UUID and
string columns get written: a referenced table and a referencing one, the
key in one of the forms Alembic offers (sa.ForeignKey in a Column of
create_table or add_column, sa.ForeignKeyConstraint positional or by
keyword, op.create_foreign_key positional or by keyword, a batch_op's
create_foreign_key or add_column), the column types in many spellings (sa.,
postgresql., the dialect's UUID imported under its own name or an alias,
`from sqlalchemy import String`, with_variant, the project's get_uuid_type()
helper), one-line or multi-line calls, sometimes an alter_column that changes
a keyed column's type afterwards, and distractions that the schema reader
must follow (a table renamed before the key names it; a table dropped and
created again with another type; a column dropped and added again).

Type pairs are drawn from native UUID, helper, string and integer columns,
except string against integer: PostgreSQL refuses that pair too, but it is
not a UUID mismatch and no rule of ours claims it.

For every set, `alembic-guard lint` judges the files alone; then Debian's
Alembic runs `upgrade head` against the test PostgreSQL (one schema per set,
each migration in its own transaction). The proof:

  every set flagged with uuid-type-mismatch (error, or the helper-against-
  string warning) fails there, with PostgreSQL's "incompatible types", in
  exactly the first migration the guard flagged;
  every set it passes upgrades cleanly to head.

The same holds for the fixtures of tests/test_lint.c (tests/fixtures/uuid):
clean/ upgrades, forms/ and helper/ fail where the guard says they fail.
At least 120 sets per run (AG_QUICK=1: 40); AG_UUID_SEED picks the seed.
The figures are printed at the end.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "uuid")
QUICK = os.environ.get("AG_QUICK") == "1"
SETS = 40 if QUICK else 144
SEED = int(os.environ.get("AG_UUID_SEED", "20261207"))

# The project's dialect helper, as projects write it: a native UUID on
# PostgreSQL, CHAR(36) elsewhere.
HELPER_PY = '''import sqlalchemy as sa
from sqlalchemy.dialects import postgresql


class GUID(sa.types.TypeDecorator):
    impl = sa.CHAR(36)
    cache_ok = True

    def load_dialect_impl(self, dialect):
        if dialect.name == "postgresql":
            return dialect.type_descriptor(postgresql.UUID())
        return dialect.type_descriptor(sa.CHAR(36))


def get_uuid_type():
    return GUID()
'''

ENV_PY = '''from alembic import context

connection = context.config.attributes["connection"]
context.configure(connection=connection, transaction_per_migration=True)
with context.begin_transaction():
    context.run_migrations()
'''

# Runs every job in one Python (Alembic's import dominates otherwise):
# upgrade head in the job's schema; reports the error and where it stopped.
BATCH = r'''
import json, sys, traceback
sys.path.insert(0, sys.argv[1])
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

out = []
for job in json.load(sys.stdin):
    eng = sa.create_engine(job["url"], poolclass=sa.pool.NullPool,
                           connect_args={"options": "-csearch_path=" + job["schema"]})
    with eng.connect() as c:
        c.execute(sa.text('CREATE SCHEMA "%s"' % job["schema"]))
        c.commit() if hasattr(c, "commit") else None
    cfg = Config()
    cfg.set_main_option("script_location", job["dir"])
    cfg.set_main_option("version_locations", job["versions"])
    err = None
    with eng.connect() as c:
        cfg.attributes["connection"] = c
        try:
            command.upgrade(cfg, "head")
        except Exception as e:
            err = "%s: %s" % (type(e).__name__, str(e).splitlines()[0] + " " + " ".join(
                l for l in str(e).splitlines() if "DETAIL" in l))
    with eng.connect() as c:
        try:
            rows = [r[0] for r in c.execute(sa.text("SELECT version_num FROM alembic_version"))]
        except Exception:
            rows = []
    eng.dispose()
    out.append({"error": err, "at": rows})
print(json.dumps(out))
'''

IMPORTS = '''from alembic import op
import sqlalchemy as sa
from sqlalchemy import Integer, String
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import UUID
from sqlalchemy.dialects.postgresql import UUID as PGUUID

from apphelpers.types import get_uuid_type
'''

# (spelling, family); the family is what PostgreSQL makes of it.
TYPES = {
    "uuid": ["postgresql.UUID(as_uuid=True)", "postgresql.UUID()", "UUID(as_uuid=True)",
             "PGUUID()", "sa.String(36).with_variant(postgresql.UUID(), 'postgresql')"],
    "string": ["sa.String(36)", "sa.String(length=36)", "String(36)", "sa.CHAR(36)",
               "sa.Text()", "sa.Unicode(36)", "sa.VARCHAR(36)"],
    "integer": ["sa.Integer()", "sa.Integer", "sa.BigInteger()", "Integer"],
    "helper": ["get_uuid_type()"],
}
PG_TYPE = {"uuid": "uuid", "helper": "uuid", "string": "text", "integer": "integer"}
FAMILIES = ["uuid", "string", "integer", "helper"]
# No SERIAL default on an integer key: an alter_column to uuid would then
# fail on the default's cast, not on the key.
PK = ", primary_key=True, autoincrement=False"
FORMS = ["column", "constraint", "constraint_kw", "add_column", "create_fk", "create_fk_kw",
         "batch_fk", "batch_add_column"]


def allowed(a, b):
    return {a, b} != {"string", "integer"}


class Gen:
    """One migration set: parent(id) referenced by child(ref)."""

    def __init__(self, rng, idx):
        self.rng = rng
        self.idx = idx
        self.migs = []  # (rev, down, body lines)
        self.notes = []

    def t(self, fam):
        return self.rng.choice(TYPES[fam])

    def col(self, name, typ, extra=""):
        """sa.Column(name, TYPE, extra), or with the type by keyword (after
        the positional ForeignKey, as Python wants)."""
        if self.rng.random() < 0.2:
            pos = [e.strip() for e in extra.split(", ") if e.strip() and "=" not in e.split("(")[0]]
            kws = [e.strip() for e in extra.split(", ") if e.strip() and e.strip() not in pos]
            return "sa.Column(%s)" % ", ".join([repr(name)] + pos + ["type_=" + typ] + kws)
        return "sa.Column(%r, %s%s)" % (name, typ, extra)

    def call(self, head, args):
        """op.x(a, b) on one line or exploded over several."""
        if self.rng.random() < 0.5:
            return ["    %s(%s)" % (head, ", ".join(args))]
        return ["    %s(" % head] + ["        %s," % a for a in args] + ["    )"]

    def add(self, body):
        rev = "r%03d_%d" % (self.idx, len(self.migs))
        down = self.migs[-1][0] if self.migs else None
        self.migs.append((rev, down, body))
        return rev

    def build(self):
        rng = self.rng
        while True:
            pf, cf = rng.choice(FAMILIES), rng.choice(FAMILIES)
            if allowed(pf, cf):
                break
        self.pf, self.cf = pf, cf
        ptype, ctype = self.t(pf), self.t(cf)
        parent = "parent"
        # Distractions the reader must follow.
        d = rng.random()
        if d < 0.2:
            # created under another name, renamed before the key names it
            self.add(self.call("op.create_table", [repr("p_old"),
                                                   self.col("id", ptype, PK)]))
            self.add(["    op.rename_table('p_old', 'parent')"])
            self.notes.append("rename")
        elif d < 0.35:
            # created with the other kind of type, dropped, created again
            other = self.t("integer" if pf != "integer" else "uuid")
            self.add(self.call("op.create_table", [repr(parent),
                                                   self.col("id", other, PK)]))
            self.add(["    op.drop_table('parent')"] +
                     self.call("op.create_table", [repr(parent),
                                                   self.col("id", ptype, PK)]))
            self.notes.append("recreate")
        else:
            self.add(self.call("op.create_table", [repr(parent),
                                                   self.col("id", ptype, PK)]))
        form = rng.choice(FORMS)
        self.form = form
        fk = "sa.ForeignKey('parent.id')"
        body = []
        if form == "column":
            body += self.call("op.create_table", ["'child'", "sa.Column('id', sa.Integer, primary_key=True)",
                                                  self.col("ref", ctype, ", " + fk)])
        elif form in ("constraint", "constraint_kw"):
            cons = ("sa.ForeignKeyConstraint(['ref'], ['parent.id'])" if form == "constraint" else
                    "sa.ForeignKeyConstraint(columns=['ref'], refcolumns=['parent.id'], name='fk_c')")
            body += self.call("op.create_table", ["'child'", "sa.Column('id', sa.Integer, primary_key=True)",
                                                  self.col("ref", ctype), cons])
        else:
            body += self.call("op.create_table", ["'child'", "sa.Column('id', sa.Integer, primary_key=True)"])
            if rng.random() < 0.3:
                # a column of the same name, dropped: the model must forget it
                other = self.t("integer" if cf != "integer" else "string")
                body += ["    op.add_column('child', %s)" % self.col("ref", other)]
                body += ["    op.drop_column('child', 'ref')"]
                self.notes.append("dropcol")
            if form == "add_column":
                body += self.call("op.add_column", ["'child'", self.col("ref", ctype, ", " + fk)])
            elif form == "batch_add_column":
                body += ["    with op.batch_alter_table('child') as batch_op:",
                         "        batch_op.add_column(%s)" % self.col("ref", ctype, ", " + fk)]
            else:
                body += ["    op.add_column('child', %s)" % self.col("ref", ctype)]
                if form == "create_fk":
                    body += self.call("op.create_foreign_key",
                                      ["'fk_ref'", "'child'", "'parent'", "['ref']", "['id']"])
                elif form == "create_fk_kw":
                    body += self.call("op.create_foreign_key",
                                      ["constraint_name='fk_ref'", "source_table='child'",
                                       "referent_table='parent'", "local_cols=['ref']",
                                       "remote_cols=['id']"])
                else:
                    body += ["    with op.batch_alter_table('child', schema=None) as batch_op:",
                             "        batch_op.create_foreign_key('fk_ref', 'parent', ['ref'], ['id'])"]
        # The key can land in a separate migration from the child table.
        self.add(body)
        self.altered = None
        if rng.random() < 0.3:
            # alter one side of the live key to another family
            side = rng.choice(["child.ref", "parent.id"])
            table, column = side.split(".")
            have = cf if table == "child" else pf
            other = pf if table == "child" else cf
            choices = [f for f in FAMILIES if f != have and allowed(f, other)]
            new = rng.choice(choices)
            self.add(self.call("op.alter_column", [
                repr(table), repr(column), "type_=%s" % self.t(new),
                "postgresql_using='%s::text::%s'" % (column, PG_TYPE[new])]))
            self.altered = (table, new)
            if table == "child":
                self.cf = new
            else:
                self.pf = new
            self.notes.append("alter %s -> %s" % (side, new))

    def write(self, root):
        versions = os.path.join(root, "versions")
        os.makedirs(versions)
        with open(os.path.join(root, "env.py"), "w") as f:
            f.write(ENV_PY)
        for rev, down, body in self.migs:
            with open(os.path.join(versions, "%s_step.py" % rev), "w") as f:
                f.write('"""step\n\nRevision ID: %s\nRevises: %s\nCreate Date: 2024-06-01 '
                        '00:00:00.000000\n\n"""\n' % (rev, down or ""))
                f.write(IMPORTS)
                f.write("\nrevision = %r\ndown_revision = %r\nbranch_labels = None\n"
                        "depends_on = None\n\n\ndef upgrade():\n" % (rev, down))
                f.write("\n".join(body) + "\n\n\ndef downgrade():\n    pass\n")
        return versions

    def describe(self):
        return "parent %s, child %s, form %s %s" % (self.pf, self.cf, self.form,
                                                     ",".join(self.notes))


def write_helpers(root):
    pkg = os.path.join(root, "apphelpers")
    os.makedirs(pkg)
    open(os.path.join(pkg, "__init__.py"), "w").close()
    with open(os.path.join(pkg, "types.py"), "w") as f:
        f.write(HELPER_PY)
    return root


def fixture_project(tmp, name):
    """A project dir with a copy of tests/fixtures/uuid/<name> as its
    versions: Alembic writes __pycache__ beside the files it imports, and
    the clone must stay as it was."""
    d = os.path.join(tmp, "fx_" + name)
    os.makedirs(d)
    with open(os.path.join(d, "env.py"), "w") as f:
        f.write(ENV_PY)
    versions = os.path.join(d, "fixture_versions")
    if os.path.isdir(os.path.join(FIXTURES, name)):
        shutil.copytree(os.path.join(FIXTURES, name), versions,
                        ignore=shutil.ignore_patterns("__pycache__"))
    return d, versions


class TestUuidAgainstPostgres(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-uuid.")
        helpers = write_helpers(os.path.join(self.tmp, "py"))
        self.helpers = helpers
        # The fixtures import app.db.types.get_uuid_type.
        app = os.path.join(helpers, "app", "db")
        os.makedirs(app)
        for p in (os.path.join(helpers, "app"), app):
            open(os.path.join(p, "__init__.py"), "w").close()
        shutil.copy(os.path.join(helpers, "apphelpers", "types.py"), os.path.join(app, "types.py"))
        self.db, self.url = harness.pg().create_db("uuid")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def lint(self, versions):
        r = harness.run_guard("lint", "--format", "json", "--versions", versions)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        doc = json.loads(r.stdout)
        return [f for f in doc["findings"] if f["code"] == "uuid-type-mismatch"]

    def run_alembic(self, jobs):
        res = subprocess.run([harness.PY, "-c", BATCH, self.helpers], input=json.dumps(jobs),
                             text=True, capture_output=True, timeout=1200)
        self.assertEqual(res.returncode, 0, res.stderr[-3000:])
        return json.loads(res.stdout)

    def first_flagged(self, findings, order):
        """The revision of the earliest flagged migration in upgrade order."""
        revs = {f["revision"] for f in findings}
        for rev in order:
            if rev in revs:
                return rev
        self.fail("flagged revisions %s are not in %s" % (revs, order))

    def test_generated_sets(self):
        rng = random.Random(SEED)
        sets, jobs = [], []
        for i in range(SETS):
            g = Gen(rng, i)
            g.build()
            root = os.path.join(self.tmp, "s%03d" % i)
            versions = g.write(root)
            sets.append((g, versions, self.lint(versions)))
            jobs.append({"dir": root, "versions": versions, "url": self.url, "schema": "s%03d" % i})
        results = self.run_alembic(jobs)

        flagged = failed_flagged = passed = upgraded = warned = 0
        problems = []
        for (g, versions, found), res in zip(sets, results):
            order = [m[0] for m in g.migs]
            what = "set %d (%s)" % (g.idx, g.describe())
            if found:
                flagged += 1
                warned += all(f["severity"] == "warning" for f in found)
                first = self.first_flagged(found, order)
                down = dict((m[0], m[1]) for m in g.migs)[first]
                if (res["error"] and "incompatible types" in res["error"]
                        and res["at"] == ([down] if down else [])):
                    failed_flagged += 1
                else:
                    problems.append("%s: flagged at %s, but Alembic: %s (stopped at %s)"
                                    % (what, first, res["error"] or "upgraded", res["at"]))
            else:
                passed += 1
                if res["error"] is None and res["at"] == [order[-1]]:
                    upgraded += 1
                else:
                    problems.append("%s: passed, but Alembic failed: %s" % (what, res["error"]))
        print("\nuuid-type-mismatch against PostgreSQL: %d sets; %d flagged (%d by the "
              "helper-against-string warning), all %d failed with \"incompatible types\" in "
              "the flagged migration: %s; %d passed, upgraded cleanly: %d"
              % (len(sets), flagged, warned, flagged, failed_flagged == flagged, passed, upgraded),
              file=sys.stderr)
        self.assertEqual(problems, [])
        self.assertEqual(failed_flagged, flagged)
        self.assertEqual(upgraded, passed)
        # Both outcomes must be well represented, or the proof proves little.
        self.assertGreaterEqual(flagged, SETS // 4)
        self.assertGreaterEqual(passed, SETS // 4)

    def test_fixtures(self):
        cases = {"clean": None, "forms": "b2", "helper": "c3"}
        jobs, meta = [], []
        for name, fails_at in cases.items():
            d, versions = fixture_project(self.tmp, name)
            found = self.lint(versions)
            jobs.append({"dir": d, "versions": versions, "url": self.url, "schema": "fx_" + name})
            meta.append((name, fails_at, found))
        for (name, fails_at, found), res in zip(meta, self.run_alembic(jobs)):
            if fails_at is None:
                self.assertEqual(found, [], name)
                self.assertIsNone(res["error"], name)
                self.assertEqual(res["at"], ["f6"], name)
            else:
                self.assertIn(fails_at, {f["revision"] for f in found}, name)
                self.assertIn("incompatible types", res["error"] or "", name)
                self.assertEqual(res["at"], ["a1" if fails_at == "b2" else "b2"], name)

    def test_project_types(self):
        """tests/fixtures/uuid/project: a key from String(36) to the
        project's Uuid (impl = String(36)) is accepted by PostgreSQL, and
        lint says nothing of it; one to the project's UUID (impl =
        postgresql.UUID) is refused where lint says so (c3)."""
        src = os.path.join(FIXTURES, "project")
        found = self.lint(os.path.join(src, "myapp", "migrations", "versions"))
        errors = sorted(f["revision"] for f in found if f["severity"] == "error")
        self.assertEqual(errors, ["c3", "f6"])
        self.assertNotIn("b2", {f["revision"] for f in found})
        # Alembic imports every script first: the ones up to c3 only (e5
        # imports a module that is nowhere, on purpose).
        shutil.copytree(os.path.join(src, "myapp"), os.path.join(self.helpers, "myapp"),
                        ignore=shutil.ignore_patterns("migrations"))
        d, _ = fixture_project(self.tmp, "project")
        versions = os.path.join(d, "versions")
        os.makedirs(versions)
        for name in ("a1_users.py", "b2_posts.py", "c3_native.py"):
            shutil.copy(os.path.join(src, "myapp", "migrations", "versions", name), versions)
        res = self.run_alembic([{"dir": d, "versions": versions, "url": self.url,
                                 "schema": "fx_project"}])[0]
        self.assertIn("incompatible types", res["error"] or "", res)
        self.assertEqual(res["at"], ["b2"], res)


if __name__ == "__main__":
    unittest.main()
