"""backfill and rename, proven by the real Alembic against the real PostgreSQL.

A generator builds broken projects the way they break in production:

  placeholder-child   production ran a migration whose file never reached the
                      repository; a later migration names it as down_revision
  placeholder-ahead   the same, but nothing names it (the database is ahead);
                      sometimes with newer migrations production has not run
  renamed             a file's revision id was changed while the database holds
                      the old one (children updated or not, docstring or not)
  duplicate           a rename that copied instead of moving left two files
                      with one id

each in a random style (annotated or not, quote style, with or without the
branch_labels/depends_on lines, Alembic's default file_template or a dated
one, hex or word ids, branches and merges in the history). For every case:
`alembic upgrade head` (Debian's Alembic) fails before the repair; the dry run
changes nothing; after `backfill --write` / `rename --write --apply` the real
upgrade succeeds, every migration's table exists (a placeholder in the wrong
place would make Alembic skip one forever), the version table is at the head,
and `alembic-guard check` and `lint` exit 0. At least 50 cases per run
(AG_QUICK=1: 12, for the sanitizer stage); AG_REPAIR_SEED picks the seed.

Then every refusal of both commands, exit code 2 and its message, the JSON
output, --apply's transaction (0 rows is a finding, not success), and the
examples/ incident of `make demo` repaired by backfill itself.
"""
import json
import os
import random
import re
import shutil
import subprocess
import tempfile
import unittest

import psycopg2

import harness

PY = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
QUICK = os.environ.get("AG_QUICK") == "1"
CASES = 12 if QUICK else 56
SEED = int(os.environ.get("AG_REPAIR_SEED", "20261120"))

DATED = "%(year)d_%(month).2d_%(day).2d_%(hour).2d%(minute).2d-%(rev)s_%(slug)s"

ENV_PY = '''import os

from alembic import context
from sqlalchemy import create_engine, pool

engine = create_engine(os.environ["DATABASE_URL"], poolclass=pool.NullPool)
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
'''


def guard_bin():
    return os.environ.get("AG_BIN") or os.path.join(ROOT, "build", "alembic-guard")


# ---- a project on disk --------------------------------------------------------


class Style:
    def __init__(self, rng):
        self.annotated = rng.random() < 0.4
        self.quote = rng.choice(["'", '"'])
        self.extra_lines = rng.random() < 0.7   # branch_labels/depends_on = None
        self.dated = rng.random() < 0.3
        self.ids = rng.choice(["hex", "word"])

    def describe(self):
        return "annotated=%s quote=%s extra=%s dated=%s ids=%s" % (
            self.annotated, self.quote, self.extra_lines, self.dated, self.ids)


class Mig:
    """One migration: its id, parents, and the table it creates."""

    def __init__(self, rev, down, serial, message, date):
        self.rev, self.down, self.serial = rev, list(down), serial
        self.message, self.date = message, date
        self.table = "t_m%d" % serial
        self.filename = None


