"""The real Alembic judges the release gate.

For at least 200 generated scenarios per run (random graphs, random stamps
including unknown ids, prefixes, overlapping rows and branches), alembic-guard
`check` runs against the scenario's version table, and Debian's Alembic
(/usr/bin/python3, in one batch process) runs `upgrade head` on the same
table. exit 0 must mean the upgrade succeeds, exit 1 that it fails.

Where the design deliberately blocks what Alembic lets through, the scenario
goes to its own list and the block is asserted instead:
  - duplicate-revision: Alembic silently picks one of the two files;
  - partial-db-revision: Alembic accepts a prefix once, then writes a second
    row and breaks the next upgrade.

Each scenario's version table lives in its own schema of one database
(--version-table-schema), and the migrations are no-ops, so scenarios do
not disturb each other and no database has to be copied.
"""
import json
import os
import random
import shutil
import subprocess
import tempfile
import unittest

import harness

SCENARIOS = 60 if os.environ.get("AG_QUICK") else 220
SEED = int(os.environ.get("AG_SEED", "20261124"))

ENV_PY = '''
from alembic import context
from sqlalchemy import create_engine
cfg = context.config
engine = create_engine(cfg.get_main_option("sqlalchemy.url"))
with engine.connect() as conn:
    context.configure(connection=conn, version_table_schema=cfg.get_main_option("ag_schema"))
    with context.begin_transaction():
        context.run_migrations()
'''

BATCH = r'''
import json, sys, io, contextlib, warnings
from alembic.config import Config
from alembic import command
out = []
for job in json.load(sys.stdin):
    cfg = Config()
    cfg.set_main_option("script_location", job["dir"])
    cfg.set_main_option("version_locations", job["dir"] + "/versions")
    cfg.set_main_option("sqlalchemy.url", job["url"])
    cfg.set_main_option("ag_schema", job["schema"])
    buf = io.StringIO()
    try:
        with contextlib.redirect_stdout(buf), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            command.upgrade(cfg, "head")
        out.append({"ok": True, "error": None})
    except BaseException as e:
        out.append({"ok": False, "error": "%s: %s" % (type(e).__name__, e)})
print(json.dumps(out))
'''


def gen_scenario(rnd, idx):
    """A random graph and a random stamp. Returns (files, stamp, kind)."""
    n = rnd.randint(2, 8)
    words = ["kilo", "lima", "mike", "oscar", "papa", "guest_lockout", "django", "tango"]
    ids = []
    for i in range(n):
        if rnd.random() < 0.6:
            rid = "%012x" % rnd.getrandbits(48)
        else:
            rid = "%s_%03d" % (rnd.choice(words), idx * 10 + i)
        ids.append(rid)
    files = []  # (rev, down, filename)
    heads = []
    for i, rid in enumerate(ids):
        if i == 0:
            down = None
        else:
            r = rnd.random()
            if r < 0.6:
                down = ids[i - 1]
            elif r < 0.75 and len(heads) >= 2:
                down = tuple(rnd.sample(heads, 2))
            elif r < 0.85:
                down = rnd.choice(ids[:i])
            elif r < 0.9:
                down = None
            else:
                down = ids[i - 1]
        files.append([rid, down, None])
        downs = [] if down is None else ([down] if isinstance(down, str) else list(down))
        heads = [h for h in heads if h not in downs] + [rid]
    kind = "plain"
    defect = rnd.random()
    if defect < 0.06:
        # a duplicate id: a second file with the same revision
        src = rnd.choice(files)
        files.append([src[0], src[1], "zz_copy_of_%s.py" % src[0]])
        kind = "duplicate"
    elif defect < 0.1:
        files.append(["dang%03d" % idx, "ghost%03d" % idx, None])
    # the stamp
    r = rnd.random()
    known = [f[0] for f in files]
    if r < 0.12:
        stamp = None  # no table
    elif r < 0.2:
        stamp = []
    elif r < 0.5:
        stamp = [rnd.choice(known)]
    elif r < 0.65:
        stamp = rnd.sample(sorted(set(known)), min(2, len(set(known))))
    elif r < 0.78:
        stamp = ["unknown_%03d" % idx]
    elif r < 0.86:
        hexes = [k for k in known if len(k) == 12 and all(c in "0123456789abcdef" for c in k)]
        if hexes:
            stamp = [rnd.choice(hexes)[:6]]
            if sum(1 for k in set(known) if k.startswith(stamp[0])) == 1:
                kind = "partial" if kind == "plain" else kind
        else:
            stamp = [known[-1]]
    elif r < 0.93:
        stamp = [rnd.choice(known), "unknown_%03d" % idx]
    else:
        stamp = list(sorted(set(heads)))
    return files, stamp, kind


