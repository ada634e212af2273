"""Module-level execution, with Alembic as the judge.

A generator writes small version directories in which one migration sets the
names Alembic reads through a compound statement or another form whose
meaning is certain (if/elif/else on constants and TYPE_CHECKING, one-line
if, try/except/else/finally, with, for over literals, while False, +=, del,
def/class/import rebinding, NFKC names, PEP 263 coding declarations), with
values that make Alembic succeed or fail (a parent that exists, one that
does not, a value that is not a str). The guard's `heads -v --format json`
must agree with each of the three Alembics of test_differential (Debian's
1.8.1, 1.13.2 and 1.18.4 from tests/oracles.sh): the same verdict, a
fitting finding code, the same graph.

Forms whose effect only running Python knows (a test on os.environ, a
`for` over range(), a walrus, a `while` loop, an except that may run) are
generated too: there the guard must block with `unresolved-value`, whatever
Alembic does.

The one known, deliberate difference: a `def branch_labels` makes Alembic
1.8.1 load the function as a label (later ones too); the guard refuses a
label that is not a str (parse-error), as it refuses `branch_labels = 1`.
It is counted and printed, not hidden.

AG_PYEXEC_COUNT (default 240; AG_QUICK=1: 90) and AG_PYEXEC_SEED.
"""
import os
import random
import shutil
import tempfile
import unittest

import test_differential as td

QUICK = bool(os.environ.get("AG_QUICK"))
COUNT = int(os.environ.get("AG_PYEXEC_COUNT") or (90 if QUICK else 240))
SEED = int(os.environ.get("AG_PYEXEC_SEED") or "20261203")

CONST_TRUE = ["True", "1", "'x'", "(1,)", "not False", "not None", "0x1", "-1", "[0]"]
CONST_FALSE = ["False", "None", "0", "''", "()", "not True", "not 'x'", "0.0", "[]"]


def lit(rnd, v):
    q = rnd.choice(["'", '"'])
    return "%s%s%s" % (q, v, q)


