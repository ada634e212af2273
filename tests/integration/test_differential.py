"""Three real Alembics judge the revision graph.

At least 500 random migration directories per run (AG_QUICK=1: 150), made by
gen_migrations.py from a fixed seed (AG_DIFF_SEED overrides it; AG_DIFF_COUNT
the number), go to every side:

  - alembic-guard: `heads -v --format json --alembic-version V --versions
    DIR` (or, for a directory with a configuration, from the directory with
    no --versions, ALEMBIC_CONFIG set when the case says so), once per
    directory and Alembic;
  - each Alembic: Debian 12's 1.8.1 (installed), Debian 13's 1.13.2 and
    Debian unstable's 1.18.4 (tests/oracles.sh fetches and unpacks them; they
    run from PYTHONPATH), all on /usr/bin/python3 (never the python3 on
    PATH), each in ONE process for all directories:
    ScriptDirectory(dir, version_locations=[versions]) -- or, for a
    configuration, ScriptDirectory.from_config(Config(...)) built as the
    `alembic` command line builds it -- with the whole map built
    (`_revision_map`) and `heads`/`bases` computed.

Per directory and Alembic:
  - Alembic refused the configuration (CommandError and the like): the guard
    exits 2;
  - Alembic raised (a load error, KeyError, CycleDetected, RevisionError...):
    the guard exits 1 with an error finding whose code fits the exception
    (dangling-down-revision for a missing down_revision, cycle for a cycle...);
  - Alembic warned "Revision X is present more than once" (a duplicate id: a
    deploy error by design): the guard reports duplicate-revision;
  - Alembic succeeded: the guard has no other error finding, and its graph is
    Alembic's: heads, bases, merge points, branch points, and for every
    revision its down_revisions, depends_on, branch_labels (after Alembic
    spreads them), file and head flag; the files it read are the files
    Alembic loaded. One allowance: where the unused copy of a duplicate id
    carries a branch label, where that label lands depends on the order in
    which Alembic iterates a set of Revision objects (their addresses), so
    the guard's labels must match Alembic's for one of the two listing
    orders; the guard blocks such a directory (duplicate-revision) anyway.

A disagreement is minimised (files, then lines, while the disagreement stays)
and printed with the directory's contents; the directories are kept on disk.
The hand-written cases at the bottom pin the trickiest syntax forms.

Also: AG_BIN (the binary, as everywhere), AG_DIFF_KEEP=1 (keep the
directories), AG_DIFF_VERBOSE=1 (how often each generator feature occurred),
AG_DIFF_HASHSEED (Alembic's PYTHONHASHSEED, default 0; its answers do not
depend on it, which this lets you check).
"""
import json
import os
import random
import shutil
import subprocess
import tempfile
import threading
import time
import unittest
from concurrent.futures import ThreadPoolExecutor

import harness
import gen_migrations

QUICK = bool(os.environ.get("AG_QUICK"))
COUNT = int(os.environ.get("AG_DIFF_COUNT") or (150 if QUICK else 520))
SEED = int(os.environ.get("AG_DIFF_SEED") or "20261201")
KEEP = bool(os.environ.get("AG_DIFF_KEEP"))

