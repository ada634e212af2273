"""What an app ships: Procfile.example's release line, release/heroku-release.sh
and app.json, run the way Heroku runs them, with the real Alembic (an
`alembic` on PATH that is Debian's, /usr/bin/python3 -m alembic) against the
harness's PostgreSQL, on a copy of the guestbook example."""
import json
import os
import re
import shutil
import stat
import subprocess
import tempfile
import unittest

import harness

ROOT = harness.ROOT
GUESTBOOK = os.path.join(ROOT, "examples", "guestbook")


def procfile_line(kind):
    with open(os.path.join(ROOT, "Procfile.example")) as f:
        for line in f:
            if line.startswith(kind + ":"):
                return line.split(":", 1)[1].strip()
    raise AssertionError("Procfile.example has no %s: line" % kind)


class AppCase(unittest.TestCase):
    """A slug: the app, bin/alembic-guard, and `alembic` on PATH."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-ship.")
        self.app = os.path.join(self.tmp, "app")
        shutil.copytree(GUESTBOOK, self.app)
        bindir = os.path.join(self.app, "bin")
        os.makedirs(bindir)
        shutil.copy(harness.BIN, os.path.join(bindir, "alembic-guard"))
        shutil.copy(os.path.join(ROOT, "release", "heroku-release.sh"),
                    os.path.join(bindir, "heroku-release.sh"))
        shims = os.path.join(self.tmp, "shims")
        os.makedirs(shims)
        alembic = os.path.join(shims, "alembic")
        with open(alembic, "w") as f:
            f.write("#!/bin/sh\nexec %s -m alembic \"$@\"\n" % harness.PY)
        os.chmod(alembic, os.stat(alembic).st_mode | stat.S_IEXEC)
        _, self.url = harness.pg().create_db("ship")
        self.env = harness.guard_env()
        self.env["PATH"] = shims + os.pathsep + self.env.get("PATH", "/usr/bin:/bin")
        # Heroku's form of the URL: postgres://, which both tools must take.
        self.env["DATABASE_URL"] = self.url.replace("postgresql://", "postgres://")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def sh(self, command):
        """Runs a Procfile command as the dyno does: sh -c, in the app."""
        return subprocess.run(["sh", "-c", command], cwd=self.app, env=self.env,
                              capture_output=True, text=True, timeout=180)

    def stamp_incident(self):
        """Production's state in the guestbook incident: create_guests and
        add_votes ran, then the database was stamped guest_lockout_001 by hand,
        whose file never reached the repository."""
        lockout = os.path.join(self.app, "migrations", "versions",
                               "9d7e6f5a4b3c_guest_vote_lockout.py")
        kept = lockout + ".off"
        os.rename(lockout, kept)
        r = self.sh("alembic upgrade head")
        os.rename(kept, lockout)
        self.assertEqual(r.returncode, 0, r.stderr)
        harness.stamp_replace(self.url, "guest_lockout_001")


class TestProcfile(AppCase):
    def test_release_line(self):
        line = procfile_line("release")
        self.assertEqual(line, "bin/alembic-guard release --on-ahead skip -- alembic upgrade head")
        # gunicorn binds 0.0.0.0:$PORT by itself when PORT is set.
        self.assertEqual(procfile_line("web"), "gunicorn app:app")

    def test_release_line_blocks_the_incident(self):
        self.stamp_incident()
        r = self.sh(procfile_line("release"))
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("guest_lockout_001", r.stdout)
        self.assertEqual(harness.rows(self.url), ["guest_lockout_001"])

    def test_release_line_upgrades_after_the_fix(self):
        self.stamp_incident()
        r = self.sh("bin/alembic-guard backfill guest_lockout_001 --write")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.sh(procfile_line("release"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(harness.rows(self.url), ["9d7e6f5a4b3c"])
        self.assertIn("Running upgrade guest_lockout_001 -> 9d7e6f5a4b3c", r.stderr)

    def test_rollback_choice(self):
        """`heroku rollback` across a migration: the release phase runs the older
        code against a database that is ahead of it. The template's skip lets it
        through without migrating; auto without a Platform API token cannot tell
        a rollback, so it blocks and says why."""
        r = self.sh("bin/alembic-guard backfill guest_lockout_001 --write")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.sh(procfile_line("release"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # The older release's code: without the lockout migration.
        os.remove(os.path.join(self.app, "migrations", "versions",
                               "9d7e6f5a4b3c_guest_vote_lockout.py"))
        r = self.sh(procfile_line("release"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("NOT running `alembic upgrade head`", r.stderr)
        self.assertEqual(harness.rows(self.url), ["9d7e6f5a4b3c"])
        auto = procfile_line("release").replace("--on-ahead skip", "--on-ahead auto")
        r = self.sh(auto)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("no HEROKU_API_KEY", r.stderr)
        self.assertIn("9d7e6f5a4b3c", r.stdout)


class TestWrapperScript(AppCase):
    def test_passes_checks_exit_code_and_does_not_run_alembic(self):
        self.stamp_incident()
        r = self.sh("sh bin/heroku-release.sh")
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("not running alembic upgrade head", r.stderr)
        self.assertEqual(harness.rows(self.url), ["guest_lockout_001"])
        # A configuration error (2) passes through as well.
        r = self.sh("sh bin/heroku-release.sh --config nowhere.ini")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        # An unreachable database (3).
        self.env["DATABASE_URL"] = "postgres://u:SecretPw1@127.0.0.1:1/x"
        r = self.sh("sh bin/heroku-release.sh")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertNotIn("SecretPw1", r.stdout + r.stderr)

    def test_runs_alembic_and_passes_its_exit_code(self):
        # A repaired repository and a fresh database: the whole chain runs.
        r = self.sh("bin/alembic-guard backfill guest_lockout_001 --write")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.sh("sh bin/heroku-release.sh")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(harness.rows(self.url), ["9d7e6f5a4b3c"])
        # Alembic's own failure comes back too: a migration that raises.
        path = os.path.join(self.app, "migrations", "versions", "aa11_boom.py")
        with open(path, "w") as f:
            f.write("revision = 'aa11'\ndown_revision = '9d7e6f5a4b3c'\nbranch_labels = None\n"
                    "depends_on = None\n\n\ndef upgrade():\n    raise SystemExit(7)\n\n\n"
                    "def downgrade():\n    pass\n")
        r = self.sh("sh bin/heroku-release.sh")
        self.assertEqual(r.returncode, 7, r.stdout + r.stderr)


class TestAppJson(unittest.TestCase):
    def setUp(self):
        with open(os.path.join(ROOT, "app.json")) as f:
            self.app = json.load(f)

    def test_shape(self):
        for key in ("name", "description", "addons", "env", "environments"):
            self.assertIn(key, self.app)
        plans = [a["plan"] if isinstance(a, dict) else a for a in self.app["addons"]]
        self.assertTrue(any(p.startswith("heroku-postgresql") for p in plans), plans)
        for name, var in self.app["env"].items():
            self.assertTrue(var.get("description"), name)

    def test_env_vars_are_ones_the_guard_reads(self):
        sources = ""
        for d in ("cmd", "lib"):
            for name in os.listdir(os.path.join(ROOT, d)):
                if name.endswith(".c"):
                    with open(os.path.join(ROOT, d, name)) as f:
                        sources += f.read()
        for name in self.app["env"]:
            # libpq reads the PG* variables itself.
            if not name.startswith("PG"):
                self.assertRegex(sources, r'getenv\("%s"\)|env\("%s"\)' % (name, name), name)

    def test_ci_scripts_run_the_guard(self):
        scripts = self.app["environments"]["test"]["scripts"]
        self.assertIn("bin/alembic-guard", scripts["test"])
        for cmd in re.findall(r"bin/alembic-guard (\w[\w-]*)", " ".join(scripts.values())):
            r = harness.run_guard(cmd, "--help")
            self.assertEqual(r.returncode, 0, "app.json runs `%s`: %s" % (cmd, r.stderr))


if __name__ == "__main__":
    unittest.main()