class Project:
    def __init__(self, tmp, style, url):
        self.root = tmp
        self.versions = os.path.join(tmp, "versions")
        os.makedirs(self.versions)
        self.style, self.url = style, url
        with open(os.path.join(tmp, "env.py"), "w") as f:
            f.write(ENV_PY)
        tmpl = DATED if style.dated else None
        with open(os.path.join(tmp, "alembic.ini"), "w") as f:
            f.write("[alembic]\nscript_location = %(here)s\n")
            if tmpl:
                f.write("file_template = %s\n" % tmpl.replace("%", "%%"))
            f.write("sqlalchemy.url = postgresql://unused.invalid/x\n")
        self.template = tmpl
        self.migs = []

    def lit(self, s):
        return "%s%s%s" % (self.style.quote, s, self.style.quote)

    def down_lit(self, down):
        if not down:
            return "None"
        if len(down) == 1:
            return self.lit(down[0])
        return "(%s)" % ", ".join(self.lit(d) for d in down)

    def name_for(self, m, rev=None):
        rev = rev or m.rev
        slug = "_".join(re.findall(r"\w+", m.message)).lower()
        if self.template:
            y, mo, d, h, mi = m.date
            return "%04d_%02d_%02d_%02d%02d-%s_%s.py" % (y, mo, d, h, mi, rev, slug)
        return "%s_%s.py" % (rev, slug)

    def text(self, m, rev=None, doc_rev=None, down=None):
        rev = rev or m.rev
        doc_rev = doc_rev or rev
        down = m.down if down is None else down
        st = self.style
        y, mo, d, h, mi = m.date
        out = ['"""%s' % m.message, "", "Revision ID: %s" % doc_rev,
               "Revises: %s" % ", ".join(down),
               "Create Date: %04d-%02d-%02d %02d:%02d:07.123456" % (y, mo, d, h, mi), "", '"""']
        if st.annotated:
            out += ["from typing import Sequence, Union", ""]
        out += ["from alembic import op", "", "",
                "# revision identifiers, used by Alembic."]
        if st.annotated:
            out += ["revision: str = %s" % self.lit(rev),
                    "down_revision: Union[str, None] = %s" % self.down_lit(down)]
            if st.extra_lines:
                out += ["branch_labels: Union[str, Sequence[str], None] = None",
                        "depends_on: Union[str, Sequence[str], None] = None"]
        else:
            out += ["revision = %s" % self.lit(rev), "down_revision = %s" % self.down_lit(down)]
            if st.extra_lines:
                out += ["branch_labels = None", "depends_on = None"]
        ret = " -> None" if st.annotated else ""
        out += ["", "", "def upgrade()%s:" % ret,
                "    op.execute(\"CREATE TABLE %s (id integer)\")" % m.table,
                "", "", "def downgrade()%s:" % ret,
                "    op.execute(\"DROP TABLE %s\")" % m.table, ""]
        return "\n".join(out)

    def add(self, m, write=True, **kw):
        self.migs.append(m)
        if write:
            m.filename = kw.pop("filename", None) or self.name_for(m, kw.get("rev"))
            with open(os.path.join(self.versions, m.filename), "w") as f:
                f.write(self.text(m, **kw))
        return m

    def files(self):
        # The real Alembic writes versions/__pycache__ unless the environment
        # says not to (PYTHONDONTWRITEBYTECODE, set on some machines and not on
        # a fresh one): only the files are the repository's.
        return sorted(n for n in os.listdir(self.versions)
                      if os.path.isfile(os.path.join(self.versions, n)))

    def snapshot(self):
        out = {}
        for n in self.files():
            with open(os.path.join(self.versions, n), "rb") as f:
                out[n] = f.read()
        return out

    # -- the real tools

    def env(self):
        e = dict(os.environ)
        e["DATABASE_URL"] = self.url
        e.pop("AG_QUICK", None)
        return e

    def alembic(self, *args):
        return subprocess.run([PY, "-m", "alembic", "-c", "alembic.ini", *args], cwd=self.root,
                              env=self.env(), capture_output=True, text=True, timeout=120)

    def guard(self, *args):
        return subprocess.run([guard_bin(), *args], cwd=self.root, env=self.env(),
                              capture_output=True, text=True, timeout=60)