class TestAgreementWithAlembic(unittest.TestCase):
    def test_generated_scenarios(self):
        pg = harness.pg()
        dbname, url = pg.create_db("agree")
        rnd = random.Random(SEED)
        tmp = tempfile.mkdtemp(prefix="ag-agree.")
        jobs, meta = [], []
        try:
            conn = pg.conn(dbname)
            cur = conn.cursor()
            for i in range(SCENARIOS):
                files, stamp, kind = gen_scenario(rnd, i)
                d = os.path.join(tmp, "s%03d" % i)
                versions = os.path.join(d, "versions")
                os.makedirs(versions)
                with open(os.path.join(d, "env.py"), "w") as f:
                    f.write(ENV_PY)
                for rid, down, fname in files:
                    harness.write_migration(versions, rid, down, filename=fname)
                schema = "s%03d" % i
                cur.execute('CREATE SCHEMA "%s"' % schema)
                if stamp is not None:
                    harness.stamp(url, *stamp, schema=schema)
                jobs.append({"dir": d, "url": url, "schema": schema})
                meta.append((i, files, stamp, kind, versions, schema))
            conn.close()

            guard = []
            for i, files, stamp, kind, versions, schema in meta:
                r = harness.run_guard("check", "--format", "json", "--versions", versions,
                                      "--database-url", url, "--version-table-schema", schema)
                self.assertIn(r.returncode, (0, 1), "scenario %d: %s" % (i, r.stderr))
                guard.append((r.returncode, json.loads(r.stdout)))

            res = subprocess.run([harness.PY, "-c", BATCH], input=json.dumps(jobs), text=True,
                                 capture_output=True, timeout=900)
            self.assertEqual(res.returncode, 0, res.stderr[-2000:])
            alembic = json.loads(res.stdout)

            disagreements, deliberate, counts = [], [], {"ok": 0, "blocked": 0}
            for (i, files, stamp, kind, versions, schema), (rc, doc), al in zip(meta, guard, alembic):
                codes = {f["code"] for f in doc["findings"] if f["severity"] == "error"}
                counts["ok" if rc == 0 else "blocked"] += 1
                if "duplicate-revision" in codes or "partial-db-revision" in codes:
                    deliberate.append(i)
                    self.assertEqual(rc, 1)
                    continue
                if kind in ("duplicate", "partial"):
                    disagreements.append((i, "expected a deliberate block", rc, sorted(codes), al))
                    continue
                if (rc == 0) != al["ok"]:
                    keep = tempfile.mkdtemp(prefix="ag-agree-fail.")
                    shutil.copytree(os.path.dirname(versions), os.path.join(keep, "s"))
                    disagreements.append((i, keep, rc, sorted(codes), stamp, al["error"]))
            print("\nagreement: %d scenarios (seed %d): %d ok, %d blocked, %d deliberate blocks, "
                  "%d disagreements" % (len(meta), SEED, counts["ok"], counts["blocked"],
                                        len(deliberate), len(disagreements)))
            self.assertGreaterEqual(len(meta), 60 if os.environ.get("AG_QUICK") else 200)
            self.assertEqual(disagreements, [])
        finally:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