# The judge: one Python process, one JSON job per stdin line, one JSON result
# per stdout line (in order). The migration files run as modules; what they
# print goes to stderr, so stdout stays ours.
JUDGE = r'''
import json, os, sys, warnings
sys.dont_write_bytecode = True
out = sys.stdout
sys.stdout = sys.stderr
from alembic.script import ScriptDirectory
from alembic.script.revision import RevisionMap

def tup(x):
    if x is None:
        return ()
    if isinstance(x, str):
        return (x,)
    return tuple(x)

def strs(xs):
    return [x if isinstance(x, str) else repr(x) for x in xs]

def script_directory(job):
    if not job.get("cli"):
        return ScriptDirectory(job["dir"], version_locations=[job["versions"]])
    # As the `alembic` command line: from the directory, ALEMBIC_CONFIG (read
    # when the parser is built in 1.8, when the files are chosen in 1.16+),
    # alembic.ini and, from 1.16, pyproject.toml.
    os.chdir(job["dir"])
    if job.get("env"):
        os.environ["ALEMBIC_CONFIG"] = job["env"]
    else:
        os.environ.pop("ALEMBIC_CONFIG", None)
    from alembic.config import CommandLine, Config
    cl = CommandLine(prog="alembic")
    options = cl.parser.parse_args(["heads"])
    if hasattr(cl, "_inis_from_config"):
        toml, ini = cl._inis_from_config(options)
        cfg = Config(file_=ini, toml_file=toml, ini_section=options.name, cmd_opts=options)
    else:
        cfg = Config(file_=options.config, ini_section=options.name, cmd_opts=options)
    return ScriptDirectory.from_config(cfg)

def labels_in_order(job, backwards):
    """The branch labels when _add_branches takes its sources in listing
    order (or the reverse) instead of the order of a set of objects."""
    loaded = []
    sd = script_directory(job)
    rm = sd.revision_map
    gen = rm._generator
    def recording():
        for r in gen():
            loaded.append(r)
            yield r
    rm._generator = recording
    orig = RevisionMap._add_branches
    def ordered(self, revisions, map_):
        pos = {id(r): i for i, r in enumerate(loaded)}
        return orig(self, sorted(revisions, key=lambda r: pos.get(id(r), 0), reverse=backwards),
                    map_)
    RevisionMap._add_branches = ordered
    try:
        m = rm._revision_map
    finally:
        RevisionMap._add_branches = orig
    return {k: sorted(strs(v.branch_labels)) for k, v in m.items()
            if isinstance(k, str) and v is not None and v.revision == k}

def judge(job):
    res = {"ok": False, "error": None, "warnings": [], "loaded": []}
    loaded = []
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        try:
            sd = script_directory(job)
            rm = sd.revision_map
            gen = rm._generator
            def recording():
                for r in gen():
                    loaded.append(r)
                    yield r
            rm._generator = recording
            m = rm._revision_map          # the whole map: labels, depends_on, cycles
            heads, bases = rm.heads, rm.bases
            eff = {k: v for k, v in m.items()
                   if isinstance(k, str) and v is not None and v.revision == k}
            res["heads_raw"] = list(heads)
            res["heads"] = sorted(set(heads))
            res["bases"] = sorted(set(bases))
            res["merge_points"] = sorted(k for k, v in eff.items() if v.is_merge_point)
            res["branch_points"] = sorted(k for k, v in eff.items() if v.is_branch_point)
            res["revisions"] = {
                k: {"down_revisions": strs(v._versioned_down_revisions),
                    "depends_on": strs(tup(v.dependencies)),
                    "branch_labels": sorted(strs(v.branch_labels)),
                    "file": os.path.basename(v.path),
                    "head": v.is_head}
                for k, v in eff.items()}
            # The unused copy of a duplicate id that carries a label: where
            # its label ends up depends on the order in which Alembic walks a
            # set of Revision objects (their addresses), so one run's answer
            # is one of several. Record the answers for both listing orders.
            used = set(map(id, eff.values()))
            if any(id(r) not in used and r._orig_branch_labels for r in loaded):
                res["label_orders"] = [labels_in_order(job, False), labels_in_order(job, True)]
            res["ok"] = True
        except Exception as e:
            key = e.args[0] if isinstance(e, KeyError) and e.args else None
            res["error"] = {"type": type(e).__name__,
                            "mro": [c.__name__ for c in type(e).__mro__],
                            "message": str(e),
                            "key": key if isinstance(key, str) else None}
    res["warnings"] = [str(x.message) for x in w]
    res["loaded"] = [{"revision": r.revision if isinstance(r.revision, str) else repr(r.revision),
                      "file": os.path.basename(r.path),
                      "down": strs(r._versioned_down_revisions),
                      "depends": strs(tup(r.dependencies)),
                      "labels": strs(r._orig_branch_labels)} for r in loaded]
    return res

for line in sys.stdin:
    job = json.loads(line)
    try:
        res = judge(job)
    except BaseException as e:   # never lose the line: the reader counts on it
        res = {"ok": False, "error": {"type": type(e).__name__, "mro": [], "message": str(e),
                                      "key": None}, "warnings": [], "loaded": []}
    out.write(json.dumps(res) + "\n")
    out.flush()
'''


VERSIONS = ("1.8.1", "1.13.2", "1.18.4")


def oracle_paths():
    """{version: PYTHONPATH} of the fetched Alembics (tests/oracles.sh)."""
    script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "oracles.sh")
    r = subprocess.run([script], capture_output=True, text=True, timeout=900)
    if r.returncode != 0:
        raise RuntimeError("tests/oracles.sh could not fetch the Alembic oracles (exit %d): %s"
                           % (r.returncode, r.stderr[-2000:]))
    paths = dict(line.split("\t", 1) for line in r.stdout.splitlines() if "\t" in line)
    return {"1.8.1": None, **paths}


class Judge:
    """One Alembic's process."""

    def __init__(self, version="1.8.1", pythonpath=None):
        self.version = version
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.pop("PYTHONHOME", None)
        env.pop("ALEMBIC_CONFIG", None)
        if pythonpath:
            env["PYTHONPATH"] = pythonpath
        env["PYTHONHASHSEED"] = os.environ.get("AG_DIFF_HASHSEED", "0")
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        self.p = subprocess.Popen([harness.PY, "-c", JUDGE], stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                                  encoding="utf-8", env=env, bufsize=1)
        self.lock = threading.Lock()

    def _read(self):
        line = self.p.stdout.readline()
        if not line:
            raise RuntimeError("the Alembic %s judge (%s) died; is python3-alembic installed? %s"
                               % (self.version, harness.PY, harness.INSTALL))
        return json.loads(line)

    def ask_many(self, jobs, meanwhile=None):
        """Results for jobs, in order; meanwhile() runs while Alembic works."""
        with self.lock:
            res, failed = [], []

            def feed():
                try:
                    for j in jobs:
                        self.p.stdin.write(json.dumps(j) + "\n")
                    self.p.stdin.flush()
                except OSError as e:  # the judge died; the reader says why
                    failed.append(e)

            def collect():
                # Read as results come, or Alembic stalls on a full pipe.
                try:
                    for _ in jobs:
                        res.append(self._read())
                except Exception as e:
                    failed.append(e)
            threads = [threading.Thread(target=feed), threading.Thread(target=collect)]
            for t in threads:
                t.start()
            other = meanwhile() if meanwhile else None
            for t in threads:
                t.join()
            if len(res) != len(jobs):
                raise RuntimeError("the Alembic judge answered %d of %d jobs: %s"
                                   % (len(res), len(jobs), failed))
            return res, other

    def ask(self, job):
        return self.ask_many([job])[0][0]

    def close(self):
        try:
            self.p.stdin.close()
            self.p.wait(timeout=30)
        except Exception:
            self.p.kill()


_judges = {}


def judge(version="1.8.1"):
    if version not in _judges:
        if not _judges.get("paths"):
            _judges["paths"] = oracle_paths()
        _judges[version] = Judge(version, _judges["paths"][version])
    return _judges[version]


