"""`alembic-guard init` on real project directories: the Procfile release line
written or merged (other process types and comments kept, an existing release
line shown as a diff and changed only with --write), the rollback choice from
HEROKU_API_KEY, the settings block in pyproject.toml or alembic.ini with the
detected target, a second run that changes nothing, and the written release
line run as a release dyno runs it (bash, the real Alembic, PostgreSQL)."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
GUESTBOOK = os.path.join(HERE, "..", "..", "examples", "guestbook")

INI = "[alembic]\nscript_location = %(here)s/migrations\n"
TOML = '[tool.alembic]\nscript_location = "%(here)s/migrations"\n'
LINE = "release: bin/alembic-guard release --on-ahead %s -- alembic upgrade %s"


def flat(r):
    """stdout with the wrapping of explanations undone."""
    return " ".join(r.stdout.split())


class Init(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-init.")
        self.versions = os.path.join(self.tmp, "migrations", "versions")
        os.makedirs(self.versions)

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------
    def path(self, name):
        return os.path.join(self.tmp, name)

    def write(self, name, text, mode="w"):
        with open(self.path(name), mode, newline="") as f:
            f.write(text)

    def read(self, name):
        with open(self.path(name), newline="") as f:
            return f.read()

    def snapshot(self):
        """Every regular file under the project, with its bytes."""
        out = {}
        for root, _, files in os.walk(self.tmp):
            for n in files:
                p = os.path.join(root, n)
                with open(p, "rb") as f:
                    out[os.path.relpath(p, self.tmp)] = f.read()
        return out

    def linear(self):
        harness.write_migration(self.versions, "a1", None)
        harness.write_migration(self.versions, "b2", "a1")

    def expand_contract(self):
        harness.write_migration(self.versions, "root", None)
        harness.write_migration(self.versions, "e1", "root", branch_labels=("expand",))
        harness.write_migration(self.versions, "c1", "root", branch_labels=("contract",))

    def init(self, *args, key=None, code=0):
        env = harness.guard_env()
        if key is not None:
            env["HEROKU_API_KEY"] = key
        r = harness.run_guard("init", *args, env=env, cwd=self.tmp)
        self.assertEqual(r.returncode, code, r.stdout + r.stderr)
        return r

    # --- the Procfile ------------------------------------------------------------
    def test_fresh_procfile_dry_run_then_write_then_nothing(self):
        self.write("alembic.ini", INI)
        self.linear()
        before = self.snapshot()
        r = self.init()
        self.assertIn("--- /dev/null\n+++ Procfile\n", r.stdout)
        self.assertIn("+" + LINE % ("skip", "head") + "\n", r.stdout)
        self.assertIn("+[alembic-guard]\n", r.stdout)
        self.assertIn("dry run: nothing was written", r.stdout)
        self.assertEqual(self.snapshot(), before, "a dry run wrote something")

        r = self.init("--write")
        self.assertEqual(self.read("Procfile"), LINE % ("skip", "head") + "\n")
        self.assertIn("wrote Procfile", r.stdout)
        self.assertIn("edited alembic.ini", r.stdout)
        ini = self.read("alembic.ini")
        self.assertTrue(ini.startswith(INI + "\n[alembic-guard]\n"), ini)
        self.assertIn("\ntarget = head\n", ini)
        # The settings read back: lint takes them and passes.
        r2 = harness.run_guard("lint", cwd=self.tmp)
        self.assertEqual(r2.returncode, 0, r2.stdout + r2.stderr)

        after = self.snapshot()
        r = self.init("--write")
        self.assertIn("nothing to change", r.stdout)
        self.assertEqual(self.snapshot(), after, "a second run changed a file")
        # No temporary file is left beside the written ones.
        self.assertEqual(sorted(os.listdir(self.tmp)), ["Procfile", "alembic.ini", "migrations"])

    def test_merge_keeps_web_worker_and_comments(self):
        self.write("alembic.ini", INI)
        self.linear()
        procfile = ("# processes\r\nweb: gunicorn app:app --bind 0.0.0.0:$PORT\r\n\r\n"
                    "worker: celery -A app worker\r\n")
        self.write("Procfile", procfile)
        r = self.init()
        self.assertEqual(self.read("Procfile"), procfile)
        self.assertIn("add the release line (line 5)", r.stdout)
        self.init("--write")
        self.assertEqual(self.read("Procfile"), procfile + LINE % ("skip", "head") + "\r\n")
        self.init("--write")
        self.assertEqual(self.read("Procfile"), procfile + LINE % ("skip", "head") + "\r\n")

    def test_existing_release_line_is_a_diff_until_write(self):
        self.write("alembic.ini", INI)
        self.linear()
        old = ("web: gunicorn app:app\nrelease: python manage.py collect && alembic upgrade head\n"
               "worker: python worker.py\n")
        self.write("Procfile", old)
        r = self.init()
        self.assertIn("-release: python manage.py collect && alembic upgrade head\n", r.stdout)
        want = ("release: bin/alembic-guard release --on-ahead skip -- "
                "sh -c 'python manage.py collect && alembic upgrade head'")
        self.assertIn("+" + want + "\n", r.stdout)
        self.assertIn("runs `python manage.py collect && alembic upgrade head` without the guard",
                      r.stdout)
        self.assertEqual(self.read("Procfile"), old, "changed without --write")
        self.init("--write")
        self.assertEqual(self.read("Procfile"),
                         "web: gunicorn app:app\n" + want + "\nworker: python worker.py\n")
        r = self.init()
        self.assertIn("nothing to change", r.stdout)

        # A plain command is kept as written, without a shell.
        self.write("Procfile", "release: alembic upgrade head\n")
        self.init("--write")
        self.assertEqual(self.read("Procfile"), LINE % ("skip", "head") + "\n")

    def test_two_release_lines_are_refused(self):
        self.write("alembic.ini", INI)
        self.linear()
        text = "release: a\nweb: w\nrelease: b\n"
        self.write("Procfile", text)
        r = self.init("--write", code=2)
        self.assertIn("lines 1 and 3", r.stderr)
        self.assertEqual(self.read("Procfile"), text)

    def test_procfile_option_and_unreadable_procfile(self):
        self.write("alembic.ini", INI)
        self.linear()
        os.mkdir(self.path("deploy"))
        self.init("--procfile", "deploy/Procfile", "--write")
        self.assertEqual(self.read("deploy/Procfile"), LINE % ("skip", "head") + "\n")
        os.mkdir(self.path("Procfile"))
        r = self.init(code=4)
        self.assertIn("Procfile is not a regular file", r.stderr)
        r = self.init("--on-ahead", "sometimes", code=2)
        self.assertIn("--on-ahead wants fail, skip or auto", r.stderr)

    # --- the rollback choice ---------------------------------------------------------
    def test_heroku_api_key_on_and_off(self):
        self.write("alembic.ini", INI)
        self.linear()
        token = "hk-secret-token-1234567890"
        r = self.init(key=token)
        self.assertIn("+" + LINE % ("auto", "head"), r.stdout)
        self.assertIn("HEROKU_API_KEY is set", flat(r))
        self.assertIn("runtime-dyno-metadata", flat(r))
        self.assertNotIn(token, r.stdout + r.stderr)
        r = self.init(key="")
        self.assertIn("+" + LINE % ("skip", "head"), r.stdout)
        self.assertIn("HEROKU_API_KEY is not set", flat(r))
        r = self.init()
        self.assertIn("+" + LINE % ("skip", "head"), r.stdout)
        r = self.init("--on-ahead", "fail", key=token)
        self.assertIn("+" + LINE % ("fail", "head"), r.stdout)
        self.assertIn("chosen with --on-ahead fail", flat(r))

        # Written with the key: a later run without it keeps the line's choice.
        self.init("--write", key=token)
        r = self.init()
        self.assertIn("nothing to change", r.stdout)
        self.assertIn("kept from the Procfile", flat(r))
        # --on-ahead changes it, as a diff first.
        r = self.init("--on-ahead", "skip")
        self.assertIn("-" + LINE % ("auto", "head"), r.stdout)
        self.assertIn("+" + LINE % ("skip", "head"), r.stdout)

    # --- the settings --------------------------------------------------------------
    def test_pyproject_settings_with_expand_contract_heads(self):
        self.write("pyproject.toml", '[project]\nname = "app"\n\n' + TOML)
        self.expand_contract()
        # Without settings, two heads block.
        self.assertEqual(harness.run_guard("lint", cwd=self.tmp).returncode, 1)
        r = self.init("--write")
        self.assertIn("each with a branch label of its own (contract, expand)", flat(r))
        text = self.read("pyproject.toml")
        self.assertIn('\n[tool.alembic-guard]\n', text)
        self.assertIn('\ntarget = "heads"\n', text)
        self.assertIn('\nexpected_heads = ["contract", "expand"]\n', text)
        self.assertEqual(self.read("Procfile"), LINE % ("skip", "heads") + "\n")
        r = harness.run_guard("lint", cwd=self.tmp)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # A third head is now what the settings catch.
        harness.write_migration(self.versions, "x9", "root")
        r = harness.run_guard("lint", cwd=self.tmp)
        self.assertEqual(r.returncode, 1)
        self.assertIn("unexpected-heads", r.stdout)
        before = self.snapshot()
        r = self.init("--write")
        self.assertIn("already has [tool.alembic-guard]", r.stdout)
        self.assertEqual(self.snapshot(), before)

    def test_ini_settings_when_alembic_ini_is_the_config(self):
        self.write("alembic.ini", INI.replace("\n", "\r\n"))
        self.write("pyproject.toml", '[project]\nname = "app"\n')
        self.linear()
        harness.write_migration(self.versions, "b3", "a1")  # two heads, no labels
        r = self.init("--write")
        self.assertIn("carries no branch label of its own", flat(r))
        self.assertIn("alembic.ini comes first", flat(r))
        self.assertIn("error finding", flat(r))
        ini = self.read("alembic.ini")
        self.assertIn("\r\n[alembic-guard]\r\n", ini)
        self.assertIn("\r\ntarget = head\r\n", ini)
        self.assertNotIn("alembic-guard", self.read("pyproject.toml"))
        # --target wins over the detection.
        self.write("alembic.ini", INI)
        r = self.init("--target", "heads")
        self.assertIn("+target = heads\n", r.stdout)
        self.assertIn("set by --target", flat(r))

    def test_config_option_reaches_the_release_line(self):
        os.mkdir(self.path("db"))
        self.write("db/alembic ini", INI.replace("%(here)s/migrations", "%(here)s/../migrations"))
        self.linear()
        self.init("-c", "db/alembic ini", "--write")
        self.assertEqual(self.read("Procfile"),
                         "release: bin/alembic-guard -c 'db/alembic ini' release --on-ahead skip "
                         "-- alembic upgrade head\n")
        self.assertIn("[alembic-guard]", self.read("db/alembic ini"))

    def test_json(self):
        self.write("alembic.ini", INI)
        self.linear()
        r = self.init("--format", "json")
        j = json.loads(r.stdout)
        self.assertEqual((j["command"], j["verdict"], j["exit_code"], j["written"]),
                         ("init", "ok", 0, False))
        self.assertEqual(j["on_ahead"]["choice"], "skip")
        self.assertEqual(j["target"]["choice"], "head")
        self.assertEqual(j["procfile"]["action"], "create")
        self.assertIn("+" + LINE % ("skip", "head"), j["procfile"]["diff"])
        self.assertEqual(j["settings"]["action"], "edit")
        self.assertFalse(os.path.exists(self.path("Procfile")))
        j = json.loads(self.init("--format", "json", "--write").stdout)
        self.assertTrue(j["written"] and j["procfile"]["done"] and j["settings"]["done"])
        # An error is one object too.
        self.write("Procfile", "release: a\nrelease: b\n")
        r = self.init("--format", "json", code=2)
        j = json.loads(r.stdout)
        self.assertEqual((j["verdict"], j["exit_code"], j["error"]["code"]), ("error", 2, "usage"))
        self.assertIn("lines 1 and 2", j["error"]["message"])

    # --- the line it writes, run as a release dyno runs it ------------------------
    def test_written_release_line_runs_in_a_release_dyno(self):
        shutil.rmtree(self.tmp)
        shutil.copytree(GUESTBOOK, self.tmp, ignore=shutil.ignore_patterns("__pycache__"))
        # The repaired state: the file that names the missing parent is gone.
        os.unlink(os.path.join(self.tmp, "migrations", "versions",
                               "9d7e6f5a4b3c_guest_vote_lockout.py"))
        # Whatever Procfile the example has is merged into; skip is what the
        # rollback below needs, whatever the line said before.
        self.init("--write", "--on-ahead", "skip")
        os.makedirs(self.path("bin"), exist_ok=True)
        os.symlink(os.path.abspath(harness.BIN), self.path("bin/alembic-guard"))
        shim = os.path.join(self.tmp, ".shim")
        os.mkdir(shim)
        with open(os.path.join(shim, "alembic"), "w") as f:
            f.write('#!/bin/sh\nexec /usr/bin/python3 -B -m alembic "$@"\n')
        os.chmod(os.path.join(shim, "alembic"), 0o755)
        line = [l for l in self.read("Procfile").splitlines() if l.startswith("release:")]
        self.assertEqual(len(line), 1)
        _, url = harness.pg().create_db("initrelease")
        env = harness.guard_env()
        env.update(DATABASE_URL=url, PATH=shim + ":" + env.get("PATH", "/usr/bin:/bin"),
                   PYTHONDONTWRITEBYTECODE="1")
        r = subprocess.run(["bash", "-c", line[0][len("release:"):]], cwd=self.tmp, env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(harness.rows(url), ["8c1d2e3f4a5b"])
        # A database ahead of this code (a rollback): skip warns and exits 0.
        harness.stamp_replace(url, "guest_lockout_001")
        r = subprocess.run(["bash", "-c", line[0][len("release:"):]], cwd=self.tmp, env=env,
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("--on-ahead skip", r.stderr)
        self.assertEqual(harness.rows(url), ["guest_lockout_001"])


if __name__ == "__main__":
    unittest.main()
