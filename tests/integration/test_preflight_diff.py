"""Pre-flight (issue 13), judged by the real `alembic upgrade head`.

At least 300 generated scenarios (gen_preflight.py; AG_QUICK=1: 100), each
in its own schema of one database: a schema state made by real DDL, an
Alembic project whose applied revisions are stamped, and pending migrations
drawn to hit every pre-flight rule and its near misses. For each, the guard
runs `check --format json` first (search_path set in the URL's `options`,
as a Heroku app sets it in the database), then Debian's Alembic runs
`upgrade head` on the same schema (one batch process for all) and reports
whether it failed and at which op: the innermost traceback frame in a
migration file.

Required:
  - no scenario where the guard reports an error and the upgrade succeeds;
  - of the failing upgrades in the covered classes (object-exists,
    object-missing, not-null-without-default, foreign-key-mismatch), at
    least 95% predicted: the guard's first error in upgrade order is at the
    failing op's file and line (the rest are listed);
  - op.execute raw SQL is never an error, and gets a not-judged finding;
  - Alembic does what each variant means to do (else the generator, not the
    guard, is wrong).

The lock-risk warnings are checked on their own tables (TestLockRisk).
AG_PREFLIGHT_SEED picks another seed; AG_PREFLIGHT_N another count.
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import harness
import gen_preflight as gen

QUICK = os.environ.get("AG_QUICK") == "1"
COUNT = int(os.environ.get("AG_PREFLIGHT_N", "100" if QUICK else "320"))
SEED = int(os.environ.get("AG_PREFLIGHT_SEED", "20261203"))
PREFLIGHT = set(gen.COVERED) | {"lock-risk", "not-judged"}

# Every job in one Python: Alembic's import would dominate otherwise.
BATCH = r'''
import contextlib, io, json, os, sys, traceback, warnings
import sqlalchemy as sa
from alembic import command
from alembic.config import Config

# One connection for every job (a connection costs a fork and a SCRAM
# exchange): the job's search_path is set and committed first; Alembic's
# transaction rolls back on failure and leaves the session usable.
eng = sa.create_engine(sys.argv[1], poolclass=sa.pool.NullPool)
out = []
with eng.connect() as c:
    for job in json.load(sys.stdin):
        with c.begin():
            c.execute(sa.text("SELECT set_config('search_path', :p, false)"), {"p": job["path"]})
        cfg = Config(os.path.join(job["dir"], "alembic.ini"))
        cfg.attributes["connection"] = c
        res = {"error": None, "file": None, "line": None}
        try:
            with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                command.upgrade(cfg, "head")
        except Exception as e:
            msg = str(e).strip().splitlines()
            res["error"] = "%s: %s" % (type(e).__name__, msg[0] if msg else "")
            versions = os.path.join(job["dir"], "versions") + os.sep
            for fr in traceback.extract_tb(e.__traceback__):
                if fr.filename.startswith(versions):
                    res["file"], res["line"] = os.path.basename(fr.filename), fr.lineno
        with c.begin():
            res["at"] = [r[0] for r in c.execute(sa.text("SELECT version_num FROM alembic_version"))]
        out.append(res)
json.dump(out, sys.stdout)
'''


def guard_url(dbname, path):
    """The scenario's search_path travels in the URL, as libpq allows. TLS is
    tested elsewhere; here its handshake would only cost time."""
    return harness.pg().url(dbname, options=quote("-csearch_path=" + path, safe=""),
                            sslmode="disable")


def check(root, url):
    """The guard's JSON report of `check` in project ROOT."""
    r = harness.run_guard("check", "--format", "json", "-c", "alembic.ini", "--versions",
                          "versions", "--database-url", url, cwd=root, timeout=60)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    return r.returncode, doc, r.stderr