class DB:
    def __init__(self, url):
        self.url = url

    def run(self, *stmts):
        conn = psycopg2.connect(self.url)
        try:
            with conn, conn.cursor() as cur:
                for s in stmts:
                    cur.execute(s)
        finally:
            conn.close()

    def query(self, sql):
        conn = psycopg2.connect(self.url)
        try:
            with conn, conn.cursor() as cur:
                cur.execute(sql)
                return cur.fetchall()
        finally:
            conn.close()

    def production(self, ran, rows, table="alembic_version"):
        """The state production is in: the tables of the migrations it ran,
        and the version table's rows."""
        stmts = ["CREATE TABLE %s (id integer)" % m.table for m in ran]
        stmts.append("CREATE TABLE %s (version_num VARCHAR(32) NOT NULL, "
                     "CONSTRAINT %s_pkc PRIMARY KEY (version_num))" % (table, table))
        stmts += ["INSERT INTO %s VALUES ('%s')" % (table, r) for r in rows]
        self.run(*stmts)

    def rows(self, table="alembic_version"):
        return sorted(r[0] for r in self.query("SELECT version_num FROM %s" % table))

    def tables(self):
        return {r[0] for r in self.query(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}


# ---- the generator ------------------------------------------------------------


def ancestors(migs, target):
    """target and every migration it descends from, in order."""
    by = {m.rev: m for m in migs}
    want, todo = set(), [target.rev]
    while todo:
        r = todo.pop()
        if r in want or r not in by:
            continue
        want.add(r)
        todo += by[r].down
    return [m for m in migs if m.rev in want]


class Gen:
    def __init__(self, rng, style):
        self.rng, self.style = rng, style
        self.serial = 0
        self.day = 0
        self.used = set()

    def new_id(self):
        while True:
            if self.style.ids == "hex":
                rid = "%012x" % self.rng.getrandbits(48)
            else:
                rid = "%s_%03d" % (self.rng.choice(
                    ["guest_lockout", "kilo", "add_votes", "django", "acct", "fix"]),
                    self.rng.randrange(1000))
            if rid not in self.used:
                self.used.add(rid)
                return rid

    def mig(self, down, rev=None):
        self.serial += 1
        self.day += 1
        words = self.rng.choice(["add votes", "Create Guests!", "guest vote lockout",
                                 "drop old index", "backfill user.email", "merge heads"])
        date = (2026, 1 + self.day // 28 % 12, 1 + self.day % 28, self.rng.randrange(24),
                self.rng.randrange(60))
        return Mig(rev or self.new_id(), down, self.serial, words, date)

    def history(self, p, n):
        """A history of about n migrations, sometimes with a branch and a
        merge; returns the list and the head."""
        out = []
        head = None
        i = 0
        while i < n:
            if head and i + 3 <= n and self.rng.random() < 0.25:
                l = p.add(self.mig([head]))
                r = p.add(self.mig([head]))
                m = p.add(self.mig([l.rev, r.rev]))
                out += [l, r, m]
                head = m.rev
                i += 3
                continue
            m = p.add(self.mig([head] if head else []))
            out.append(m)
            head = m.rev
            i += 1
        return out, head


# ---- the cases ----------------------------------------------------------------


class RepairCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-repair.")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def project(self, style, name="repair"):
        _, url = harness.pg().create_db(name)
        root = tempfile.mkdtemp(dir=self.tmp)
        return Project(root, style, url), DB(url)

    def ok(self, r, code=0, msg=""):
        self.assertEqual(r.returncode, code,
                         "%s\nexit %d, want %d\nstdout:\n%s\nstderr:\n%s" % (
                             msg, r.returncode, code, r.stdout, r.stderr))

    def assert_upgrade_fails(self, p, why):
        r = p.alembic("upgrade", "head")
        self.assertNotEqual(r.returncode, 0, "%s: Alembic should fail before the repair\n%s"
                            % (why, r.stdout + r.stderr))
        return r

    def assert_repaired(self, p, db, why, migs):
        """The real upgrade succeeds, nothing was skipped, the guard agrees."""
        r = p.guard("lint")
        self.ok(r, 0, why + ": lint after the repair")
        r = p.guard("check")
        self.ok(r, 0, why + ": check after the repair (before the upgrade)")
        r = p.alembic("upgrade", "head")
        self.ok(r, 0, why + ": alembic upgrade head after the repair")
        tables = db.tables()
        for m in migs:
            self.assertIn(m.table, tables, "%s: migration %s (%s) never ran" % (why, m.rev, m.table))
        # The generator knows the graph: the version table holds its head.
        named = {d for m in p.migs for d in m.down}
        heads = sorted(m.rev for m in p.migs if m.rev not in named)
        self.assertEqual(db.rows(), heads, why + ": the version table is at the head")
        self.ok(p.guard("check", "--require-at-head"), 0, why + ": check --require-at-head")


class TestGenerated(RepairCase):
    """The generated broken projects (at least 50 per run)."""

    def test_generated_cases(self):
        rng = random.Random(SEED)
        kinds = ["placeholder-child", "placeholder-ahead", "renamed", "duplicate"]
        counts = dict.fromkeys(kinds, 0)
        for i in range(CASES):
            kind = kinds[i % len(kinds)]
            style = Style(rng)
            why = "case %d (%s; %s; seed %d)" % (i, kind, style.describe(), SEED)
            with self.subTest(case=i, kind=kind):
                getattr(self, "case_" + kind.replace("-", "_"))(rng, style, why)
                counts[kind] += 1
        self.assertEqual(sum(counts.values()), CASES)
        self.assertGreaterEqual(CASES, 12 if QUICK else 50)

    # -- a migration production ran, whose file is missing; a child names it

    def case_placeholder_child(self, rng, style, why):
        p, db = self.project(style)
        g = Gen(rng, style)
        hist, head = g.history(p, rng.randrange(1, 6))
        missing = g.mig([head])
        p.migs.append(missing)  # production ran it; its file is gone
        kids = [p.add(g.mig([missing.rev]))]
        if rng.random() < 0.3:
            # two children name it, then a merge
            kids.append(p.add(g.mig([missing.rev])))
            kids.append(p.add(g.mig([kids[0].rev, kids[1].rev])))
        elif rng.random() < 0.5:
            kids.append(p.add(g.mig([kids[0].rev])))
        # The database is at the missing id, or it ran the first child too.
        at_child = rng.random() < 0.25
        ran = hist + [missing] + ([kids[0]] if at_child else [])
        db.production(ran, [kids[0].rev if at_child else missing.rev])
        self.assert_upgrade_fails(p, why)
        if not at_child:
            r = p.guard("check", "--format", "json")
            self.ok(r, 1, why)
            f = [f for f in json.loads(r.stdout)["findings"] if f["code"] == "unknown-db-revision"]
            self.assertEqual(f[0]["cause"], "placeholder-needed", why)
        before = p.snapshot()
        r = p.guard("backfill", missing.rev)
        self.ok(r, 0, why + ": dry run")
        self.assertEqual(p.snapshot(), before, why + ": a dry run writes nothing")
        self.assertRegex(r.stdout, r"\n\+down_revision(: [^=\n]+)? = %s\n" % re.escape(p.lit(head)), why)
        r = p.guard("backfill", missing.rev, "--write")
        self.ok(r, 0, why + ": backfill --write")
        new = sorted(set(p.files()) - set(before))
        self.assertEqual(len(new), 1, why)
        self.check_placeholder(p, new[0], missing.rev, [head], why)
        self.assert_repaired(p, db, why, hist + kids)

    def check_placeholder(self, p, name, rev, parents, why):
        if p.template:
            self.assertRegex(name, r"^\d{4}_\d\d_\d\d_\d{4}-%s_placeholder\.py$" % re.escape(rev), why)
        else:
            self.assertEqual(name, "%s_placeholder.py" % rev, why)
        with open(os.path.join(p.versions, name)) as f:
            text = f.read()
        q = p.style.quote
        if p.style.annotated:
            self.assertIn("revision: str = %s%s%s\n" % (q, rev, q), text, why)
            self.assertIn("from typing import Sequence, Union\n", text, why)
        else:
            self.assertIn("\nrevision = %s%s%s\n" % (q, rev, q), text, why)
        self.assertEqual("depends_on" in text, p.style.extra_lines, why)
        self.assertIn("Revision ID: %s\nRevises: %s\n" % (rev, ", ".join(parents)), text, why)
        self.assertIn("alembic-guard backfill", text, why)
        # What Alembic itself reads from the file.
        code = ("import sys, importlib.util as u; s = u.spec_from_file_location('m', sys.argv[1]); "
                "m = u.module_from_spec(s); s.loader.exec_module(m); "
                "print(m.revision, m.down_revision, m.upgrade(), m.downgrade())")
        r = subprocess.run([PY, "-c", code, os.path.join(p.versions, name)], capture_output=True,
                           text=True)
        self.ok(r, 0, why + ": the placeholder runs")
        down = parents[0] if len(parents) == 1 else tuple(parents)
        self.assertEqual(r.stdout.strip(), "%s %s None None" % (rev, down), why)

    # -- the database is ahead: nothing names the missing id

    def case_placeholder_ahead(self, rng, style, why):
        p, db = self.project(style)
        g = Gen(rng, style)
        hist, head = g.history(p, rng.randrange(1, 5))
        missing = g.mig([head])
        p.migs.append(missing)
        # Newer migrations production has not run, written on top of the
        # old head (the developer never had the missing file).
        newer = []
        for _ in range(rng.choice([0, 0, 1, 2])):
            newer.append(p.add(g.mig([newer[-1].rev if newer else head])))
        db.production(hist + [missing], [missing.rev])
        self.assert_upgrade_fails(p, why)
        before = p.snapshot()
        r = p.guard("backfill", missing.rev)
        self.ok(r, 2, why + ": no child names it: the guard cannot choose")
        self.assertIn("--after", r.stderr, why)
        self.assertIn("skip that revision forever", r.stderr, why)
        if newer:
            r = p.guard("backfill", missing.rev, "--after", head)
            self.ok(r, 2, why + ": after the old head alone, two heads")
            self.assertIn("2 heads", r.stderr, why)
            r = p.guard("backfill", missing.rev, "--after", head, "--repoint", newer[0].rev,
                        "--write")
            self.ok(r, 0, why + ": --after --repoint --write")
            self.assertIn("-down_revision", r.stdout, why + ": the re-point is shown as a diff")
            newer[0].down = [missing.rev]
        else:
            r = p.guard("backfill", missing.rev, "--after", head, "--write")
            self.ok(r, 0, why + ": --after --write")
        new = sorted(set(p.files()) - set(before))
        self.assertEqual(len(new), 1, why)
        self.check_placeholder(p, new[0], missing.rev, [head], why)
        self.assert_repaired(p, db, why, hist + newer)

    # -- a revision id changed while the database holds the old one

    def case_renamed(self, rng, style, why):
        p, db = self.project(style)
        g = Gen(rng, style)
        n = rng.randrange(2, 6)
        hist, head = g.history(p, n)
        # the revision production is at: the head, or one in the middle
        k = rng.randrange(len(hist))
        target = hist[k]
        ran = ancestors(hist, target)
        old = target.rev
        new = g.new_id()
        kids_updated = rng.random() < 0.5
        doc_kept = rng.random() < 0.5
        # rename the file and its id by hand, the way it goes wrong
        os.unlink(os.path.join(p.versions, target.filename))
        target.rev = new
        target.filename = p.name_for(target)
        with open(os.path.join(p.versions, target.filename), "w") as f:
            f.write(p.text(target, doc_rev=old if doc_kept else new))
        if kids_updated:
            for m in hist:
                if old in m.down:
                    m.down = [new if d == old else d for d in m.down]
                    with open(os.path.join(p.versions, m.filename), "w") as f:
                        f.write(p.text(m))
        db.production(ran, [old])
        self.assert_upgrade_fails(p, why)
        before = p.snapshot()
        use_id = not doc_kept or rng.random() < 0.5
        args = ["rename", "--id", old, new] if use_id else ["rename"]
        r = p.guard(*args)
        self.ok(r, 0, why + ": dry run")
        self.assertEqual(p.snapshot(), before, why + ": a dry run changes nothing")
        sql = "UPDATE alembic_version SET version_num = '%s' WHERE version_num = '%s';" % (new, old)
        self.assertIn(sql, r.stdout, why)
        self.assertEqual(db.rows(), [old], why + ": a dry run leaves the database alone")
        r = p.guard(*args, "--write", "--apply")
        self.ok(r, 0, why + ": rename --write --apply")
        for m in p.migs:
            m.down = [new if d == old else d for d in m.down]
        self.assertIn("updated 1 row", r.stdout, why)
        self.assertEqual(db.rows(), [new], why)
        with open(os.path.join(p.versions, target.filename)) as f:
            text = f.read()
        self.assertIn("Revision ID: %s\n" % new, text, why)
        for name in p.files():
            with open(os.path.join(p.versions, name)) as f:
                self.assertNotIn("'%s'" % old, f.read().replace('"', "'"), why + ": " + name)
        self.assert_repaired(p, db, why, hist)

    # -- a rename that copied instead of moving

    def case_duplicate(self, rng, style, why):
        p, db = self.project(style)
        g = Gen(rng, style)
        hist, head = g.history(p, rng.randrange(2, 6))
        victim = rng.choice(hist)
        copy_name = "old_%s.py" % victim.message.lower().replace(" ", "_").replace("!", "").replace(".", "_")
        with open(os.path.join(p.versions, victim.filename)) as f:
            text = f.read()
        differs = rng.random() < 0.25
        with open(os.path.join(p.versions, copy_name), "w") as f:
            f.write(("# an older edit\n" if differs else "") + text)
        # production ran up to some revision (or nothing: a fresh database)
        at = rng.choice(hist + [None])
        db.production(ancestors(hist, at) if at else [], [at.rev] if at else [])
        self.assert_upgrade_fails(p, why)
        before = p.snapshot()
        r = p.guard("rename")
        self.assertEqual(p.snapshot(), before, why + ": a dry run changes nothing")
        self.assertIn(copy_name, r.stdout, why + "\n" + r.stderr)
        r = p.guard("rename", "--write")
        if differs:
            # Shown with the diff, never deleted; still an error.
            self.ok(r, 1, why + ": a copy that differs is left for a person")
            self.assertIn("not deleted", r.stdout, why)
            self.assertIn("+# an older edit", r.stdout, why)
            self.assertIn(copy_name, p.files(), why)
            self.assert_upgrade_fails(p, why + " (after refusing to delete)")
            os.unlink(os.path.join(p.versions, copy_name))
        else:
            self.ok(r, 0, why + ": rename --write deletes the identical copy")
            self.assertIn("deleted", r.stdout, why)
            self.assertNotIn(copy_name, p.files(), why)
            self.assertIn(victim.filename, p.files(), why)
        self.assert_repaired(p, db, why, hist)


# ---- the refusals and the rest ------------------------------------------------


class TestBackfill(RepairCase):
    def simple(self, annotated=False):
        style = Style(random.Random(1))
        style.annotated, style.quote, style.extra_lines, style.dated = annotated, "'", True, False
        p, db = self.project(style)
        g = Gen(random.Random(2), style)
        a = p.add(g.mig([], rev="a1"))
        b = p.add(g.mig(["a1"], rev="b2"))
        return p, db, g, [a, b]

    def test_refusals(self):
        p, db, g, _ = self.simple()
        p.add(g.mig(["a1"], rev="c3"))  # a branch: b2 and c3
        p.add(g.mig(["miss"], rev="d4"))
        db.production([], ["miss"])
        before = p.snapshot()
        cases = [
            (["b2"], "already defines it"),
            (["bad-id"], "Alembic refuses"),
            (["bad@id"], "Alembic refuses"),
            (["bad+id"], "Alembic refuses"),
            (["nowhere"], "does not hold it"),
            (["miss"], "2 candidates for its parent (b2, c3)"),
            (["miss", "--after", "b2"], "2 heads"),
            (["miss", "--after", "nosuch"], "no file defines revision nosuch"),
            (["miss", "--repoint", "nosuch"], "--repoint nosuch"),
            (["miss", "--after", "b2", "--dir", self.tmp], "not one of the version locations"),
            (["miss", "other", "--after", "b2"], "exactly one"),
        ]
        for args, want in cases:
            with self.subTest(args=args):
                r = p.guard("backfill", *args, "--write")
                self.ok(r, 2, "backfill %s" % args)
                self.assertIn(want, r.stderr)
                self.assertEqual(r.stdout, "")
                self.assertEqual(p.snapshot(), before)
        # --format json: the refusal as a finding, verdict error
        r = p.guard("backfill", "b2", "--format", "json")
        self.ok(r, 2)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["verdict"], "error")
        self.assertEqual(doc["findings"][0]["code"], "repair-refused")
        self.assertIn("already defines it", doc["findings"][0]["message"])

    def test_never_overwrites(self):
        p, db, g, _ = self.simple()
        p.add(g.mig(["miss"], rev="c3"))
        target = os.path.join(p.versions, "miss_placeholder.py")
        with open(target, "w") as f:
            f.write("# someone's work\n")
        r = p.guard("backfill", "miss", "--write")
        self.ok(r, 2)
        self.assertIn("never overwrites", r.stderr)
        with open(target) as f:
            self.assertEqual(f.read(), "# someone's work\n")

    def test_without_database_and_json(self):
        p, db, g, migs = self.simple(annotated=True)
        p.add(g.mig(["miss"], rev="c3"))
        env_url = p.url
        p.url = "postgresql://nobody@127.0.0.1:1/none"  # unreachable: the files alone
        r = p.guard("backfill", "--format", "json")  # no REV: every missing id
        p.url = env_url
        self.ok(r, 0)
        self.assertIn("could not be read", r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["command"], "backfill")
        self.assertEqual(doc["verdict"], "ok")
        self.assertEqual(doc["repository"]["heads"], ["c3"])
        rep = doc["repair"]
        self.assertFalse(rep["written"])
        self.assertEqual(len(rep["actions"]), 1)
        a = rep["actions"][0]
        self.assertEqual(a["action"], "create")
        self.assertEqual(a["revision"], "miss")
        self.assertTrue(a["file"].endswith("versions/miss_placeholder.py"))
        self.assertIn("+revision: str = 'miss'\n", a["diff"])
        self.assertIn("+down_revision: Union[str, None] = 'b2'\n", a["diff"])
        self.assertFalse(os.path.exists(os.path.join(p.versions, "miss_placeholder.py")))
        # nothing missing: nothing to do
        r = p.guard("backfill", "--write")
        self.ok(r, 0)
        r = p.guard("backfill")
        self.ok(r, 0)
        self.assertIn("nothing to backfill", r.stdout)

    def test_merge_placeholder(self):
        """Production ran a merge of two heads whose file is missing."""
        p, db, g, migs = self.simple()
        c = p.add(g.mig(["a1"], rev="c3"))
        missing = g.mig(["b2", "c3"], rev="merge9")
        p.migs.append(missing)
        db.production(migs + [c, missing], ["merge9"])
        self.assert_upgrade_fails(p, "merge")
        r = p.guard("backfill", "merge9", "--after", "b2,c3", "--write")
        self.ok(r, 0)
        with open(os.path.join(p.versions, "merge9_placeholder.py")) as f:
            text = f.read()
        self.assertIn("down_revision = ('b2', 'c3')\n", text)
        self.assertIn("Revises: b2, c3\n", text)
        self.assert_repaired(p, db, "merge", migs + [c])

    def test_examples_incident(self):
        """The incident of `make demo`, repaired by backfill itself."""
        app = os.path.join(self.tmp, "app")
        shutil.copytree(os.path.join(ROOT, "examples", "guestbook"), app)
        _, url = harness.pg().create_db("guestbook")
        env = dict(os.environ, DATABASE_URL=url)
        hist = os.path.join(self.tmp, "hist")
        shutil.copytree(app, hist)
        os.unlink(os.path.join(hist, "migrations", "versions", "9d7e6f5a4b3c_guest_vote_lockout.py"))

        def alembic(cwd, *args):
            return subprocess.run([PY, "-m", "alembic", "-c", "alembic.ini", *args], cwd=cwd,
                                  env=env, capture_output=True, text=True, timeout=120)

        def guard(*args):
            return subprocess.run([guard_bin(), *args], cwd=app, env=env, capture_output=True,
                                  text=True, timeout=60)

        self.ok(alembic(hist, "upgrade", "head"))
        DB(url).run("UPDATE alembic_version SET version_num = 'guest_lockout_001'")
        r = alembic(app, "upgrade", "head")
        self.assertNotEqual(r.returncode, 0)
        self.ok(guard("check"), 1)
        r = guard("backfill", "guest_lockout_001")
        self.ok(r, 0)
        self.assertFalse(os.path.exists(os.path.join(
            app, "migrations", "versions", "guest_lockout_001_placeholder.py")))
        r = guard("backfill", "guest_lockout_001", "--write")
        self.ok(r, 0)
        path = os.path.join(app, "migrations", "versions", "guest_lockout_001_placeholder.py")
        with open(path) as f:
            text = f.read()
        self.assertIn("revision = 'guest_lockout_001'\ndown_revision = '8c1d2e3f4a5b'\n", text)
        self.ok(guard("check"), 0)
        r = guard("heads")
        self.ok(r, 0)
        self.assertEqual(r.stdout.split()[0], "9d7e6f5a4b3c")
        self.ok(alembic(app, "upgrade", "head"))
        self.ok(guard("check", "--require-at-head"), 0)
        self.assertEqual(DB(url).rows(), ["9d7e6f5a4b3c"])
        cols = DB(url).query("SELECT column_name FROM information_schema.columns "
                             "WHERE table_name = 'guests'")
        self.assertIn(("vote_locked_until",), cols)


