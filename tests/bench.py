#!/usr/bin/python3
"""make bench: how long alembic-guard takes, beside Alembic and beside the
floor of reading the bytes at all (cat). Timings live here, not in tests.

Generates directories of 1,000, 3,000 and 10,000 realistic migrations (~3 KB
each: docstring header, imports, annotated or plain assignments, an upgrade()
body), then prints the median wall time of:
  alembic-guard heads         (the binary under test; and with AG_THREADS=1)
  cat versions/*.py >/dev/null (the floor: reading the bytes)
  /usr/bin/python3 -m alembic heads
and the peak memory of alembic-guard. With a PostgreSQL (started here
through tests/integration/harness.py) it also times `alembic-guard check`
against `alembic current` + `alembic heads` on the 10,000 directory, and
beside the floor. --alembic-reps 0 leaves Alembic out (the slow part).
"""
import argparse
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PY = "/usr/bin/python3"

BODY = '''

def upgrade():
    op.create_table(
        "table_{n}",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(), server_default=sa.func.now(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=True),
        sa.Column("owner_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=True),
    )
    op.create_index("ix_table_{n}_name", "table_{n}", ["name"], unique=False)
    op.add_column("table_{n}", sa.Column("status", sa.String(length=20), server_default="new"))
    # A comment that says revision = "not-this-one", which must be ignored.
    op.execute("UPDATE table_{n} SET status = 'revision = x'")


def downgrade():
    op.drop_index("ix_table_{n}_name", table_name="table_{n}")
    op.drop_column("table_{n}", "status")
    op.drop_table("table_{n}")
'''


