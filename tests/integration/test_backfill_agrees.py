"""After `backfill --write`, what backfill says of the repository is what
the next `check` says: the same warnings (the lint rules run on the
repository the repair leaves), in a project whose own naming habit the
placeholder does not follow and in one whose habit it does."""
import json
import os
import shutil
import tempfile
import unittest

import harness


class TestBackfillAgrees(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-bfagree.")
        self.versions = os.path.join(self.tmp, "versions")
        os.makedirs(self.versions)
        self.db, self.url = harness.pg().create_db("bfagree")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def warnings(self, doc):
        return sorted((f["code"], os.path.basename(f.get("file") or ""))
                      for f in doc["findings"] if f["severity"] == "warning")

    def run_case(self, names):
        # a1 -> (b2, missing) -> c3; the database is at b2.
        harness.write_migration(self.versions, "a1b2c3d4e5f6", None, filename=names[0])
        harness.write_migration(self.versions, "c3d4e5f6a7b8", "b2c3d4e5f6a7", filename=names[1])
        harness.stamp(self.url, "b2c3d4e5f6a7")
        common = ["--versions", self.versions, "--database-url", self.url, "--format", "json"]
        r = harness.run_guard("backfill", "b2c3d4e5f6a7", "--after", "a1b2c3d4e5f6", "--write",
                              *common)
        self.assertIn(r.returncode, (0, 1), r.stderr)
        after = json.loads(r.stdout)
        r = harness.run_guard("check", *common)
        self.assertEqual(r.returncode, 0, r.stdout)
        check = json.loads(r.stdout)
        self.assertEqual(self.warnings(after), self.warnings(check))
        return self.warnings(check)

    def test_plain_names(self):
        self.assertEqual(self.run_case(["a1b2c3d4e5f6_first.py", "c3d4e5f6a7b8_third.py"]), [])

    def test_dated_names(self):
        # The placeholder is named by the default template, not the
        # project's dated habit: both say so.
        got = self.run_case(["2024_01_01_1000-a1b2c3d4e5f6_first.py",
                             "2024_01_03_1000-c3d4e5f6a7b8_third.py"])
        self.assertEqual(got, [("file-name-convention", "b2c3d4e5f6a7_placeholder.py")])


if __name__ == "__main__":
    unittest.main()
