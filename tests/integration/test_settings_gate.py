"""The [alembic-guard] settings where they meet the gate and the command line:
--target beats the settings' target; `replaces` turns an old squashed id into
`replaced-db-revision` with the exact UPDATE (and the real Alembic upgrades
after it runs); `ignore` and `severity` reach database findings too."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

INI = """[alembic]
script_location = %(here)s/migrations

[alembic-guard]
%s
"""


class SettingsGate(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-settings.")
        self.versions = os.path.join(self.tmp, "migrations", "versions")
        os.makedirs(self.versions)
        self.db, self.url = harness.pg().create_db("settings")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def settings(self, text):
        with open(os.path.join(self.tmp, "alembic.ini"), "w") as f:
            f.write(INI.replace("%s", text))

    def guard(self, *args):
        return harness.run_guard("-c", os.path.join(self.tmp, "alembic.ini"), *args,
                                 "--database-url", self.url, cwd=self.tmp)

    def json_of(self, r):
        self.assertTrue(r.stdout.strip(), r.stderr)
        return json.loads(r.stdout)

    def test_target_option_beats_the_settings(self):
        harness.write_migration(self.versions, "root", None)
        harness.write_migration(self.versions, "h1", "root")
        harness.write_migration(self.versions, "h2", "root")
        self.settings("target = heads")
        harness.stamp(self.url, "root")
        for cmd in ("lint", "check", "diagnose"):
            r = self.guard(cmd)
            self.assertEqual(r.returncode, 0, "%s with target = heads: %s%s" % (cmd, r.stdout, r.stderr))
            r = self.guard(cmd, "--target", "head")
            self.assertEqual(r.returncode, 1, "%s --target head: %s%s" % (cmd, r.stdout, r.stderr))
            self.assertIn("multiple-heads", r.stdout)

    def test_replaces_names_the_update_and_alembic_agrees(self):
        harness.write_migration(self.versions, "base_2024", None)
        harness.write_migration(self.versions, "c3", "base_2024")
        self.settings("replaces =\n    3f1c2d4e5a6b = base_2024\n    9a8b7c6d5e4f = base_2024")
        harness.stamp(self.url, "9a8b7c6d5e4f")
        r = self.guard("check", "--format", "json")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        doc = self.json_of(r)
        codes = [f["code"] for f in doc["findings"] if f["severity"] == "error"]
        self.assertEqual(codes, ["replaced-db-revision"], doc["findings"])
        f = doc["findings"][[x["code"] for x in doc["findings"]].index("replaced-db-revision")]
        update = "UPDATE alembic_version SET version_num = 'base_2024' WHERE version_num = '9a8b7c6d5e4f'"
        self.assertIn(update, f["fix"])
        with open(os.path.join(self.tmp, "migrations", "env.py"), "w") as fh:
            fh.write("import os\nfrom alembic import context\nfrom sqlalchemy import create_engine\n"
                     "e = create_engine(os.environ['DATABASE_URL'])\n"
                     "with e.connect() as c:\n    context.configure(connection=c)\n"
                     "    with context.begin_transaction():\n        context.run_migrations()\n")
        self.assertNotEqual(self.alembic_upgrade().returncode, 0, "Alembic must fail before the fix")
        # The fix, run as printed, makes the gate and the real Alembic pass.
        c = harness.pg().conn(self.db)
        c.cursor().execute(update)
        c.close()
        r = self.guard("check")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        a = self.alembic_upgrade()
        self.assertEqual(a.returncode, 0, a.stderr[-2000:])
        self.assertEqual(harness.rows(self.url), ["c3"])

    def alembic_upgrade(self):
        return subprocess.run([harness.PY, "-m", "alembic", "-c", "alembic.ini", "upgrade", "head"],
                              cwd=self.tmp, capture_output=True, text=True,
                              env=dict(harness.guard_env(), DATABASE_URL=self.url), timeout=120)

    def test_ignore_and_severity_reach_database_findings(self):
        harness.write_migration(self.versions, "a1", None)
        harness.stamp(self.url, "zz_ahead")
        self.settings("")
        r = self.guard("check")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.settings("severity =\n    unknown-db-revision = warning")
        r = self.guard("check", "--format", "json")
        doc = self.json_of(r)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        sev = {f["code"]: f["severity"] for f in doc["findings"]}
        self.assertEqual(sev["unknown-db-revision"], "warning")
        r = self.guard("check", "--strict")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.settings("ignore = unknown-db-revision")
        r = self.guard("check", "--format", "json")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertNotIn("unknown-db-revision", [f["code"] for f in self.json_of(r)["findings"]])


if __name__ == "__main__":
    unittest.main()