def tearDownModule():
    # Other modules (test_pyexec, test_versions) share these judges and call
    # this too: a closed judge leaves the table, so the next judge() starts one.
    for k in [k for k in _judges if k != "paths"]:
        _judges.pop(k).close()


# --- the two sides on one directory ---------------------------------------------------
def write_dir(root, name, files):
    d = os.path.join(root, name)
    versions = os.path.join(d, "versions")
    os.makedirs(versions)
    gen_migrations.write_case(versions, files)
    job = {"dir": d, "versions": versions}
    # A configuration at the top: both sides read it, as `alembic` does.
    if any(k.startswith("../") for k in files if "shared/" not in k):
        job["cli"] = True
        job["env"] = files.get(gen_migrations.ENV)
    return job


def run_guard(job, version="1.8.1"):
    where = [] if job.get("cli") else ["--versions", job["versions"]]
    env = harness.guard_env()
    env.pop("ALEMBIC_CONFIG", None)
    if job.get("env"):
        env["ALEMBIC_CONFIG"] = job["env"]
    r = harness.run_guard("heads", "-v", "--format", "json", "--alembic-version", version,
                          *where, cwd=job["dir"], timeout=60, env=env)
    try:
        doc = json.loads(r.stdout)
    except ValueError:
        doc = None
    return {"rc": r.returncode, "doc": doc, "stderr": r.stderr[-2000:], "stdout": r.stdout[-2000:]}


def plausible_codes(al):
    """The guard's finding codes that fit the exception Alembic raised (None: any)."""
    err = al["error"]
    t, mro, msg = err["type"], err["mro"], err["message"]
    if "SyntaxError" in mro or (t == "ValueError" and "null bytes" in msg):
        return {"parse-error"}
    if t == "AttributeError" and "down_revision" in msg:
        return {"missing-down-revision"}
    if t == "CommandError" and "Could not determine revision id" in msg:
        return {"not-a-migration"}
    if "CycleDetected" in mro:
        # A down_revision that names a branch label (the guard's
        # dangling-down-revision) makes Alembic see a cycle when the label is
        # the revision's own or a descendant's.
        labels = {lab for s in al["loaded"] for lab in s["labels"]}
        if any(d in labels for s in al["loaded"] for d in s["down"]):
            return {"cycle", "dangling-down-revision"}
        return {"cycle"}
    if t == "KeyError":
        key, want = err["key"], set()
        for s in al["loaded"]:
            if key in s["down"]:
                want.add("dangling-down-revision")
            if key in s["depends"]:
                want.add("dangling-dependency")
        return want or {"dangling-down-revision", "dangling-dependency"}
    if "RevisionError" in mro:
        if msg.startswith("Branch name"):
            return {"branch-label-conflict"}
        if "not allowed in revision identifier" in msg:
            return {"illegal-revision-id"}
        if "Dependency resolution failed" in msg:
            return {"dangling-down-revision", "dangling-dependency"}
    return None


CONFIG_ERRORS = {"CommandError", "ValueError", "NoSectionError", "NoOptionError",
                 "TOMLDecodeError", "InterpolationError"}


def compare(al, g):
    """Disagreements between Alembic's result and the guard's: [(category, detail)]."""
    probs = []
    doc = g["doc"]
    if not al["ok"] and g["rc"] == 2 and (set(al["error"]["mro"]) & CONFIG_ERRORS) \
            and "Could not determine revision id" not in al["error"]["message"]:
        return []  # Alembic refused the configuration; so did the guard (exit 2)
    if doc is None or g["rc"] not in (0, 1):
        return [("guard-failed", "exit %d, stdout %r, stderr %r" % (g["rc"], g["stdout"],
                                                                    g["stderr"]))]
    errors = [f for f in doc["findings"] if f["severity"] == "error"]
    codes = sorted({f["code"] for f in errors})
    said = "; ".join("%s: %s" % (f["code"], f["message"]) for f in errors) or "(no error)"
    dup = any("is present more than once" in w for w in al["warnings"])
    if dup and "duplicate-revision" not in codes:
        probs.append(("duplicate-not-reported", "Alembic warned %r; guard exit %d, %s"
                      % ([w for w in al["warnings"] if "more than once" in w], g["rc"], said)))
    if not al["ok"]:
        err = al["error"]
        shown = "%s: %s" % (err["type"], err["message"])
        if g["rc"] != 1 or not errors:
            probs.append(("alembic-raised-guard-passed",
                          "Alembic raised %s; guard exit %d, %s" % (shown, g["rc"], said)))
            return probs
        want = plausible_codes(al)
        if want is not None:
            hit = [f for f in errors if f["code"] in want]
            key = err.get("key")
            if not hit:
                probs.append(("implausible-code", "Alembic raised %s, which is %s; guard said %s"
                              % (shown, " or ".join(sorted(want)), said)))
            elif key and not any(key in (f["message"] or "") or key == f.get("revision")
                                 for f in hit):
                probs.append(("implausible-code", "Alembic raised %s; no %s finding names %r; "
                              "guard said %s" % (shown, " or ".join(sorted(want)), key, said)))
        return probs

    allowed = {"duplicate-revision"} if dup else set()
    if not al["revisions"]:
        # Alembic accepts a directory without a migration (and upgrades
        # nothing); the guard refuses to pass on nothing, on purpose.
        allowed.add("no-migrations")
    extra = [f for f in errors if f["code"] not in allowed]
    if extra:
        probs.append(("alembic-accepted-guard-error", "Alembic accepted (warnings %r); guard "
                      "exit %d, %s" % (al["warnings"], g["rc"],
                                       "; ".join("%s: %s" % (f["code"], f["message"])
                                                 for f in extra))))
    elif g["rc"] != (1 if dup or "no-migrations" in allowed else 0):
        probs.append(("exit-code", "Alembic accepted; guard exit %d, %s" % (g["rc"], said)))
    repo = doc["repository"]
    for key in ("heads", "bases", "merge_points", "branch_points"):
        if sorted(repo.get(key, [])) != al[key]:
            probs.append(("graph-" + key, "guard %s, Alembic %s"
                          % (repo.get(key), al[key])))
    if repo.get("revision_count") != len(al["revisions"]):
        probs.append(("revision-count", "guard %s, Alembic's map holds %d"
                      % (repo.get("revision_count"), len(al["revisions"]))))
    grevs = repo.get("revisions", [])
    eff = {r["revision"]: r for r in grevs if not r.get("shadowed")}
    if len(eff) != len([r for r in grevs if not r.get("shadowed")]):
        probs.append(("shadowed", "guard marks more than one file per id as the one used: %s"
                      % sorted(r["revision"] for r in grevs if not r.get("shadowed"))))
    if set(eff) != set(al["revisions"]):
        probs.append(("revision-set", "guard only %s; Alembic only %s"
                      % (sorted(set(eff) - set(al["revisions"])),
                         sorted(set(al["revisions"]) - set(eff)))))
    # Labels that depend on Alembic's set order (a labelled duplicate copy):
    # the guard's must be Alembic's for one of the orders.
    glabels = {rid: sorted(r.get("branch_labels") or []) for rid, r in eff.items()}
    arbitrary = any(glabels == alt for alt in al.get("label_orders", []))
    for rid in sorted(set(eff) & set(al["revisions"])):
        a, r = al["revisions"][rid], eff[rid]
        for fld in ("down_revisions", "depends_on", "branch_labels", "head"):
            gv = r.get(fld)
            if fld == "branch_labels":
                gv = sorted(gv or [])
                if arbitrary:
                    continue
            if gv != a[fld]:
                probs.append(("revision-" + fld, "%s: guard %r, Alembic %r" % (rid, gv, a[fld])))
        if os.path.basename(r.get("file") or "") != a["file"]:
            probs.append(("revision-file", "%s: guard uses %s, Alembic %s"
                          % (rid, r.get("file"), a["file"])))
    gfiles = sorted((r["revision"], os.path.basename(r.get("file") or "")) for r in grevs)
    afiles = sorted((s["revision"], s["file"]) for s in al["loaded"])
    if gfiles != afiles:
        probs.append(("files-read", "guard %s, Alembic %s" % (gfiles, afiles)))
    return probs