def form(rnd, rev, parent, other):
    """(text of the subject migration, kind, expect) for one random form.
    expect: 'certain' (the guard must agree with Alembic) or 'unresolved'
    (the guard must block with unresolved-value)."""
    # a target that exists, or that does not (Alembic: KeyError)
    good, bad = lit(rnd, parent), lit(rnd, "zz" + rev)
    pick = lambda: rnd.choice([good, good, bad])  # noqa: E731
    head = "revision = %s\n" % lit(rnd, rev)
    k = rnd.choice(["if", "elif", "oneline", "typecheck", "try", "try-raise", "with", "for",
                    "for-str", "for-empty", "while-false", "aug", "aug-bad", "del", "rebind",
                    "nfkc", "coding", "nested", "env", "range", "walrus", "while", "match",
                    "global"])
    a, b = pick(), pick()
    if k == "if":
        t = rnd.choice(CONST_TRUE + CONST_FALSE)
        return head + "down_revision = %s\nif %s:\n    down_revision = %s\nelse:\n    pass\n" % (
            a, t, b), k, "certain"
    if k == "elif":
        t1, t2 = rnd.choice(CONST_FALSE), rnd.choice(CONST_TRUE + CONST_FALSE)
        return head + ("if %s:\n    down_revision = %s\nelif %s:\n    down_revision = %s\n"
                       "else:\n    down_revision = %s\n") % (t1, pick(), t2, a, b), k, "certain"
    if k == "oneline":
        t = rnd.choice(CONST_TRUE + CONST_FALSE)
        return head + "down_revision = %s\nif %s: down_revision = %s; branch_labels = None\n" % (
            a, t, b), k, "certain"
    if k == "typecheck":
        imp, name = rnd.choice([("from typing import TYPE_CHECKING", "TYPE_CHECKING"),
                                ("import typing", "typing.TYPE_CHECKING"),
                                ("import typing as t", "t.TYPE_CHECKING")])
        neg = rnd.choice(["", "not "])
        return "%s\n%sdown_revision = %s\nif %s%s:\n    down_revision = %s\n" % (
            imp, head, a, neg, name, b), k, "certain"
    if k == "try":
        return head + ("try:\n    down_revision = %s\nexcept Exception:\n    down_revision = %s\n"
                       "else:\n    branch_labels = None\nfinally:\n    depends_on = None\n") % (
            a, b), k, "certain"
    if k == "try-raise":
        # the body may raise: the handler may run, and it sets down_revision
        return head + ("down_revision = %s\ntry:\n    import json\nexcept ImportError:\n"
                       "    down_revision = %s\n") % (a, b), k, "unresolved"
    if k == "with":
        return head + ("import contextlib\nwith contextlib.nullcontext() as ctx:\n"
                       "    down_revision = %s\n") % a, k, "certain"
    if k == "for":
        seq = rnd.choice(["(%s,)" % a, "[%s, %s]" % (a, a), "(%s, %s)" % (a, b)])
        start = rnd.choice(["()", "[]"])
        return head + "down_revision = %s\nfor x in %s:\n    down_revision += (x,)\n" % (
            start, seq), k, "certain"
    if k == "for-str":
        return head + "for down_revision in %s:\n    pass\n" % rnd.choice(
            ["%s, %s" % (a, b), "(%s,)" % a]), k, "certain"
    if k == "for-empty":
        return head + ("down_revision = %s\nfor x in ():\n    down_revision = %s\nelse:\n"
                       "    branch_labels = None\n") % (a, b), k, "certain"
    if k == "while-false":
        return head + "down_revision = %s\nwhile %s:\n    down_revision = %s\n" % (
            a, rnd.choice(CONST_FALSE), b), k, "certain"
    if k == "aug":
        op = rnd.choice(["tt", "lt", "ll", "ss"])
        if op == "tt":
            body = "down_revision = (%s,)\ndown_revision += (%s,)\n" % (a, b)
        elif op == "lt":
            body = "down_revision = [%s]\ndown_revision += (%s,)\n" % (a, b)
        elif op == "ll":
            body = "down_revision = [%s]\ndown_revision += [%s]\n" % (a, b)
        else:
            body = "down_revision = %s\ndown_revision += ''\n" % a
        return head + body, k, "certain"
    if k == "aug-bad":
        body = rnd.choice(["down_revision = (%s,)\ndown_revision += [%s]\n" % (a, b),
                           "down_revision = %s\ndown_revision += (%s,)\n" % (a, b),
                           "down_revision = None\ndown_revision += (%s,)\n" % b])
        return head + body, k, "certain"
    if k == "del":
        what = rnd.choice(["revision", "down_revision", "branch_labels", "depends_on"])
        return head + ("down_revision = %s\nbranch_labels = ('lbl_%s',)\ndepends_on = None\n"
                       "del %s\n") % (a, rev, what), k, "certain"
    if k == "rebind":
        what = rnd.choice(["def down_revision():\n    pass\n", "class down_revision:\n    pass\n",
                           "import os as down_revision\n", "def depends_on():\n    pass\n",
                           "def revision():\n    pass\n", "def branch_labels():\n    pass\n"])
        return head + "down_revision = %s\n%s" % (a, what), k, "certain"
    if k == "nfkc":
        # fullwidth r (U+FF52): Python binds `revision`
        return "\uff52evision = %s\ndown_\uff52evision = %s\n" % (lit(rnd, rev), a), k, "certain"
    if k == "coding":
        text = ("# -*- coding: latin-1 -*-\n\"\"\"caf\u00e9\n\nRevision ID: %s\n\"\"\"\n%s"
                "down_revision = %s  # \u00e9\n") % (rev, head, a)
        return text.encode("latin-1"), k, "certain"
    if k == "nested":
        return head + ("if True:\n    for x in (%s,):\n        try:\n            down_revision = x\n"
                       "        finally:\n            pass\n") % a, k, "certain"
    if k == "env":
        return head + ("import os\ndown_revision = %s\nif os.environ.get('AG_PYEXEC_UNSET'):\n"
                       "    down_revision = %s\n") % (a, b), k, "unresolved"
    if k == "range":
        return head + "down_revision = %s\nfor i in range(1):\n    down_revision = %s\n" % (
            a, b), k, "unresolved"
    if k == "walrus":
        return head + "down_revision = %s\n(down_revision := %s)\n" % (a, b), k, "unresolved"
    if k == "while":
        return head + "down_revision = %s\nwhile True:\n    down_revision = %s\n    break\n" % (
            a, b), k, "unresolved"
    if k == "match":
        return head + "down_revision = %s\nmatch 1:\n    case 1:\n        down_revision = %s\n" % (
            a, b), k, "unresolved"
    # global
    return head + ("down_revision = %s\ndef f():\n    global down_revision\n"
                   "    down_revision = %s\nf()\n") % (a, b), k, "unresolved"