def run_alembic(url, jobs):
    r = subprocess.run([harness.PY, "-c", BATCH, url], input=json.dumps(jobs), text=True,
                       capture_output=True, timeout=900)
    if r.returncode != 0:
        raise AssertionError("the Alembic batch failed:\n" + r.stderr[-4000:])
    return json.loads(r.stdout)


class Outcome:
    """One scenario's guard report against Alembic's verdict."""

    def __init__(self, sc, files, rc, doc, stderr, res):
        self.sc, self.files, self.rc, self.doc, self.res = sc, files, rc, doc, res
        self.problems = []
        if doc is None or rc not in (0, 1):
            self.problems.append("guard exit %d, no JSON report: %s" % (rc, stderr.strip()[-300:]))
            doc = {"findings": []}
        self.findings = doc.get("findings") or []
        self.errors = [f for f in self.findings if f.get("severity") == "error"]
        if doc.get("findings") is not None and (rc == 1) != bool(self.errors):
            self.problems.append("exit %d with %d error findings" % (rc, len(self.errors)))
        self.failed = res["error"] is not None
        self.fail_at = (res["file"], res["line"]) if self.failed else None
        self.first = self._first_error()

    def where(self, f):
        return (os.path.basename(f.get("file") or ""), f.get("line"))

    def _first_error(self):
        """The earliest error in upgrade order, as (file, line, finding)."""
        best = None
        for f in self.errors:
            name, line = self.where(f)
            if name not in self.files or not isinstance(line, int):
                self.problems.append("error outside the pending migrations: %s" % short(f))
                continue
            key = (self.files.index(name), line)
            if best is None or key < best[0]:
                best = (key, f)
        return None if best is None else (self.files[best[0][0]], best[0][1], best[1])

    def failing_op(self):
        if not self.failed or self.res["file"] is None:
            return None
        return self.sc.op_at(self.files, self.res["file"], self.res["line"])


def short(f):
    return "%s:%s %s [%s] %s" % (os.path.basename(f.get("file") or "-"), f.get("line"),
                                 f.get("severity"), f.get("code"), (f.get("message") or "")[:160])


