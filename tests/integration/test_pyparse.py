"""lib/pyparse against CPython: build/pyparse-check (tests/pyparse_check.c)
and compile(source, path, "exec") on Debian's /usr/bin/python3 (3.11) judge
the same files, with the parser set to 3.11:

  - every .py file of /usr/lib/python3.11 (the standard library and its test
    suite, libpython3.11-testsuite: badsyntax_*.py and the other deliberately
    broken files included);
  - mutants made from them and from the migrations under examples/ and
    tests/fixtures: a token deleted, duplicated, swapped with the next, or a
    keyword replaced (a fixed seed; AG_PYPARSE_MUTANTS sets how many,
    default 10,000, as issue 15 asks, 2,000 with AG_QUICK=1; AG_PYPARSE_SEED
    the seed). Making and judging 10,000 costs about 35 s of CPU: one Python
    process makes them all, one compiles them all, the checker reads 500 a
    call.

Required: no file that compile() accepts is rejected by the parser (a false
block stops a good deploy). The rest is reported: the agreement on files
CPython rejects, and what the parser lets through. Files whose PEP 263
coding cookie names an encoding other than UTF-8 are left out and listed:
the tokenizer reads UTF-8 only (not this parser's part).
"""
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
PYTHON = "/usr/bin/python3"
STDLIB = "/usr/lib/python3.11"
# The sanitizer stage (AG_QUICK=1) runs the plain build's checker: the same
# figures would come out, so it makes fewer.
MUTANTS = int(os.environ.get("AG_PYPARSE_MUTANTS") or (2000 if os.environ.get("AG_QUICK") else 10000))
SEED = int(os.environ.get("AG_PYPARSE_SEED") or 20261202)
MIN_AGREEMENT = 99.5  # percent, on the files CPython rejects

COOKIE = re.compile(rb"^[ \t\f]*#.*?coding[:=][ \t]*([-\w.]+)")

# One judge process: a JSON list of paths in, a JSON list of verdicts out.
JUDGE = r'''
import json, sys, warnings
warnings.simplefilter("ignore")
out = []
for path in json.load(sys.stdin):
    try:
        with open(path, "rb") as f:
            compile(f.read(), path, "exec")
        out.append(None)
    except (SyntaxError, ValueError, RecursionError, MemoryError, OverflowError) as e:
        out.append("%s: %s" % (type(e).__name__, e))
json.dump(out, sys.stdout)
'''

# Mutants: tokenize each source with Python's own tokenize, change one
# token, write the result. Sources and choices come from the seed.
MUTATE = r'''
import io, json, keyword, random, sys, tokenize
seed, count, outdir, sources = json.load(sys.stdin)
rng = random.Random(seed)
texts = []
for s in sources:
    try:
        with open(s, "rb") as f:
            b = f.read()
        if len(b) > 40000:
            continue
        t = b.decode("utf-8")
        toks = [x for x in tokenize.generate_tokens(io.StringIO(t).readline)
                if x.type not in (tokenize.ENDMARKER, tokenize.NL, tokenize.COMMENT,
                                  tokenize.INDENT, tokenize.DEDENT, tokenize.NEWLINE)]
        if len(toks) > 3:
            texts.append((s, t, toks))
    except Exception:
        pass
kws = keyword.kwlist + ["match", "case", "type", "_", "print"]
made = []
while len(made) < count:
    src, t, toks = texts[rng.randrange(len(texts))]
    lines = t.splitlines(keepends=True)
    starts = [0]
    for l in lines:
        starts.append(starts[-1] + len(l))
    def off(pos):
        return starts[pos[0] - 1] + pos[1]
    i = rng.randrange(len(toks) - 1)
    a, b = toks[i], toks[i + 1]
    kind = rng.choice(["delete", "duplicate", "swap", "keyword"])
    s, e = off(a.start), off(a.end)
    if kind == "delete":
        new = t[:s] + t[e:]
    elif kind == "duplicate":
        new = t[:e] + " " + a.string + t[e:]
    elif kind == "swap":
        s2, e2 = off(b.start), off(b.end)
        new = t[:s] + b.string + t[e:s2] + a.string + t[e2:]
    else:
        cands = [k for k, x in enumerate(toks) if x.type == tokenize.NAME]
        if not cands:
            continue
        a = toks[rng.choice(cands)]
        s, e = off(a.start), off(a.end)
        new = t[:s] + rng.choice(kws) + t[e:]
    path = "%s/m%05d.py" % (outdir, len(made))
    with open(path, "w", encoding="utf-8") as f:
        f.write(new)
    made.append([path, src, kind])
json.dump(made, sys.stdout)
'''