class TestRename(RepairCase):
    def simple(self):
        style = Style(random.Random(3))
        style.annotated, style.quote, style.extra_lines, style.dated = False, "'", True, False
        p, db = self.project(style)
        g = Gen(random.Random(4), style)
        migs = [p.add(g.mig([], rev="a1")), p.add(g.mig(["a1"], rev="b2")),
                p.add(g.mig(["b2"], rev="c3"))]
        return p, db, g, migs

    def test_full_rename_with_apply(self):
        """A healthy project: an id changed everywhere, files and database together."""
        p, db, g, migs = self.simple()
        db.production(migs[:2], ["b2"])
        self.ok(p.alembic("upgrade", "head"))  # healthy before
        DB(p.url).run("DROP TABLE %s" % migs[2].table,
                      "UPDATE alembic_version SET version_num = 'b2'")
        r = p.guard("rename", "--id", "b2", "b2renamed", "--format", "json")
        self.ok(r, 0)
        doc = json.loads(r.stdout)
        rep = doc["repair"]
        self.assertEqual(rep["sql"], [
            "UPDATE alembic_version SET version_num = 'b2renamed' WHERE version_num = 'b2';"])
        kinds = sorted((a["action"], os.path.basename(a["file"])) for a in rep["actions"])
        self.assertEqual(kinds, [("edit", migs[2].filename), ("rename", migs[1].filename)])
        self.assertFalse(rep["written"])
        self.assertIsNone(rep["rows_updated"])
        # --apply alone would move the database to an id no file defines yet
        r = p.guard("rename", "--id", "b2", "b2renamed", "--apply")
        self.ok(r, 2)
        self.assertIn("--write", r.stderr)
        self.assertEqual(db.rows(), ["b2"])
        r = p.guard("rename", "--id", "b2", "b2renamed", "--write", "--apply", "--format", "json")
        self.ok(r, 0)
        doc = json.loads(r.stdout)
        self.assertTrue(doc["repair"]["written"])
        self.assertTrue(doc["repair"]["applied"])
        self.assertEqual(doc["repair"]["rows_updated"], 1)
        self.assertEqual(doc["database"]["revisions"], ["b2renamed"])
        self.assertEqual(db.rows(), ["b2renamed"])
        self.assertIn(p.name_for(migs[1], "b2renamed"), p.files())
        self.assert_repaired(p, db, "full rename", migs)

    def test_apply_zero_rows_is_a_finding(self):
        p, db, g, migs = self.simple()
        db.production(migs, ["c3"])  # the database never held b2's old id
        r = p.guard("rename", "--id", "b2", "b2new", "--write", "--apply", "--format", "json")
        self.ok(r, 1)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["repair"]["rows_updated"], 0)
        f = [f for f in doc["findings"] if f["code"] == "version-row-missing"]
        self.assertEqual(len(f), 1)
        self.assertEqual(f[0]["severity"], "error")
        self.assertIn("0 rows", f[0]["message"])
        self.assertEqual(db.rows(), ["c3"])
        # The files were renamed; the database was right all along.
        self.ok(p.guard("check"), 0)

    def test_apply_both_rows_is_a_conflict(self):
        p, db, g, migs = self.simple()
        db.production(migs[:2], ["b2", "oldb2"])
        r = p.guard("rename", "--id", "oldb2", "b2", "--apply", "--format", "json")
        self.ok(r, 1)
        doc = json.loads(r.stdout)
        f = [f for f in doc["findings"] if f["code"] == "version-row-conflict"]
        self.assertEqual(len(f), 1, doc["findings"])
        self.assertEqual(doc["repair"]["rows_updated"], 0)
        self.assertEqual(db.rows(), ["b2", "oldb2"])

    def test_custom_version_table(self):
        p, db, g, migs = self.simple()
        db.production(migs[:2], ["oldb2"], table="app_versions")
        # finish a half-done rename: the file says b2, the table oldb2
        os.rename(os.path.join(p.versions, migs[1].filename),
                  os.path.join(p.versions, "oldb2_legacy.py"))
        r = p.guard("--version-table", "app_versions", "rename", "--write", "--apply")
        self.ok(r, 0)
        self.assertIn("UPDATE app_versions SET version_num = 'b2' WHERE version_num = 'oldb2';",
                      r.stdout)
        self.assertEqual(db.rows("app_versions"), ["b2"])
        self.assertIn(migs[1].filename, p.files())

    def test_refusals(self):
        p, db, g, migs = self.simple()
        taken = os.path.join(p.versions, "d4_taken.py")
        p.add(g.mig(["c3"], rev="d4"), filename="odd_name.py")
        with open(os.path.join(p.versions, p.name_for(p.migs[-1])), "w") as f:
            f.write("# in the way\n")
        before = p.snapshot()
        cases = [
            (["--id", "b2", "b-2"], "Alembic refuses"),
            (["--id", "b2", "b2"], "to itself"),
            (["--id", "b2", "a1"], "two revisions cannot share an id"),
            (["--id", "zz", "yy"], "no file defines either id"),
            (["--id", "b2", "x" * 33], "VARCHAR(32)"),
            (["--only", "odd_name.py"], "never overwrites"),
            (["--only", "nonexistent.py"], "no migration file"),
            (["--id", "b2"], "the old and the new id"),
            (["--id", "b2", "b3", "--only", "x.py"], "do not go together"),
        ]
        for args, want in cases:
            with self.subTest(args=args):
                r = p.guard("rename", *args, "--write")
                self.ok(r, 2, "rename %s" % args)
                self.assertIn(want, r.stderr)
                self.assertEqual(p.snapshot(), before)
        self.assertFalse(os.path.exists(taken))
        # --apply needs a database
        r = p.guard("rename", "--apply", "--database-url", "postgresql://nobody@127.0.0.1:1/x")
        self.ok(r, 3)
        self.assertEqual(p.snapshot(), before)

    def test_names_to_the_template(self):
        p, db, g, migs = self.simple()
        os.rename(os.path.join(p.versions, migs[2].filename), os.path.join(p.versions, "third.py"))
        r = p.guard("rename", "--write")
        self.ok(r, 0)
        self.assertIn("renamed", r.stdout)
        self.assertIn(migs[2].filename, p.files())
        self.assertNotIn("third.py", p.files())
        r = p.guard("rename")
        self.ok(r, 0)
        self.assertIn("nothing to rename", r.stdout)

    def test_file_made_without_a_message(self):
        """`alembic revision` without -m writes "empty message" and names the
        file REV_.py (an empty slug): a new id gets the name Alembic would
        give it, NEW_.py, as Alembic itself names one with --rev-id."""
        def init(name):
            root = os.path.join(self.tmp, name)
            os.mkdir(root)
            self.ok(subprocess.run([PY, "-m", "alembic", "init", "migrations"], cwd=root,
                                   capture_output=True, text=True), 0, "alembic init")
            return root, os.path.join(root, "migrations", "versions")
        root, versions = init("nomsg")
        alembic = [PY, "-m", "alembic"]
        self.ok(subprocess.run(alembic + ["revision", "--rev-id", "aaaa1111"], cwd=root,
                               capture_output=True, text=True), 0, "alembic revision")
        # (a fresh machine writes bytecode: __pycache__ is left out)
        def py(d):
            return sorted(f for f in os.listdir(d) if f.endswith(".py"))
        self.assertEqual(py(versions), ["aaaa1111_.py"])
        with open(os.path.join(versions, "aaaa1111_.py")) as f:
            self.assertTrue(f.read().startswith('"""empty message'))
        r = subprocess.run([guard_bin(), "rename", "--versions", versions, "--id", "aaaa1111",
                            "bbbb2222", "--write"], cwd=root, capture_output=True, text=True)
        self.ok(r, 0, "rename --id")
        # What Alembic names the same revision made with that id.
        other, other_versions = init("nomsg2")
        self.ok(subprocess.run(alembic + ["revision", "--rev-id", "bbbb2222"], cwd=other,
                               capture_output=True, text=True), 0)
        want = py(other_versions)
        self.assertEqual(want, ["bbbb2222_.py"])
        self.assertEqual(py(versions), want)
        r = subprocess.run(alembic + ["heads"], cwd=root, capture_output=True, text=True)
        self.ok(r, 0, "alembic heads after the rename")
        self.assertIn("bbbb2222", r.stdout)
        r = subprocess.run([guard_bin(), "lint", "--versions", versions], cwd=root,
                           capture_output=True, text=True)
        self.ok(r, 0, "lint after the rename")
        self.assertNotIn("file-name-convention", r.stdout)


if __name__ == "__main__":
    unittest.main()
