"""Runs the integration tests (every tests/integration/test_*.py, or the modules
named on the command line) and ends with one line `LABEL: N passed, N failed`.

AG_BIN picks the binary (default build/alembic-guard); the PostgreSQL comes
from the AG_PG_* variables of tests/run-all.sh, or is started here.
"""
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


class Result(unittest.TextTestResult):
    """Prints each test's time, so a slow one shows where the minutes go."""

    def startTest(self, test):
        self._t0 = time.monotonic()
        super().startTest(test)

    def stopTest(self, test):
        super().stopTest(test)
        if self.showAll:
            self.stream.writeln("    (%.1f s)" % (time.monotonic() - self._t0))


def main(argv):
    label = os.environ.get("AG_LABEL", "integration")
    names = [a for a in argv if not a.startswith("-")]
    loader = unittest.TestLoader()
    if names:
        suite = unittest.TestSuite(loader.loadTestsFromName(n) for n in names)
    else:
        suite = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    harness.pg()  # start (or attach to) the server before the first test
    t0 = time.monotonic()
    runner = unittest.TextTestRunner(verbosity=2, resultclass=Result, stream=sys.stdout)
    res = runner.run(suite)
    # Counted per test, not per report: one test's failing subTests each add
    # a report, and counting those made "passed" go negative.
    def test_id(t):
        return getattr(t, "test_case", t).id()
    bad = {test_id(t) for t, _ in res.failures + res.errors}
    bad |= {test_id(t) for t in res.unexpectedSuccesses}
    # A skip would hide an untested path: it counts as a failure here.
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
