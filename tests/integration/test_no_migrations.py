"""No silent pass: a configuration or --versions that yields no migration
file is the error no-migrations, naming the directories searched, never
"OK: safe to run"; a database stamped with ids while the repository has none
says the repository is what is wrong, never "the database is ahead", and
`release --on-ahead skip` does not skip on it.
"""
import json
import os
import shutil
import tempfile
import unittest

import harness


class NoMigrationsCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-nomig.")
        self.db, self.url = harness.pg().create_db("nomig")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def dir(self, *parts):
        d = os.path.join(self.tmp, *parts)
        os.makedirs(d, exist_ok=True)
        return d

    def check(self, *args, fmt="json"):
        r = harness.run_guard("check", "--format", fmt, "--database-url", self.url, *args,
                              cwd=self.tmp)
        return r, (json.loads(r.stdout) if fmt == "json" else None)

    def finding(self, doc, code):
        for f in doc["findings"]:
            if f["code"] == code:
                return f
        self.fail("no %s in %s" % (code, [f["code"] for f in doc["findings"]]))

    def test_empty_versions_on_a_fresh_database(self):
        empty = self.dir("versions")
        r, doc = self.check("--versions", empty)
        self.assertEqual(r.returncode, 1, r.stdout)
        self.assertEqual(doc["verdict"], "blocked")
        f = self.finding(doc, "no-migrations")
        self.assertEqual(f["severity"], "error")
        # Shown relative to the directory the guard runs in, as typed.
        self.assertIn("no migration file found in versions (from --versions)", f["message"])
        r, _ = self.check("--versions", empty, fmt="text")
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("OK", r.stdout)
        self.assertIn("no migration file found in versions", r.stdout)
        self.assertIn("no-migrations", r.stdout)

    def test_wrong_directory_names_each_directory(self):
        # The parent of the real versions directory, without --recursive:
        # README and a subfolder, no .py file of its own.
        top = self.dir("alembic")
        with open(os.path.join(top, "README"), "w") as f:
            f.write("Generic single-database configuration.\n")
        harness.write_migration(self.dir("alembic", "versions"), "a1", None)
        other = self.dir("other")
        r, doc = self.check("--versions", top, "--versions", other)
        self.assertEqual(r.returncode, 1, r.stdout)
        f = self.finding(doc, "no-migrations")
        self.assertIn("found in alembic, other (", f["message"])
        self.assertIn("--recursive", f["fix"])
        # With --recursive the same directory holds the migration: no error.
        r, doc = self.check("--versions", top, "--recursive")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertNotIn("no-migrations", [x["code"] for x in doc["findings"]])

    def test_config_pointing_at_an_empty_directory(self):
        self.dir("migrations", "versions")
        with open(os.path.join(self.tmp, "alembic.ini"), "w") as f:
            f.write("[alembic]\nscript_location = migrations\n")
        r, doc = self.check("-c", "alembic.ini")
        self.assertEqual(r.returncode, 1, r.stdout)
        f = self.finding(doc, "no-migrations")
        self.assertIn("migrations/versions", f["message"])
        self.assertIn("version locations of the config", f["message"])
        self.assertIn("alembic.ini", f["fix"])

    def test_stamped_database_and_no_files(self):
        empty = self.dir("versions")
        harness.stamp(self.url, "c3d4e5f6a7b8")
        r, doc = self.check("--versions", empty)
        self.assertEqual(r.returncode, 1, r.stdout)
        f = self.finding(doc, "unknown-db-revision")
        self.assertEqual(f["cause"], "no-migrations")
        self.assertIn("the repository has no migration file at all", f["message"])
        self.assertNotIn("ahead", f["message"])
        r, _ = self.check("--versions", empty, fmt="text")
        self.assertNotIn("ahead", r.stdout)
        # The repository's finding comes first.
        self.assertLess(r.stdout.index("no-migrations"), r.stdout.index("unknown-db-revision"),
                        r.stdout)
        # A rollback may be skipped; an empty repository may not.
        marker = os.path.join(self.tmp, "ran")
        r = harness.run_guard("release", "--on-ahead", "skip", "--versions", empty,
                              "--database-url", self.url, "--", "touch", marker, cwd=self.tmp)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(marker))

    def test_lint_and_heads_without_a_database(self):
        empty = self.dir("versions")
        for cmd in ("lint", "heads"):
            r = harness.run_guard(cmd, "--versions", empty, cwd=self.tmp)
            self.assertEqual(r.returncode, 1, "%s: %s %s" % (cmd, r.stdout, r.stderr))
            self.assertIn("no-migrations", r.stdout + r.stderr, cmd)


if __name__ == "__main__":
    unittest.main()