# --- reporting and minimising -------------------------------------------------------------
def show_files(files):
    out = []
    for rel in sorted(files):
        v = files[rel]
        if not isinstance(v, str):
            out.append("---- versions/%s %r" % (rel, v))
            continue
        out.append("---- versions/%s%s" % (rel, " (%d bytes)" % len(v)))
        out.append(v.rstrip("\n"))
    return "\n".join(out)


def check_files(root, files, version="1.8.1", seq=[0]):
    seq[0] += 1
    job = write_dir(root, "m%05d" % seq[0], files)
    g = run_guard(job, version)
    al = judge(version).ask(job)
    shutil.rmtree(job["dir"], ignore_errors=True)
    return al, g, compare(al, g)


def signature(al, probs):
    """What a smaller directory must keep to show the same disagreement: the
    category, Alembic's verdict (and exception), the codes that would fit."""
    err = al["error"]
    return (probs[0][0], al["ok"], err and err["type"],
            err and tuple(sorted(plausible_codes(al) or ())),
            any("more than once" in w for w in al["warnings"]))


def minimise(files, sig, deadline, version="1.8.1"):
    """The smallest directory (by files, then lines) that still shows sig."""
    root = tempfile.mkdtemp(prefix="ag-diff-min.")
    try:
        def still(fs):
            if time.monotonic() > deadline:
                return False
            al, _, probs = check_files(root, fs, version)
            return bool(probs) and any(signature(al, [p]) == sig for p in probs)
        files = dict(files)
        changed = True
        while changed and time.monotonic() < deadline:
            changed = False
            for rel in sorted(files):
                trial = {k: v for k, v in files.items() if k != rel}
                if still(trial):
                    files, changed = trial, True
            for rel in sorted(files):
                if not isinstance(files[rel], str):
                    continue
                lines = files[rel].splitlines(True)
                i = len(lines) - 1
                while i >= 0:
                    trial = dict(files)
                    trial[rel] = "".join(lines[:i] + lines[i + 1:])
                    if still(trial):
                        lines = lines[:i] + lines[i + 1:]
                        files, changed = trial, True
                    i -= 1
        al, g, probs = check_files(root, files, version)
        return files, al, g, probs
    finally:
        shutil.rmtree(root, ignore_errors=True)


def describe(al, g, probs):
    if al["ok"]:
        a = "Alembic: heads %s, bases %s, merge points %s, branch points %s, warnings %s\n" \
            "  revisions %s" % (al["heads_raw"], al["bases"], al["merge_points"],
                                al["branch_points"], al["warnings"],
                                json.dumps(al["revisions"], sort_keys=True))
    else:
        a = "Alembic: raised %s: %s (warnings %s)" % (al["error"]["type"],
                                                       al["error"]["message"], al["warnings"])
    doc = g["doc"] or {}
    repo = doc.get("repository", {})
    gs = "alembic-guard: exit %d, heads %s, bases %s, merge points %s, branch points %s\n" \
         "  findings %s\n  revisions %s" % (
             g["rc"], repo.get("heads"), repo.get("bases"), repo.get("merge_points"),
             repo.get("branch_points"),
             ["%s/%s: %s" % (f["code"], f["severity"], f["message"])
              for f in doc.get("findings", []) if f["severity"] != "warning"
              or f["code"] not in ("file-name-convention",)],
             json.dumps([{k: r.get(k) for k in ("revision", "down_revisions", "depends_on",
                                                 "branch_labels", "head", "shadowed")}
                         for r in repo.get("revisions", [])]))
    return "%s\n%s\n%s" % ("\n".join("  * %s: %s" % p for p in probs), a, gs)