class TestPreflightDiff(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ag-pfdiff.")
        cls.dbname, _ = harness.pg().create_db("pfdiff")
        cls.url = harness.pg().url(cls.dbname, sslmode="disable")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def setup_schemas(self, scs):
        c = harness.pg().conn(self.dbname)
        try:
            cur = c.cursor()
            for sc in scs:
                # One round trip per scenario: the statements as one string.
                stmts = sc.setup_sql() + [
                    "CREATE TABLE %s.alembic_version (version_num varchar(32) NOT NULL, "
                    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))" % sc.schema,
                    "INSERT INTO %s.alembic_version VALUES ('%s')" % (sc.schema, sc.applied)]
                cur.execute(";\n".join(stmts))
        finally:
            c.close()

    def test_generated_scenarios(self):
        rng = random.Random(SEED)
        scs = gen.scenarios(rng, COUNT)
        t0 = time.monotonic()
        projects = []
        for sc in scs:
            root = os.path.join(self.tmp, sc.schema)
            versions, sc.applied, files = sc.write(root)
            projects.append((sc, root, files))
        self.setup_schemas(scs)
        t1 = time.monotonic()
        # Two at a time: each check mostly waits for its connection.
        with ThreadPoolExecutor(max_workers=2) as pool:
            reports = list(pool.map(lambda p: check(p[1], guard_url(self.dbname,
                                                                    p[0].search_path())),
                                    projects))
        t2 = time.monotonic()
        jobs = [{"dir": root, "path": sc.search_path()} for sc, root, _ in projects]
        results = run_alembic(self.url, jobs)
        t3 = time.monotonic()
        outcomes = [Outcome(sc, files, *rep, res)
                    for (sc, _, files), rep, res in zip(projects, reports, results)]
        self.judge(outcomes, (t1 - t0, t2 - t1, t3 - t2))

    def judge(self, outcomes, times):
        problems, intent, false_pos, misses, raw_errors, raw_unnamed = [], [], [], [], [], []
        covered = predicted = failed = uncovered = same_code = 0
        raw_ops = raw_judged = 0
        per_class = {}
        for o in outcomes:
            sc = o.sc
            tag = "%s %s" % (sc.schema, sc.describe())
            problems += ["%s: %s" % (tag, p) for p in o.problems]
            probe_file, probe_line = sc.probe_at(o.files)
            op = o.failing_op()
            # Does Alembic do what the variant means?
            if sc.expect == "fail" and (not o.failed or op is None or op.role != "probe"):
                intent.append("%s: meant to fail at %s:%d; Alembic: %s at %s"
                              % (tag, probe_file, probe_line, o.res["error"] or "upgraded",
                                 o.fail_at))
            want = [sc.applied] if o.failed else [o.files[-1][:-3]]
            if o.res["at"] != want:
                intent.append("%s: alembic_version holds %s afterwards, not %s"
                              % (tag, o.res["at"], want))
            if sc.expect == "ok" and o.failed:
                intent.append("%s: meant to pass; Alembic: %s at %s"
                              % (tag, o.res["error"], o.fail_at))
            stats = per_class.setdefault(sc.cls, [0, 0, 0, 0])  # scenarios, failed, predicted, fp
            stats[0] += 1
            if not o.failed:
                if o.errors:
                    stats[3] += 1
                    false_pos.append("%s: upgraded, but the guard says %s"
                                     % (tag, "; ".join(short(f) for f in o.errors)))
            else:
                failed += 1
                stats[1] += 1
                if sc.cls in gen.COVERED and op is not None and op.role == "probe":
                    covered += 1
                    first = o.first
                    if first and (first[0], first[1]) == o.fail_at:
                        predicted += 1
                        stats[2] += 1
                        same_code += first[2].get("code") == sc.cls
                    else:
                        there = [short(f) for f in o.findings if o.where(f) == o.fail_at]
                        misses.append("%s: Alembic fails at %s:%s (%s); the guard's first "
                                      "error: %s; its findings there: %s"
                                      % (tag, o.fail_at[0], o.fail_at[1], o.res["error"][:160],
                                         short(first[2]) if first else "none",
                                         "; ".join(there) or "none"))
                else:
                    uncovered += 1
            # Raw SQL, batch operations, values only Python knows: never an
            # error, always named as not judged (on a line of the op).
            for name, ops in zip(o.files, sc.pending):
                for p in ops:
                    if not (p.lines[0].lstrip().startswith("op.execute(") or
                            (p.role == "probe" and sc.cls in ("batch", "python"))):
                        continue
                    raw_ops += 1
                    span = range(p.line, p.line + len(p.lines))
                    here = [f for f in o.findings
                            if o.where(f)[0] == name and o.where(f)[1] in span]
                    if any(f.get("severity") == "error" for f in here):
                        raw_errors.append("%s: error at %s:%d: %s" % (
                            tag, name, p.line, "; ".join(short(f) for f in here)))
                    if any(f.get("code") == "not-judged" for f in here):
                        raw_judged += 1
                    else:
                        raw_unnamed.append("%s: %s:%d not named; findings there: %s" % (
                            tag, name, p.line, "; ".join(short(f) for f in here) or "none"))
        print("\npre-flight against alembic upgrade head: %d scenarios (seed %d), %d upgrades "
              "failed; covered classes: %d failed, %d predicted at the failing op's file and "
              "line (%.1f%%; %d with the code of the variant's class), %d missed; %d failed outside "
              "them (raw SQL, batch, Python values); %d false alarms (guard error, upgrade "
              "succeeded); op.execute, batch and Python-value ops: %d, %d named not-judged, "
              "%d errors; setup %.1f s, guard %.1f s, Alembic %.1f s"
              % ((len(outcomes), SEED, failed, covered, predicted,
                 100.0 * predicted / covered if covered else 0.0, same_code, covered - predicted,
                 uncovered,
                 len(false_pos), raw_ops, raw_judged, len(raw_errors)) + tuple(times)),
              file=sys.stderr)
        for cls in sorted(per_class, key=str):
            n, f, p, fp = per_class[cls]
            print("  %-26s %3d scenarios, %3d failed, %3d predicted, %d false alarms"
                  % (cls, n, f, p, fp), file=sys.stderr)
        for title, lst in (("MISSED", misses), ("FALSE ALARM", false_pos),
                           ("RAW SQL ERROR", raw_errors), ("NOT NAMED", raw_unnamed),
                           ("GENERATOR", intent),
                           ("PROBLEM", problems)):
            for line in lst:
                print("  %s: %s" % (title, line), file=sys.stderr)
        self.assertGreaterEqual(len(outcomes), 100 if QUICK else 300)
        self.assertEqual(intent, [], "Alembic does not do what these variants mean")
        self.assertEqual(problems, [])
        self.assertEqual(false_pos, [], "the guard blocked upgrades that succeed")
        self.assertEqual(raw_errors, [], "what the guard cannot judge must never be an error")
        self.assertEqual(raw_unnamed, [], "what the guard cannot judge must be named not-judged")
        # Both sides must be well represented, or the figures prove little.
        self.assertGreaterEqual(covered, len(outcomes) // 4)
        self.assertGreaterEqual(failed, len(outcomes) // 4)
        self.assertLessEqual(failed, len(outcomes) * 3 // 4)
        self.assertGreaterEqual(predicted * 100, covered * 95,
                                "%d of %d covered failures predicted" % (predicted, covered))


LOCK_HEAD = '''"""{rev}

Revision ID: {rev}
Revises: a1
Create Date: 2026-12-03 07:00:00

"""
from alembic import op
import sqlalchemy as sa

revision = {rev!r}
down_revision = 'a1'
branch_labels = None
depends_on = None


def upgrade():
'''
BASE_MIG = LOCK_HEAD.replace("Revises: a1", "Revises:").replace("'a1'", "None").format(rev="a1") \
    + "    pass\n"

# (op.* line, whether it takes a long blocking lock on a table of `big` size)
LOCK_OPS = [
    ("op.create_index('ix_big_n', 'big', ['n'])", True),
    ("op.create_index('ix_big_t', 'big', ['t'], postgresql_concurrently=True)", False),
    ("op.alter_column('big', 'n', type_=sa.BigInteger())", True),
    ("op.create_foreign_key('fk_big_parent', 'big', 'parent', ['n'], ['id'])", True),
    ("op.create_index('ix_small_n', 'small', ['n'])", False),
    ("op.alter_column('small', 'n', type_=sa.BigInteger())", False),
    ("op.create_foreign_key('fk_small_parent', 'small', 'parent', ['n'], ['id'])", False),
    ("op.create_table('fresh', sa.Column('id', sa.Integer(), primary_key=True), "
     "sa.Column('n', sa.Integer()))", False),
    ("op.create_index('ix_fresh_n', 'fresh', ['n'])", False),
]


class TestLockRisk(unittest.TestCase):
    """lock-risk on tables past the threshold (reltuples after ANALYZE), with
    the estimate in the message; not with postgresql_concurrently=True, on
    a small table, or on a table the pending path creates. The threshold is
    lowered to 1,000 rows by the lock_risk_rows setting for most of it;
    one table of 120,000 rows checks the default of 100,000."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ag-pflock.")
        cls.dbname, _ = harness.pg().create_db("pflock")
        cls.url = harness.pg().url(cls.dbname, sslmode="disable")
        c = harness.pg().conn(cls.dbname)
        try:
            cur = c.cursor()
            cur.execute(";\n".join([
                "CREATE TABLE parent (id integer PRIMARY KEY)",
                "CREATE TABLE big (id integer PRIMARY KEY, n integer, t text)",
                "INSERT INTO big SELECT i, NULL, 't' FROM generate_series(1, 5000) i",
                "CREATE TABLE small (id integer PRIMARY KEY, n integer)",
                "INSERT INTO small SELECT i FROM generate_series(1, 50) i",
                "CREATE TABLE huge (n integer)",
                "INSERT INTO huge SELECT generate_series(1, 120000)",
                "ANALYZE parent, big, small, huge"]))
            cur.execute("SELECT relname, reltuples FROM pg_class WHERE relname IN "
                        "('big', 'small', 'huge')")
            cls.reltuples = {n: int(t) for n, t in cur.fetchall()}
        finally:
            c.close()
        harness.stamp(cls.url, "a1")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def project(self, name, setting, ops):
        """A project whose one pending migration holds OPS, one a line;
        returns (dir, {line: op})."""
        root = os.path.join(self.tmp, name)
        versions = os.path.join(root, "versions")
        os.makedirs(versions)
        with open(os.path.join(root, "alembic.ini"), "w") as f:
            f.write("[alembic]\nscript_location = %(here)s\n")
            if setting:
                f.write("\n[alembic-guard]\n%s\n" % setting)
        with open(os.path.join(versions, "a1.py"), "w") as f:
            f.write(BASE_MIG)
        head = LOCK_HEAD.format(rev="b2")
        first = head.count("\n") + 1
        with open(os.path.join(versions, "b2.py"), "w") as f:
            f.write(head + "".join("    %s\n" % o for o in ops))
        return root, {first + i: o for i, o in enumerate(ops)}

    def locks(self, root, *extra):
        r = harness.run_guard("check", "--format", "json", "-c", "alembic.ini", "--versions",
                              "versions", "--database-url", self.url, *extra, cwd=root)
        doc = json.loads(r.stdout)
        return r.returncode, doc, [f for f in doc["findings"] if f["code"] == "lock-risk"]

    def assert_estimate(self, f, table):
        self.assertEqual(f["severity"], "warning", f)
        self.assertEqual(os.path.basename(f["file"]), "b2.py", f)
        self.assertIn(table, f["message"])
        # The estimate as pg_class has it, however the digits are grouped.
        self.assertIn(str(self.reltuples[table]), f["message"].replace(",", ""), f)

    def test_lowered_threshold(self):
        self.assertEqual(self.reltuples["big"], 5000)
        root, lines = self.project("lowered", "lock_risk_rows = 1000", [o for o, _ in LOCK_OPS])
        rc, doc, found = self.locks(root)
        self.assertEqual(rc, 0, doc)
        self.assertEqual(doc["verdict"], "ok")
        want = sorted(l for l, o in lines.items() if dict(LOCK_OPS)[o])
        self.assertEqual(sorted(f["line"] for f in found), want,
                         "\n".join("%s %s" % (f["line"], f["message"]) for f in found))
        for f in found:
            self.assert_estimate(f, "big")
        # --strict: a warning blocks.
        rc, doc, _ = self.locks(root, "--strict")
        self.assertEqual(rc, 1, doc)

    def test_default_threshold(self):
        self.assertGreaterEqual(self.reltuples["huge"], 100000)
        ops = ["op.create_index('ix_huge_n', 'huge', ['n'])",
               "op.create_index('ix_big_n', 'big', ['n'])"]
        root, lines = self.project("default", None, ops)
        rc, doc, found = self.locks(root)
        self.assertEqual(rc, 0, doc)
        self.assertEqual([f["line"] for f in found], [min(lines)], found)
        self.assert_estimate(found[0], "huge")
        # A threshold above the table: silent.
        root, lines = self.project("raised", "lock_risk_rows = 200000", ops)
        self.assertEqual(self.locks(root)[2], [])


if __name__ == "__main__":
    unittest.main()