def checker():
    # The sanitizer stage builds only the guard and the unit suites: the
    # checker is the plain build's (`make` builds it with the guard).
    b = os.environ.get("AG_BIN")
    d = os.path.dirname(b) if b else os.path.join(ROOT, "build")
    if not os.path.exists(os.path.join(d, "pyparse-check")):
        d = os.path.join(ROOT, "build")
    return os.path.join(d, "pyparse-check")


def guard(paths, version="3.11"):
    """path -> None (accepted) or the error line."""
    res = {}
    for i in range(0, len(paths), 500):
        chunk = paths[i:i + 500]
        out = subprocess.run([checker(), "--version", version] + chunk, capture_output=True,
                             check=False, timeout=600).stdout.decode("utf-8", "replace")
        for line in out.splitlines():
            kind, rest = line.split(" ", 1)
            if kind == "ok":
                res[rest] = None
            else:
                res[rest.split(":", 1)[0]] = rest
    return res


_JUDGED = {}


def judge(paths):
    # The standard library is judged once for the tests that read it.
    key = tuple(paths)
    if key not in _JUDGED:
        _JUDGED[key] = _judge(paths)
    return _JUDGED[key]


def _judge(paths):
    r = subprocess.run([PYTHON, "-B", "-c", JUDGE], input=json.dumps(paths).encode(),
                       capture_output=True, check=True, timeout=1200)
    return dict(zip(paths, json.loads(r.stdout)))


def not_utf8(path):
    with open(path, "rb") as f:
        head = f.read(400).split(b"\n")[:2]
    for line in head:
        m = COOKIE.match(line)
        if m:
            enc = m.group(1).lower().replace(b"_", b"-")
            return not (enc.startswith(b"utf-8") or enc == b"utf8")
    return False


def compare(paths, label):
    cp, pg = judge(paths), guard(paths)
    missing = [p for p in paths if p not in pg]
    false_reject = [pg[p] for p in paths if p in pg and cp[p] is None and pg[p] is not None]
    rejected = [p for p in paths if cp[p] is not None]
    agree = sum(1 for p in rejected if pg.get(p) is not None)
    let_through = [(p, cp[p]) for p in rejected if pg.get(p) is None]
    pct = 100.0 * agree / len(rejected) if rejected else 100.0
    print("\n%s: %d files, %d compile, %d rejected by CPython; parser agrees on %d of those "
          "(%.2f%%), lets %d through" % (label, len(paths), len(paths) - len(rejected),
                                        len(rejected), agree, pct, len(let_through)),
          file=sys.stderr)
    kinds = {}
    for _, msg in let_through:
        k = re.sub(r" \(.*", "", msg)
        k = re.sub(r"'[^']*'", "'...'", k)
        kinds[k] = kinds.get(k, 0) + 1
    for k, n in sorted(kinds.items(), key=lambda x: -x[1])[:15]:
        print("  let through %4d  %s" % (n, k), file=sys.stderr)
    return missing, false_reject, pct, let_through


class PyparseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.access(checker(), os.X_OK):
            raise AssertionError("%s is missing: run `make` first" % checker())
        files = sorted(os.path.join(d, f) for d, _, fs in os.walk(STDLIB) for f in fs
                       if f.endswith(".py"))
        # libpython3.11-testsuite (tests/deps.sh) brings the test suite.
        if len(files) < 1500 or not os.path.exists(os.path.join(STDLIB, "test", "badsyntax_future3.py")):
            raise AssertionError("only %d files under %s: install libpython3.11-testsuite "
                                 "(tests/deps.sh)" % (len(files), STDLIB))
        cls.skipped = [f for f in files if not_utf8(f)]
        cls.files = [f for f in files if f not in cls.skipped]

    def test_stdlib(self):
        # The encoded files the tokenizer cannot read: few, and named.
        print("\nleft out (PEP 263, not UTF-8): %s" % ", ".join(
            os.path.relpath(f, STDLIB) for f in self.skipped), file=sys.stderr)
        self.assertLess(len(self.skipped), 20)
        missing, false_reject, pct, let_through = compare(self.files, "stdlib")
        self.assertEqual(missing, [])
        self.assertEqual(false_reject, [], "the parser rejects files CPython compiles")
        # What gets through is the tokenizer's (a BOM with a coding cookie,
        # a non-identifier character in a name), not the grammar's.
        self.assertEqual(sorted(os.path.relpath(p, STDLIB) for p, _ in let_through),
                         ["test/bad_coding2.py", "test/badsyntax_3131.py"])

    def test_newer_grammars(self):
        # What 3.11 compiles, 3.12's and 3.13's grammars accept too (the
        # guard's default is the newest: it must never block what an older
        # Python ran). The checker alone: no CPython newer than 3.11 here.
        ok = [p for p, v in judge(self.files).items() if v is None]
        # A real run, not an empty one: how many compile depends on which
        # stdlib packages the machine has (1,498 on a fresh Debian 12 root).
        self.assertGreater(len(ok), 1000)
        for version in ("3.12", "3.13"):
            pg = guard(ok, version)
            self.assertEqual(sorted(p for p in ok if pg.get(p, "missing") is not None), [],
                             "the %s grammar rejects files 3.11 compiles" % version)

    def test_mutants(self):
        sources = [f for f in self.files if "/test/" not in f or "/test/test_" in f]
        for d in ("examples", "tests/fixtures"):
            for dp, _, fs in os.walk(os.path.join(ROOT, d)):
                sources += [os.path.join(dp, f) for f in fs if f.endswith(".py")]
        with tempfile.TemporaryDirectory(prefix="ag-pyparse-") as tmp:
            r = subprocess.run([PYTHON, "-B", "-c", MUTATE],
                               input=json.dumps([SEED, MUTANTS, tmp, sorted(sources)]).encode(),
                               capture_output=True, check=True, timeout=600)
            made = json.loads(r.stdout)
            self.assertEqual(len(made), MUTANTS)
            paths = [m[0] for m in made]
            missing, false_reject, pct, let_through = compare(paths, "mutants (seed %d)" % SEED)
            if os.environ.get("AG_PYPARSE_SHOW"):
                for p, msg in let_through:
                    with open(p, encoding="utf-8") as f:
                        src = f.read()
                    line = int(re.search(r"line (\d+)", msg).group(1)) if "line " in msg else 1
                    print("  %s: %s\n    %r" % (p, msg, src.splitlines()[line - 1] if src else ""),
                          file=sys.stderr)
            self.assertEqual(missing, [])
            self.assertEqual(false_reject, [], "the parser rejects mutants CPython compiles")
            self.assertGreaterEqual(pct, MIN_AGREEMENT)


class WiredTest(unittest.TestCase):
    """A migration that does not compile blocks the deploy (syntax-error,
    Python's message and line); its valid neighbour does not."""

    def test_syntax_error_finding(self):
        b = os.environ.get("AG_BIN") or os.path.join(ROOT, "build", "alembic-guard")
        with tempfile.TemporaryDirectory(prefix="ag-pyparse-") as d:
            with open(os.path.join(d, "a1_add.py"), "w") as f:
                f.write('revision = "a1"\ndown_revision = None\n\n\ndef upgrade():\n'
                        '    op.add_column("t", sa.Column("x" sa.Integer()))\n')
            with open(os.path.join(d, "b2_next.py"), "w") as f:
                f.write('revision = "b2"\ndown_revision = "a1"\n\n\nasync def upgrade():\n'
                        '    match x:\n        case [a, *_]:\n            await a\n')
            r = subprocess.run([b, "heads", "--format", "json", "--versions", d],
                               capture_output=True, check=False, timeout=60)
            self.assertEqual(r.returncode, 1, r.stderr)
            found = [x for x in json.loads(r.stdout)["findings"] if x["severity"] == "error"]
            self.assertEqual([(x["code"], os.path.basename(x["file"]), x["line"]) for x in found],
                             [("syntax-error", "a1_add.py", 6)])
            self.assertIn("Perhaps you forgot a comma?", found[0]["message"])


if __name__ == "__main__":
    unittest.main()