def report(cases, budget=90.0):
    """cases: [(label, files, al, g, probs, version)]. Minimises one case per
    category and Alembic."""
    deadline = time.monotonic() + budget
    out, done = [], set()
    for label, files, al, g, probs, version in cases:
        sig = (version,) + signature(al, probs)
        text = "==== %s: %s\n%s" % (label, ", ".join(sorted({c for c, _ in probs})),
                                    describe(al, g, probs))
        if sig not in done and time.monotonic() < deadline:
            done.add(sig)
            mfiles, mal, mg, mprobs = minimise(files, sig[1:], deadline, version)
            if mprobs and any((version,) + signature(mal, [p]) == sig for p in mprobs):
                text += "\n-- minimised (%s) --\n%s\n%s" % (sig[0], show_files(mfiles),
                                                           describe(mal, mg, mprobs))
            else:
                text += "\n-- the directory --\n%s" % show_files(files)
        out.append(text)
    return "\n\n".join(out)


# --- the generated directories ----------------------------------------------------------------
class TestDifferential(unittest.TestCase):
    maxDiff = None

    def test_generated_directories(self):
        t0 = time.monotonic()
        rnd = random.Random(SEED)
        tmp = tempfile.mkdtemp(prefix="ag-diff.")
        ok = False
        try:
            cases = []
            for i in range(COUNT):
                files, tags = gen_migrations.gen_case(rnd, i)
                job = write_dir(tmp, "d%04d" % i, files)
                cases.append((i, files, tags, job))
            jobs = [c[3] for c in cases]

            bad = []
            accepted = raised = dups = 0
            per = {}
            tagcount = {}
            for (i, files, tags, job) in cases:
                for t in tags:
                    tagcount[t] = tagcount.get(t, 0) + 1
            for version in VERSIONS:
                def guard_all():
                    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as ex:
                        return list(ex.map(lambda j: run_guard(j, version), jobs))
                alembic, guard = judge(version).ask_many(jobs, meanwhile=guard_all)
                nbad = 0
                for (i, files, tags, job), al, g in zip(cases, alembic, guard):
                    if al["ok"]:
                        accepted += 1
                    else:
                        raised += 1
                    if any("more than once" in w for w in al["warnings"]):
                        dups += 1
                    probs = compare(al, g)
                    if probs:
                        nbad += 1
                        bad.append(("Alembic %s, directory %s (tags %s)"
                                    % (version, job["dir"], ",".join(sorted(tags))),
                                    files, al, g, probs, version))
                per[version] = nbad
            ncmp = len(cases) * len(VERSIONS)
            summary = ("differential: %d dirs x %d Alembics (seed %d): accepted %d, raised %d "
                       "(%d warned of a duplicate id); %d disagreements (%s) (%.1f s)"
                       % (len(cases), len(VERSIONS), SEED, accepted, raised, dups, len(bad),
                          ", ".join("%s: %d" % kv for kv in per.items()),
                          time.monotonic() - t0))
            print("\n" + summary)
            if os.environ.get("AG_DIFF_VERBOSE"):
                print("tags: " + ", ".join("%s %d" % kv for kv in sorted(tagcount.items())))
            self.assertGreaterEqual(len(cases), 150 if QUICK else 500)
            # The generator must reach both sides of the judge, often.
            self.assertGreater(accepted, ncmp // 3, summary)
            self.assertGreater(raised, ncmp // 10, summary)
            self.assertGreater(dups, ncmp // 40, summary)
            # ... and the features where the Alembics differ.
            for t in ("cfg-ini", "cfg-pyproject", "cfg-both", "cfg-env", "link-to-file",
                      "link-to-non-py", "link-dangling", "link-loop", "dir-named-py", "pyc"):
                self.assertGreater(tagcount.get(t, 0), 0, "the generator never made %s" % t)
            if bad:
                cats = {}
                for b in bad:
                    for c, _ in b[4]:
                        cats[c] = cats.get(c, 0) + 1
                self.fail("%s\nby category: %s\nkept in %s\n\n%s" % (
                    summary, cats, tmp, report(bad[:12])))
            ok = True
        finally:
            if ok and not KEEP:
                shutil.rmtree(tmp, ignore_errors=True)
            else:
                print("differential: directories kept in %s" % tmp)


# --- hand-written cases for the trickiest syntax forms --------------------------------------
# Each is a directory of versions/ files; the guard must equal Alembic, and
# (except where noted) Alembic must accept it, so the case tests the graph.
DOC = '"""%s\n\nRevision ID: %s\nRevises: %s\nCreate Date: 2026-11-20 12:00:00\n\n"""\n'
FUNCS = "\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"


def mig(rev, down, body="", doc=None):
    """A plain migration file; body goes after the assignments."""
    d = "None" if down is None else repr(down)
    return (DOC % ("m", doc or rev, "" if down is None else down)
            + "from alembic import op\n\nrevision = %r\ndown_revision = %s\n" % (rev, d)
            + body + FUNCS)


DIRECTED = {
    "implicit_concatenation": {
        "ab12cd34_a.py": DOC % ("a", "ab12cd34", "") +
        "revision = ('ab12'\n            \"cd34\")\ndown_revision = None\n"
        "branch_labels = ('exp' 'and',)\n" + FUNCS,
        "b_b.py": "revision = 'gu' \"est_\" r'lockout_001'\n"
                  "down_revision = 'ab12' 'cd34'\ndepends_on = None\n" + FUNCS,
        "c_c.py": "revision = 'c' 'c'\ndown_revision = (\n    'guest_'  # a comment\n"
                  "    'lockout_001'\n)\n" + FUNCS,
    },
    "backslash_continuations": {
        "a.py": "revision = \\\n    'kilo'\ndown_revision = \\\n    None\n" + FUNCS,
        "b.py": "revision = 'li' \\\n    'ma'\ndown_revision = 'ki' \\\n  'lo'\n"
                "branch_labels = \\\n  None\ndepends_on = \\\n    ('kilo',)\n" + FUNCS,
        "c.py": "revision = 'mike'; down_revision = \\\n ('lima',\\\n 'kilo')\n" + FUNCS,
    },
    "triple_quoted_and_prefixed": {
        # t1 -> t2(lab) -> t3 -> t4, t3 also depends on t1: t1 is a real
        # branch point, so the label spreads up to t2 and no further.
        "a.py": "revision = '''t1'''\ndown_revision = None\n" + FUNCS,
        "b.py": 'revision = """t2"""\ndown_revision = r\'\'\'t1\'\'\'\n'
                "branch_labels = u'lab'\n" + FUNCS,
        "c.py": "revision = R't3'\ndown_revision = U\"t2\"\ndepends_on = f't1'\n" + FUNCS,
        "d.py": "revision = '\\x74\\u0034'\ndown_revision = 't\\063'\n" + FUNCS,
    },
    "annotated_template": {
        "1975ea83b712_a.py": DOC % ("a", "1975ea83b712", "") +
        "from typing import Sequence, Union\n\nfrom alembic import op\nimport sqlalchemy as sa\n"
        "\n# revision identifiers, used by Alembic.\nrevision: str = \"1975ea83b712\"\n"
        "down_revision: Union[str, None] = None\n"
        "branch_labels: Union[str, Sequence[str], None] = None\n"
        "depends_on: Union[str, Sequence[str], None] = None\n" + FUNCS,
        "2b_b.py": "from typing import Optional, Sequence, Tuple, Union\n"
                   "revision: str = '2b'\ndown_revision: Optional[str] = '1975ea83b712'\n"
                   "branch_labels: Optional[Sequence[str]] = ('side',)\n" + FUNCS,
        "3c_c.py": "from typing import Sequence, Tuple, Union\n"
                   "revision: str = '3c'\ndown_revision: 'Union[str, None]' = '1975ea83b712'\n"
                   + FUNCS,
        "4d_d.py": "from typing import Sequence, Tuple, Union\nrevision: str = '4d'\n"
                   "down_revision: Union[str, Tuple[str, ...], None] = ('2b', '3c')\n"
                   "depends_on: str | None = None\n" + FUNCS,
    },
    "misleading_docstring_and_fakes": {
        "real_a.py": '"""add users\n\nRevision ID: notme\nRevises: nothing\n\n'
                     "revision = 'fake_doc'\ndown_revision = 'ghost'\n\"\"\"\n"
                     "# revision = 'fake_comment'\n"
                     "_s = \"revision = 'fake_string'\"\n_t = 'it\\'s down_revision = \"x\"'\n"
                     "_u = '''\nrevision = 'fake_triple'\n'''\n"
                     "revision = 'real_a'\ndown_revision = None\n\n"
                     "class _Meta:\n    revision = 'fake_class'\n    down_revision = 'ghost'\n\n"
                     "if False:\n    revision = 'fake_if'\n\n"
                     "def upgrade():\n    revision = 'fake_upgrade'\n    down_revision = 'ghost'\n"
                     "    branch_labels = ('fake',)\n\n"
                     "def downgrade(): revision = 'fake_one_line'\n",
        "real_b.py": mig("real_b", "real_a", doc="real_a"),
    },
    "later_reassignment_wins": {
        "a.py": mig("a1", None),
        "b.py": "revision = 'old_b'\ndown_revision = 'ghost'\nbranch_labels = ('old_label',)\n"
                "depends_on = 'ghost_dep'\n" + FUNCS +
                "\n# the real values\nrevision = 'b1'\ndown_revision = 'a1'\nbranch_labels = None\n"
                "depends_on = None\n",
        "c.py": "revision = 'c1'\nrevision = 'c2'\ndown_revision = None\ndown_revision = 'b1'\n"
                + FUNCS,
    },
    "merge_of_the_same_parent_twice": {
        "a.py": mig("c1", None),
        "b.py": "revision = 'm1'\ndown_revision = ['c1', 'c1']\n" + FUNCS,
        "c.py": mig("after", "m1", "branch_labels = ('tail',)\n"),
    },
    "every_base_form": {
        "a.py": "revision = 'b_none'\ndown_revision = None\n" + FUNCS,
        "b.py": "revision = 'b_tuple'\ndown_revision = ()\n" + FUNCS,
        "c.py": "revision = 'b_empty'\ndown_revision = ''\n" + FUNCS,
        "d.py": 'revision = "b_empty2"\ndown_revision = ""\n' + FUNCS,
        "e.py": "revision = 'b_list'\ndown_revision = []\n" + FUNCS,
        "f.py": "revision = 'b_paren'\ndown_revision = ( )\n" + FUNCS,
        "g.py": "revision = 'kid'\ndown_revision = ('b_none', 'b_tuple', 'b_empty')\n" + FUNCS,
        "h.py": "revision = 'kid2'\ndown_revision = ['b_empty2', 'b_list', 'b_paren', 'kid']\n"
                + FUNCS,
    },
    "tuples_lists_and_bare_tuples": {
        "a.py": mig("a", None),
        "b.py": "revision = 'b'\ndown_revision = ('a',)\n" + FUNCS,
        "c.py": "revision = 'c'\ndown_revision = ['a']\n" + FUNCS,
        "d.py": "revision = 'd'\ndown_revision = ('a')\nbranch_labels = 'dee',\n" + FUNCS,
        "e.py": "revision = 'e'\ndown_revision = 'b', 'c'\ndepends_on = 'd',\n" + FUNCS,
        "f.py": "revision = 'f'\ndown_revision = (\n    'e',  # ) not the end, 'x'\n"
                "    'd',\n    # the last parent\n)\n" + FUNCS,
    },
    "names_resolved_in_the_file": {
        "a.py": "REV = 'n1'\nrevision = REV\ndown_revision = None\n" + FUNCS,
        "b.py": "PARENT = 'n1'\nrevision = rev_id = 'n2'\ndown_revision = PARENT\n" + FUNCS,
    },
    "labels_spread_up_a_chain": {
        # a -> b(label) -> c: the label reaches a and c.
        "a.py": mig("a", None),
        "b.py": mig("b", "a", "branch_labels = ('lab',)\n"),
        "c.py": mig("c", "b"),
        # x -> y -> z(label), w depends on y: y is a (real) branch point, the
        # label stops at z.
        "x.py": mig("x", None),
        "y.py": mig("y", "x"),
        "z.py": mig("z", "y", "branch_labels = 'zed'\n"),
        "w.py": mig("w", None, "depends_on = 'y'\n"),
    },
    "depends_on_its_own_parent": {
        # q depends on its parent p as well: p has one dependent (a set), so
        # it is no branch point and q's label goes up to p.
        "p.py": mig("p", None),
        "q.py": mig("q", "p", "depends_on = 'p'\nbranch_labels = ('ql',)\n"),
    },
    "depends_on_the_label_of_its_parent": {
        # o -> p(pl) -> q, q depends on 'pl' (p again): Alembic counts p's
        # dependents as a set, so p is no branch point and 'pl' reaches o.
        "o.py": mig("o", None),
        "p.py": mig("p", "o", "branch_labels = ('pl',)\n"),
        "q.py": mig("q", "p", "depends_on = 'pl'\n"),
    },
    "duplicate_whose_copy_has_a_label": {
        # Two files for b; one has a label. Alembic spreads the label of the
        # copy it does not use too (up to a), and only warns. Written both
        # ways round, so the copy with the label is the unused one in one of
        # them, whatever the directory order.
        "a.py": mig("a", None),
        "b_one.py": mig("b", "a", "branch_labels = ('bl',)\n"),
        "b_two.py": mig("b", "a"),
    },
    "duplicate_whose_copy_has_a_label_swapped": {
        "a.py": mig("a", None),
        "b_one.py": mig("b", "a"),
        "b_two.py": mig("b", "a", "branch_labels = ('bl',)\n"),
    },
    "depends_on_the_label_of_a_duplicate": {
        # c depends on 'bl', the label of one of b's two files: Alembic
        # resolves it to b (the file it uses), sees no cycle, only warns.
        "a.py": mig("a", None),
        "b_one.py": mig("b", "a", "branch_labels = ('bl',)\n"),
        "b_two.py": mig("b", "a"),
        "c.py": mig("c", None, "depends_on = 'bl'\n"),
    },
    "depends_on_the_label_of_a_duplicate_swapped": {
        "a.py": mig("a", None),
        "b_one.py": mig("b", "a"),
        "b_two.py": mig("b", "a", "branch_labels = ('bl',)\n"),
        "c.py": mig("c", None, "depends_on = 'bl'\n"),
    },
    "depends_on_a_label": {
        "a.py": mig("a", None, "branch_labels = ('expand',)\n"),
        "b.py": mig("b", "a"),
        "c.py": mig("c", None, "branch_labels = ('contract',)\ndepends_on = 'expand'\n"),
        "d.py": mig("d", "c", "depends_on = ('b', 'expand')\n"),
    },
    "files_alembic_ignores": {
        "a.py": mig("a", None),
        "__init__.py": "revision = 'init'\ndown_revision = 'ghost'\n",
        "__init__old.py": "revision = 'init_old'\ndown_revision = 'ghost'\n",
        ".#a.py": "revision = 'emacs lock\n",
        "notes.txt": "revision = 'txt'\n",
        "a.py~": "revision = 'backup'\n",
        "a.py.orig": "revision = 'orig'\ndown_revision = None\n",
        "a.pyc": "\x00junk",
        "script.py.mako": "revision = ${repr(up_revision)}\n",
        "__pycache__/a.cpython-311.pyc": "\x00junk",
        "__pycache__/b.py": "revision = 'cached'\ndown_revision = 'ghost'\n",
        "old/0001_old.py": "revision = 'subdir'\ndown_revision = 'ghost'\n",
    },
    "legacy_hex_file_name": {
        "ae1027a6acf.py": '"""Revision ID: ae1027a6acf\n"""\ndown_revision = None\n' + FUNCS,
        "b.py": mig("b", "ae1027a6acf"),
    },
    "non_hex_ids": {
        "a.py": mig("django_0001", None),
        "b.py": mig("guest_lockout_001", "django_0001"),
        "c.py": mig("kilo", "guest_lockout_001"),
        "d.py": mig("r\u00e9vision_\u00e9t\u00e9", "kilo"),
        "e.py": mig("0" * 32, "r\u00e9vision_\u00e9t\u00e9"),
    },
    "tuple_unpacking": {
        "tu1_x.py": "revision, down_revision = 'tu1', None\n" + FUNCS,
        "tu2_x.py": "revision, down_revision = ('tu2', 'tu1')\n" + FUNCS,
    },
    "form_feed_at_line_start": {
        # Python counts a form feed at the start of a line as whitespace
        # that resets the indentation (Emacs page breaks).
        "ff1_x.py": "revision = 'ff1'\n\x0cdown_revision = None\n" + FUNCS,
        "ff2_x.py": "revision = 'ff2'\ndown_revision = 'ff1'\n\x0c\ndef upgrade():\n    pass\n",
    },
    "windows_line_endings_bom_and_no_final_newline": {
        "a.py": (DOC % ("a", "crlf1", "") + "revision = 'crlf1'\ndown_revision = None\n"
                 "branch_labels = (\n    'w',\n)\n" + FUNCS).replace("\n", "\r\n"),
        "b.py": "\ufeff" + mig("bom1", "crlf1"),
        "c.py": "revision = 'nonl'\ndown_revision = 'bom1'",
        "d.py": "revision = 'crlf2'\r\ndown_revision = \\\r\n    'nonl'\r\n",
    },
}

# Hand-written directories that Alembic refuses: the guard must refuse too,
# with a fitting code.
DIRECTED_ERRORS = {
    "self_loop_in_a_merge": {
        "a.py": mig("a", None),
        "b.py": "revision = 'b'\ndown_revision = ('a', 'b')\n" + FUNCS,
    },
    "cycle_without_a_base": {
        "a.py": mig("a", "b"),
        "b.py": mig("b", "a"),
    },
    "down_revision_names_a_label": {
        "a.py": mig("a", None, "branch_labels = ('lab',)\n"),
        "b.py": mig("b", "lab"),
    },
    "depends_on_names_a_prefix": {
        "a.py": mig("abcdef", None),
        "b.py": mig("b", "abcdef", "depends_on = 'abc'\n"),
    },
    "label_twice_on_one_revision": {
        "a.py": mig("a", None, "branch_labels = ('x', 'x')\n"),
    },
    "label_equals_an_id": {
        "a.py": mig("a", None),
        "b.py": mig("b", "a", "branch_labels = 'a'\n"),
    },
    "revision_only_in_a_function": {
        "a.py": mig("a", None),
        "add_users.py": "down_revision = 'a'\n\ndef upgrade():\n    revision = 'x'\n",
    },
    "unexpected_indent": {
        # a stray indented line at module level: IndentationError
        "a.py": "revision = 'a'\ndown_revision = None\n    branch_labels = None\n",
    },
    "duplicate_whose_copy_has_a_dangling_depends_on": {
        # Two files for b, one with a depends_on that names nothing: Alembic
        # resolves the depends_on of every file it loaded, the unused copy's
        # too, and stops with KeyError: 'ghost'. Both ways round, as above.
        "a.py": mig("a", None),
        "b_one.py": mig("b", "a", "depends_on = 'ghost'\n"),
        "b_two.py": mig("b", "a"),
    },
    "duplicate_whose_copy_has_a_dangling_depends_on_swapped": {
        "a.py": mig("a", None),
        "b_one.py": mig("b", "a"),
        "b_two.py": mig("b", "a", "depends_on = 'ghost'\n"),
    },
    "duplicate_whose_copy_names_a_label_as_down_revision": {
        # Alembic walks down from every head, and the unused copy is one:
        # its down_revision 'lab' (a label) stops it with KeyError: 'lab'.
        "a.py": mig("a", None, "branch_labels = ('lab',)\n"),
        "b_one.py": mig("b", "lab"),
        "b_two.py": mig("b", "a"),
    },
    "duplicate_whose_copy_names_a_label_as_down_revision_swapped": {
        "a.py": mig("a", None, "branch_labels = ('lab',)\n"),
        "b_one.py": mig("b", "a"),
        "b_two.py": mig("b", "lab"),
    },
    "dependency_cycle": {
        "a.py": mig("a", None, "depends_on = 'c'\n"),
        "b.py": mig("b", "a"),
        "c.py": mig("c", "b"),
    },
}


class TestDirected(unittest.TestCase):
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ag-diff-directed.")
        cls.results = {}
        names = sorted(DIRECTED) + sorted(DIRECTED_ERRORS)
        jobs = [write_dir(cls.tmp, n, DIRECTED.get(n) or DIRECTED_ERRORS[n]) for n in names]
        als, gs = judge().ask_many(jobs, meanwhile=lambda: [run_guard(j) for j in jobs])
        for n, al, g in zip(names, als, gs):
            cls.results[n] = (al, g)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def check(self, name, files, want_ok):
        al, g = self.results[name]
        probs = compare(al, g)
        msg = "%s\n%s\n%s" % (name, describe(al, g, probs), show_files(files))
        self.assertEqual(al["ok"], want_ok, "Alembic's verdict is not the one this case is "
                         "about:\n" + msg)
        self.assertEqual(probs, [], msg)


def _directed(name, files, want_ok):
    def test(self):
        self.check(name, files, want_ok)
    test.__name__ = "test_%s" % name
    test.__doc__ = None
    return test


for _n, _f in DIRECTED.items():
    setattr(TestDirected, "test_" + _n, _directed(_n, _f, True))
for _n, _f in DIRECTED_ERRORS.items():
    setattr(TestDirected, "test_refused_" + _n, _directed(_n, _f, False))


if __name__ == "__main__":
    unittest.main()
