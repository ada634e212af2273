"""The corpora stage (`make corpora`): the guard against real public Alembic
projects. It needs a checkout of the project's shared data beside the clone
(`../shared/corpora`, or AG_CORPORA=DIR), which a user's clone does not have,
so it is not part of `make test`; CI runs it after `make test`.

Runs every tests/corpora/test_*.py (or the modules named on the command line)
and ends with one line `corpora: N passed, N failed`. A missing corpus
directory is a failure that says so, never a silent pass.
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)


def corpora_dir():
    """The corpus directory, or None when there is none."""
    d = os.environ.get("AG_CORPORA") or os.path.join(os.path.dirname(ROOT), "shared", "corpora")
    return d if os.path.isfile(os.path.join(d, "MANIFEST.tsv")) else None


def main(argv):
    if os.environ.get("AG_BIN"):  # the tests run Alembic's projects from their own cwd
        os.environ["AG_BIN"] = os.path.abspath(os.environ["AG_BIN"])
    label = os.environ.get("AG_LABEL", "corpora")
    if corpora_dir() is None:
        print("%s: no corpus directory (../shared/corpora or AG_CORPORA) with a MANIFEST.tsv; "
              "this stage cannot run" % label)
        print("%s: 0 passed, 1 failed" % label)
        return 1
    names = [a for a in argv if not a.startswith("-")]
    loader = unittest.TestLoader()
    if names:
        suite = unittest.TestSuite(loader.loadTestsFromName(n) for n in names)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    t0 = time.monotonic()
    res = unittest.TextTestRunner(verbosity=2, stream=sys.stdout).run(suite)
    # Counted per test, not per report: each failing subTest (one per
    # project and Alembic) adds a report of its own.
    def test_id(t):
        return getattr(t, "test_case", t).id()
    bad = {test_id(t) for t, _ in res.failures + res.errors}
    bad |= {test_id(t) for t in res.unexpectedSuccesses}
    for test, why in res.skipped:
        print("SKIPPED (counts as failed): %s: %s" % (test, why))
        bad.add(test_id(test))
    failed = len(bad)
    passed = res.testsRun - failed
    print("%s: %d passed, %d failed (%.0f s)" % (label, passed, failed, time.monotonic() - t0))
    if res.testsRun == 0:
        print("%s: no test ran" % label)
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