def gen(rnd, i):
    """files, kind, expect: a chain base <- mid <- subject (<- child)."""
    base, mid, rev = "b%03d" % i, "m%03d" % i, "s%03d" % i
    files = {
        base + "_base.py": "revision = '%s'\ndown_revision = None\n" % base,
        mid + "_mid.py": "revision = '%s'\ndown_revision = '%s'\n" % (mid, base),
    }
    text, kind, expect = form(rnd, rev, mid, base)
    files[rev + "_subject.py"] = text
    if rnd.random() < 0.3:
        files["c%03d_child.py" % i] = "revision = 'c%03d'\ndown_revision = '%s'\n" % (i, rev)
    return files, kind, expect


def write(root, name, files):
    d = os.path.join(root, name)
    versions = os.path.join(d, "versions")
    os.makedirs(versions)
    for rel, v in files.items():
        with open(os.path.join(versions, rel), "wb") as f:
            f.write(v if isinstance(v, bytes) else v.encode("utf-8"))
    return {"dir": d, "versions": versions}


def classify(al, g, expect):
    """'agree', 'blocked' (unresolved-value, as expected), 'labels' (the
    known branch_labels difference) or 'disagree' with details."""
    doc = g["doc"]
    errors = [f for f in (doc or {}).get("findings", []) if f["severity"] == "error"]
    codes = {f["code"] for f in errors}
    if expect == "unresolved":
        if g["rc"] == 1 and "unresolved-value" in codes:
            return "blocked", None
        return "disagree", "expected unresolved-value; guard exit %d, %s" % (g["rc"], sorted(codes))
    if "unresolved-value" in codes:
        return "disagree", "a certain form is unresolved: %s" % [
            f["message"] for f in errors if f["code"] == "unresolved-value"]
    probs = td.compare(al, g)
    if not probs:
        return "agree", None
    if al["ok"] and codes == {"parse-error"} and any(
            "branch_labels" in f["message"] for f in errors):
        return "labels", None
    return "disagree", "; ".join("%s: %s" % p for p in probs)


class TestPyexec(unittest.TestCase):
    def test_alembic_agrees(self):
        root = tempfile.mkdtemp(prefix="ag-pyexec.")
        rnd = random.Random(SEED)
        cases = []
        try:
            for i in range(COUNT):
                files, kind, expect = gen(rnd, i)
                cases.append((write(root, "c%04d" % i, files), files, kind, expect))
            tally, bad, kinds = {}, [], {}
            for version in td.VERSIONS:
                jobs = [c[0] for c in cases]
                guards = {}

                def run_all():
                    for j in jobs:
                        guards[j["dir"]] = td.run_guard(j, version)
                als, _ = td.judge(version).ask_many(jobs, meanwhile=run_all)
                for (job, files, kind, expect), al in zip(cases, als):
                    verdict, why = classify(al, guards[job["dir"]], expect)
                    tally[(version, verdict)] = tally.get((version, verdict), 0) + 1
                    kinds.setdefault(kind, set()).add("ok" if al["ok"] else al["error"]["type"])
                    if verdict == "disagree":
                        bad.append((version, kind, why, files))
            print("\npyexec: %d directories x %d Alembics (seed %d)" % (COUNT, len(td.VERSIONS),
                                                                       SEED))
            for version in td.VERSIONS:
                print("  Alembic %s: %s" % (version, ", ".join(
                    "%s %d" % (v, tally.get((version, v), 0))
                    for v in ("agree", "blocked", "labels", "disagree"))))
            print("  forms (Alembic's outcomes): %s" % "; ".join(
                "%s %s" % (k, "/".join(sorted(v))) for k, v in sorted(kinds.items())))
            for version, kind, why, files in bad[:8]:
                print("---- disagreement (Alembic %s, %s): %s" % (version, kind, why))
                print(td.show_files({k: v.decode("latin-1") if isinstance(v, bytes) else v
                                     for k, v in files.items()}))
            self.assertEqual(bad, [], "%d disagreements" % len(bad))
            # the generator reached both outcomes of Alembic
            outcomes = set().union(*kinds.values())
            self.assertIn("ok", outcomes)
            self.assertTrue(outcomes - {"ok"}, outcomes)
        finally:
            if not os.environ.get("AG_DIFF_KEEP"):
                shutil.rmtree(root, ignore_errors=True)


def tearDownModule():
    td.tearDownModule()


if __name__ == "__main__":
    unittest.main()
