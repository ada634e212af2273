"""Which Alembic the guard judges as, on the built binary: the project's pins,
the settings' alembic_version, --alembic-version, ALEMBIC_CONFIG, and what
the JSON, diagnose and --version say about it."""
import json
import os
import shutil
import tempfile
import unittest

import harness

MIG_EMPTY = "revision = 'a1'\ndown_revision = ''\n\ndef upgrade():\n    pass\n"


class TestVersions(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="ag-versions.")
        os.makedirs(os.path.join(self.d, "m", "versions"))
        self.put("m/versions/a1_x.py", MIG_EMPTY)
        self.put("alembic.ini", "[alembic]\nscript_location = m\n")

    def tearDown(self):
        shutil.rmtree(self.d, ignore_errors=True)

    def put(self, rel, text):
        p = os.path.join(self.d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)

    def lint(self, *args, env=None):
        e = harness.guard_env()
        e.pop("ALEMBIC_CONFIG", None)
        e.update(env or {})
        r = harness.run_guard("lint", "--format", "json", *args, cwd=self.d, env=e)
        return r.returncode, json.loads(r.stdout)

    def test_sourceless_bytecode_in_pycache(self):
        """sourceless = true: Alembic loads __pycache__'s bytecode whose
        source is gone; the guard cannot read it and blocks, naming it."""
        import subprocess
        self.put("alembic.ini", "[alembic]\nscript_location = m\nsourceless = true\n")
        self.put("m/env.py", "")
        self.put("m/versions/b2_y.py", "revision = 'b2'\ndown_revision = 'a1'\n")
        self.put("m/versions/a1_x.py", "revision = 'a1'\ndown_revision = None\n")
        cache = os.path.join(self.d, "m", "versions", "__pycache__", "b2_y.cpython-311.pyc")
        subprocess.run(["/usr/bin/python3", "-c", "import py_compile, sys; "
                        "py_compile.compile(sys.argv[1], cfile=sys.argv[2], doraise=True)",
                        os.path.join(self.d, "m", "versions", "b2_y.py"), cache], check=True)
        os.unlink(os.path.join(self.d, "m", "versions", "b2_y.py"))
        env = dict(os.environ)
        env.pop("ALEMBIC_CONFIG", None)
        r = subprocess.run(["/usr/bin/python3", "-m", "alembic", "heads"], cwd=self.d, env=env,
                           capture_output=True, text=True)
        self.assertIn("b2 (head)", r.stdout, r.stderr)  # Alembic loaded the bytecode
        rc, obj = self.lint("--alembic-version", "1.8.1")
        self.assertEqual(rc, 1)
        codes = {f["code"]: f for f in obj["findings"]}
        self.assertIn("sourceless-migration", codes)
        self.assertTrue(codes["sourceless-migration"]["file"].endswith("b2_y.cpython-311.pyc"))
        # Without sourceless Alembic reads no bytecode: no finding.
        self.put("alembic.ini", "[alembic]\nscript_location = m\n")
        self.put("m/versions/b2_y.py", "revision = 'b2'\ndown_revision = 'a1'\n")
        rc, obj = self.lint("--alembic-version", "1.8.1")
        self.assertNotIn("sourceless-migration", [f["code"] for f in obj["findings"]])

    def test_pins_choose_the_rules(self):
        # down_revision = '' is a base up to 1.12.0 and an error from 1.12.1
        self.put("requirements.txt", "flask==3.0.0\nalembic==1.11.3 \\\n"
                 "    --hash=sha256:00 ; python_version >= '3.8'\n")
        rc, doc = self.lint()
        self.assertEqual(doc["alembic"], {"version": "1.11.3", "from": "requirements.txt:2"})
        self.assertEqual(rc, 0, doc["findings"])
        self.put("poetry.lock", '[[package]]\nname = "alembic"\nversion = "1.13.2"\n')
        rc, doc = self.lint()
        self.assertEqual(doc["alembic"], {"version": "1.13.2", "from": "poetry.lock:3"})
        self.assertEqual(rc, 1)
        self.assertIn("KeyError: ''", json.dumps(doc["findings"]))
        # the option wins over the pins
        rc, doc = self.lint("--alembic-version", "1.10")
        self.assertEqual(doc["alembic"], {"version": "1.10.4", "from": "--alembic-version"})
        self.assertEqual(rc, 0)

    def test_settings_and_unknown_pins(self):
        self.put("alembic.ini", "[alembic]\nscript_location = m\n\n[alembic-guard]\n"
                 "alembic_version = 1.9\n")
        self.put("requirements.txt", "alembic>=1.13\n")
        rc, doc = self.lint()
        self.assertEqual(doc["alembic"]["version"], "1.9.4")
        self.assertIn("alembic_version", doc["alembic"]["from"])
        self.assertEqual(rc, 0)
        self.put("alembic.ini", "[alembic]\nscript_location = m\n")
        self.put("requirements.txt", "alembic==1.7.7\n")
        rc, doc = self.lint()
        warn = [f for f in doc["findings"] if f["code"] == "unknown-alembic-version"]
        self.assertEqual(len(warn), 1, doc["findings"])
        self.assertIn("1.7.7 is older", warn[0]["message"])
        self.assertIn("judging with 1.8.0's rules", warn[0]["message"])
        self.assertEqual(rc, 0)
        rc, doc = self.lint("--strict")
        self.assertEqual(rc, 1)

    def test_alembic_config_and_pyproject(self):
        os.remove(os.path.join(self.d, "alembic.ini"))
        self.put("m/versions/a1_x.py", MIG_EMPTY.replace("''", "None"))
        # `alembic init -t pyproject`: the location only in pyproject.toml
        self.put("pyproject.toml", '[tool.alembic]\nscript_location = "%(here)s/m"\n')
        rc, doc = self.lint("--alembic-version", "1.18.4")
        self.assertEqual(rc, 0, doc)
        self.assertEqual(doc["repository"]["revision_count"], 1)
        # 1.13 reads no TOML: Alembic finds no script_location, nor does the guard
        r = harness.run_guard("lint", "--alembic-version", "1.13.2", cwd=self.d)
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("no script_location", r.stderr)
        # ALEMBIC_CONFIG names the ini, as `alembic` reads it
        os.remove(os.path.join(self.d, "pyproject.toml"))
        self.put("conf/alembic.ini", "[alembic]\nscript_location = %(here)s/../m\n")
        rc, doc = self.lint("--alembic-version", "1.13.2", env={"ALEMBIC_CONFIG": "conf/alembic.ini"})
        self.assertEqual(rc, 0, doc)
        self.assertEqual(doc["repository"]["revision_count"], 1)

    def test_version_and_diagnose_say_which(self):
        self.put("uv.lock", '[[package]]\nname = "alembic"\nversion = "1.16.5"\n')
        r = harness.run_guard("--version", cwd=self.d)
        self.assertIn("judging as Alembic 1.16.5 (uv.lock:3)", r.stdout)
        e = harness.guard_env()
        e.pop("DATABASE_URL", None)
        r = harness.run_guard("diagnose", cwd=self.d, env=e)
        self.assertIn("judged as:      1.16.5 (uv.lock:3)", r.stdout)
        r = harness.run_guard("lint", "--alembic-version", "1.x", cwd=self.d)
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
