"""The guard against what real Alembics computed on real projects.

For every folder of MANIFEST.tsv and both truth files (Alembic 1.8.1 and
1.18.4, see the corpus README), the guard is told that Alembic with
--alembic-version and run as the truth's loader ran it (the same version
locations, --recursive where the loader added every subfolder, --define for
the names the loader stubbed): its revision count, heads, bases and its
verdict (an error where Alembic raised, none where it did not) must be the
truth's. One subtest per project and version, so a failure names both.
"""
import csv
import json
import os
import subprocess
import unittest

from run import corpora_dir

BIN = os.environ.get("AG_BIN") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "build", "alembic-guard")
VERSIONS = ("1.8.1", "1.18.4")


def guard_args(row):
    """The guard's options that reproduce the loader's oracle_args."""
    args = []
    words = row["oracle_args"].split()
    i = 0
    while i < len(words):
        if words[i] == "--recursive":
            args.append("--recursive")
        elif words[i] == "--stub" and i + 1 < len(words):
            # --stub module.NAME=value: the file says constants.NAME
            name, _, value = words[i + 1].partition("=")
            args += ["--define", "constants.%s=%s" % (name.rsplit(".", 1)[-1], value)]
            i += 1
        i += 1
    for loc in row["versions_path"].split():
        args += ["--versions", loc]
    return args


def rows():
    d = corpora_dir()
    if d is None:
        return []
    with open(os.path.join(d, "MANIFEST.tsv"), newline="") as f:
        return list(csv.DictReader(f, delimiter="\t"))


class TestTruth(unittest.TestCase):
    maxDiff = None

    def test_corpus_is_there(self):
        self.assertIsNotNone(corpora_dir(), "no corpus directory (AG_CORPORA)")
        self.assertGreaterEqual(len(rows()), 20)

    def check(self, row):
        folder = os.path.join(corpora_dir(), row["name"])
        for version in VERSIONS:
            with self.subTest(alembic=version):
                with open(os.path.join(folder, "TRUTH-alembic-%s.json" % version)) as f:
                    truth = json.load(f)
                self.assertEqual(truth["oracle"]["alembic"], version)
                env = {k: v for k, v in os.environ.items()
                       if k not in ("ALEMBIC_CONFIG", "DATABASE_URL")}
                env["NO_COLOR"] = "1"
                r = subprocess.run([BIN, "heads", "-v", "--format", "json",
                                    "--alembic-version", version, *guard_args(row)],
                                   cwd=folder, capture_output=True, text=True, env=env,
                                   timeout=120)
                doc = json.loads(r.stdout)
                self.assertEqual(doc["alembic"]["version"], version)
                repo = doc["repository"]
                errors = ["%s: %s" % (x["code"], x["message"]) for x in doc["findings"]
                          if x["severity"] == "error"]
                if truth["error"]:
                    self.assertEqual(r.returncode, 1, "Alembic raised %r; the guard passed"
                                     % (truth["error"],))
                    self.assertTrue(errors)
                else:
                    self.assertEqual(errors, [], "Alembic loaded it; the guard blocked")
                    self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(repo["revision_count"], truth["revision_count"])
                self.assertEqual(sorted(repo["heads"]), sorted(set(truth["heads"])))
                self.assertEqual(sorted(repo["bases"]), sorted(set(truth["bases"])))
                self.assertEqual(sorted(repo["merge_points"]), sorted(truth["merge_points"]))
                self.assertEqual(sorted(repo["branch_points"]), sorted(truth["branch_points"]))


def _project(row):
    def test(self):
        self.check(row)
    test.__name__ = "test_" + row["name"].replace("-", "_")
    return test


for _row in rows():
    setattr(TestTruth, "test_" + _row["name"].replace("-", "_"), _project(_row))


if __name__ == "__main__":
    unittest.main()