def make_dir(root, n, seed=1):
    rnd = random.Random(seed)
    versions = os.path.join(root, "versions")
    os.makedirs(versions)
    prev = None
    for i in range(n):
        rev = "%012x" % rnd.getrandbits(48)
        annotated = i % 2 == 0
        doc = '"""step %d: add table_%d\n\nRevision ID: %s\nRevises: %s\nCreate Date: 2026-01-01 00:00:%02d\n\n"""\n' % (
            i, i, rev, prev or "", i % 60)
        head = "from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n\n"
        if annotated:
            vars_ = ('revision: str = "%s"\ndown_revision: Union[str, None] = %s\n'
                     'branch_labels: Union[str, Sequence[str], None] = None\n'
                     'depends_on: Union[str, Sequence[str], None] = None\n') % (
                rev, repr(prev) if prev else "None")
        else:
            vars_ = ("revision = '%s'\ndown_revision = %s\nbranch_labels = None\ndepends_on = None\n") % (
                rev, repr(prev) if prev else "None")
        text = doc + head + "# revision identifiers, used by Alembic.\n" + vars_ + BODY.format(n=i)
        text += "\n# " + "padding " * ((3000 - len(text)) // 8) + "\n" if len(text) < 3000 else ""
        with open(os.path.join(versions, "%s_add_table_%d.py" % (rev, i)), "w") as f:
            f.write(text)
        prev = rev
    with open(os.path.join(root, "alembic.ini"), "w") as f:
        f.write("[alembic]\nscript_location = %(here)s\nversion_locations = %(here)s/versions\n")
    with open(os.path.join(root, "env.py"), "w") as f:
        f.write(ENV_PY)
    return versions


ENV_PY = '''
import os
from alembic import context
from sqlalchemy import create_engine
url = os.environ.get("BENCH_URL")
if context.is_offline_mode() or not url:
    context.configure(url=url or "postgresql://", literal_binds=True)
    with context.begin_transaction():
        context.run_migrations()
else:
    engine = create_engine(url)
    with engine.connect() as conn:
        context.configure(connection=conn)
        with context.begin_transaction():
            context.run_migrations()
'''


def timeit(cmd, reps, cwd=None, env=None, shell=False):
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        r = subprocess.run(cmd, cwd=cwd, env=env, shell=shell, stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE)
        times.append(time.perf_counter() - t)
        if r.returncode not in (0, 1):
            sys.exit("bench: %s failed (%d): %s" % (cmd, r.returncode, r.stderr.decode()[-500:]))
    return statistics.median(times)


def peak_rss_kb(cmd, cwd=None):
    """Peak RSS of one run, from wait4's rusage (not the cumulative children max)."""
    pid = os.fork()
    if pid == 0:
        if cwd:
            os.chdir(cwd)
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execv(cmd[0], cmd)
    _, _, ru = os.wait4(pid, 0)
    return ru.ru_maxrss


def fmt(s):
    return "%8.1f ms" % (s * 1000)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--bin", required=True)
    ap.add_argument("--sizes", default="1000,3000,10000")
    ap.add_argument("--reps", type=int, default=7)
    ap.add_argument("--alembic-reps", type=int, default=3, help="0: do not time Alembic")
    ap.add_argument("--no-db", action="store_true")
    ap.add_argument("--preflight-only", action="store_true",
                    help="only the pre-flight figure (50 pending migrations against head)")
    ap.add_argument("--static", default=os.path.join(os.path.dirname(HERE), "build", "alembic-guard-static"),
                    help="also time this static binary when it exists")
    a = ap.parse_args()
    binary = os.path.abspath(a.bin)
    tmp = tempfile.mkdtemp(prefix="ag-bench.")
    if a.preflight_only:
        try:
            with_pg(lambda pg: bench_preflight(binary, tmp, pg, a))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        return
    try:
        print("alembic-guard bench (median wall time; files warm in the page cache)")
        print("machine: %d cores" % os.cpu_count())
        results = {}
        for n in [int(x) for x in a.sizes.split(",")]:
            root = os.path.join(tmp, "m%d" % n)
            versions = make_dir(root, n)
            files = os.listdir(versions)
            total = sum(os.path.getsize(os.path.join(versions, f)) for f in files)
            largest = max(os.path.getsize(os.path.join(versions, f)) for f in files)
            # warm the cache
            subprocess.run("cat versions/*.py > /dev/null", shell=True, cwd=root)
            guard = timeit([binary, "heads", "--versions", versions], a.reps)
            one = timeit([binary, "heads", "--versions", versions], a.reps,
                         env=dict(os.environ, AG_THREADS="1"))
            static = None
            if a.static and os.path.exists(a.static):
                static = timeit([a.static, "heads", "--versions", versions], a.reps)
            cat = timeit("cat versions/*.py > /dev/null", a.reps, cwd=root, shell=True)
            alembic = None
            if a.alembic_reps:
                alembic = timeit([PY, "-m", "alembic", "-c", os.path.join(root, "alembic.ini"), "heads"],
                                 a.alembic_reps, cwd=root)
            rss = peak_rss_kb([binary, "heads", "--versions", versions])
            results[n] = (guard, cat, alembic)
            print("\n%d migrations (%.1f MB, largest file %d bytes)" % (n, total / 1e6, largest))
            print("  alembic-guard heads        %s   (one reader thread: %s)" % (fmt(guard), fmt(one).strip()))
            if static is not None:
                print("  alembic-guard-static heads %s" % fmt(static))
            print("  cat versions/*.py (floor)  %s   guard/cat = %.2f%s" % (
                fmt(cat), guard / cat, "" if static is None else ", static/cat = %.2f" % (static / cat)))
            if alembic is not None:
                print("  python3 -m alembic heads   %s   alembic/guard = %.1fx" % (fmt(alembic), alembic / guard))
            print("  alembic-guard peak RSS     %8d KB" % rss)
        if not a.no_db:
            with_pg(lambda pg: (bench_check(binary, os.path.join(tmp, "m10000"), pg, a, results[10000][1])
                                if 10000 in results else None,
                                bench_preflight(binary, tmp, pg, a)))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def with_pg(fn):
    """Runs FN(pg) with a PostgreSQL of tests/integration/harness.py, started
    here and stopped after."""
    sys.path.insert(0, os.path.join(HERE, "integration"))
    import harness
    pg = harness.Pg()
    try:
        pg.start()
        fn(pg)
    finally:
        pg.stop()


def bench_check(binary, root, pg, a, cat):
    import harness
    _, url = pg.create_db("bench")
    versions = os.path.join(root, "versions")
    heads = subprocess.run([binary, "heads", "--versions", versions], capture_output=True,
                           text=True).stdout.split()[0]
    harness.stamp(url, heads)
    env = dict(os.environ, BENCH_URL=url)
    guard = timeit([binary, "check", "--versions", versions, "--database-url", url], a.reps)
    print("\ncheck against a local PostgreSQL, 10000 migrations, database at head")
    print("  alembic-guard check                  %s   check/cat = %.2f" % (fmt(guard), guard / cat))
    if a.alembic_reps:
        cur = timeit([PY, "-m", "alembic", "-c", os.path.join(root, "alembic.ini"), "current"],
                     a.alembic_reps, cwd=root, env=env)
        hd = timeit([PY, "-m", "alembic", "-c", os.path.join(root, "alembic.ini"), "heads"],
                    a.alembic_reps, cwd=root, env=env)
        print("  alembic current + alembic heads      %s   (%.1fx)" % (fmt(cur + hd), (cur + hd) / guard))
    bench_rows(binary, versions, pg, a)


def bench_rows(binary, versions, pg, a):
    """A version table of 10,000 rows, the shapes that were quadratic: every
    row unknown (each gets its diagnosis), and every row a revision of the
    chain (each but the newest overlaps). The figure is the check minus the
    same check against a one-row table: what the rows cost."""
    ids = sorted(os.path.basename(f).split("_")[0] for f in os.listdir(versions))
    shapes = (("10000 unknown rows", ["x%011d" % i for i in range(10000)]),
              ("10000 overlapping rows", ids[:10000]))
    _, url = pg.create_db("benchrows")
    harness_stamp = sys.modules["harness"].stamp_replace
    harness_stamp(url, ids[0])
    base = timeit([binary, "check", "--versions", versions, "--database-url", url], a.reps)
    print("\ncheck with a large version table, 10000 migrations (the rows' own cost beside)")
    for label, rows in shapes:
        harness_stamp(url, *rows)
        t = timeit([binary, "check", "--versions", versions, "--database-url", url], a.reps)
        print("  %-28s %s   rows cost %s" % (label, fmt(t), fmt(max(0.0, t - base))))


def base_revision(versions):
    """The id of make_dir's first migration (its down_revision is None)."""
    for f in os.listdir(versions):
        text = open(os.path.join(versions, f)).read()
        if "Revises: \n" in text:
            return text.split("Revision ID: ")[1].split("\n")[0]
    sys.exit("bench: no base revision in %s" % versions)


def bench_preflight(binary, tmp, pg, a):
    """Issue 13's budget: one `check` with 50 pending migrations (the bodies
    of make_dir: create_table with a foreign key, create_index, add_column
    with a server_default, op.execute) against the same check at head. Two
    databases brought there by the real `alembic upgrade` (the first
    revision applied; all of them), on loopback; the runs alternate between
    them so that the machine's load weighs on both alike. The difference
    is what reading the catalog and replaying 50 migrations costs."""
    import json
    import harness
    root = os.path.join(tmp, "pf51")
    versions = make_dir(root, 51, seed=13)
    ini = os.path.join(root, "alembic.ini")
    urls = {}
    for label, target in (("pending", None), ("head", "head")):
        _, url = pg.create_db("benchpf")
        c = harness._connect(url)
        try:
            c.cursor().execute("CREATE TABLE users (id serial PRIMARY KEY, email text)")
        finally:
            c.close()
        if target is None:
            target = base_revision(versions)
        r = subprocess.run([PY, "-m", "alembic", "-c", ini, "upgrade", target], cwd=root,
                           env=dict(os.environ, BENCH_URL=url), capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("bench: alembic upgrade %s failed: %s" % (target, r.stderr[-800:]))
        urls[label] = url
    cmd = {k: [binary, "check", "--versions", versions, "--database-url", u]
           for k, u in urls.items()}
    doc = json.loads(subprocess.run(cmd["pending"] + ["--format", "json"], capture_output=True,
                                    text=True).stdout)
    codes = {}
    for f in doc["findings"]:
        codes[f["code"]] = codes.get(f["code"], 0) + 1
    reps = max(a.reps, 21)
    wall = {"pending": [], "head": []}
    cpu = {"pending": [], "head": []}
    load = os.getloadavg()[0]
    for _ in range(reps):
        for k in ("pending", "head"):
            w, c = wall_and_cpu(cmd[k])
            wall[k].append(w)
            cpu[k].append(c)
    med = {k: statistics.median(v) for k, v in wall.items()}
    low = {k: min(v) for k, v in wall.items()}
    mcpu = {k: statistics.median(v) for k, v in cpu.items()}
    print("\npre-flight: check with %d pending migrations against the same check at head "
          "(local PostgreSQL on loopback, %d runs each, alternating; load average %.1f on %d "
          "cores)" % (len(doc["pending"]), reps, load, os.cpu_count()))
    print("  findings with 50 pending       %s" % ", ".join(
        "%s %d" % kv for kv in sorted(codes.items())))
    print("                                 median wall   fastest wall   guard's CPU")
    for k, label in (("pending", "check, 50 pending"), ("head", "check, at head")):
        print("  %-30s %s    %s    %s" % (label, fmt(med[k]), fmt(low[k]), fmt(mcpu[k])))
    print("  pre-flight's added cost        %s    %s    %s   (issue 13 allows 20 ms)"
          % (fmt(med["pending"] - med["head"]), fmt(low["pending"] - low["head"]),
             fmt(mcpu["pending"] - mcpu["head"])))
    if load > os.cpu_count():
        print("  (the machine was busy: wall times include waiting for a core; the fastest "
              "runs and the CPU column are the better figures)")


def wall_and_cpu(cmd):
    """Wall time and the process's own CPU time (user + system, from wait4)."""
    t = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        fd = os.open(os.devnull, os.O_WRONLY)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        os.execv(cmd[0], cmd)
    _, status, ru = os.wait4(pid, 0)
    w = time.perf_counter() - t
    if os.waitstatus_to_exitcode(status) not in (0, 1):
        sys.exit("bench: %s failed" % cmd)
    return w, ru.ru_utime + ru.ru_stime


if __name__ == "__main__":
    main()
