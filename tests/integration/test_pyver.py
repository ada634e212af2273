"""Which Python the guard judges the files' syntax as, on the built binary:
runtime.txt, .python-version, Pipfile.lock and requires-python (Heroku's
buildpack order), the settings' python_version, --python-version, and what
the JSON and diagnose say. A migration using 3.12 syntax (a PEP 695 `type`
alias, a PEP 701 f-string nesting its own quotes) is refused for a 3.11 app
and accepted for 3.12 or when nothing names the Python; CPython 3.11 (this
machine's) is asked to confirm that 3.11 really refuses it."""
import json
import os
import shutil
import subprocess
import tempfile
import unittest

import harness

# 3.12 syntax in the upgrade(): both forms of the issue.
MIG_312 = ('"""add\n\nRevision ID: a1\nRevises:\n"""\n'
           'revision = "a1"\ndown_revision = None\n\n'
           'type Ids = list[int]\n\n\n'
           'def upgrade():\n'
           '    names = {"a": "x"}\n'
           '    print(f"{names["a"]}")\n')


class TestPythonVersion(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp(prefix="ag-pyver.")
        self.put("m/versions/a1_x.py", MIG_312)
        self.put("alembic.ini", "[alembic]\nscript_location = m\n")

    def tearDown(self):
        shutil.rmtree(self.d, ignore_errors=True)

    def put(self, rel, text):
        p = os.path.join(self.d, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "w") as f:
            f.write(text)

    def run_guard(self, cmd, *args):
        e = harness.guard_env()
        e.pop("ALEMBIC_CONFIG", None)
        return harness.run_guard(cmd, *args, cwd=self.d, env=e)

    def lint(self, *args):
        r = self.run_guard("lint", "--format", "json", *args)
        return r.returncode, json.loads(r.stdout)

    def codes(self, obj):
        return sorted((f["code"], f["severity"]) for f in obj["findings"])

    def test_cpython_311_refuses_the_file(self):
        """The judge: this machine's Python 3.11 refuses the file."""
        r = subprocess.run(["/usr/bin/python3", "-B", "-c",
                            "import sys; compile(open(sys.argv[1]).read(), sys.argv[1], 'exec')",
                            os.path.join(self.d, "m/versions/a1_x.py")],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("SyntaxError", r.stderr)

    def test_none_is_the_newest(self):
        rc, obj = self.lint()
        self.assertEqual(rc, 0, obj["findings"])
        self.assertEqual(obj["python"], {"version": "3.13", "from": None})

    def test_python_version_file(self):
        self.put(".python-version", "# the app's Python\n3.11\n")
        rc, obj = self.lint()
        self.assertEqual(rc, 1)
        self.assertEqual(obj["python"], {"version": "3.11", "from": ".python-version:2"})
        err = [f for f in obj["findings"] if f["severity"] == "error"]
        self.assertEqual([(f["code"], f["line"]) for f in err], [("syntax-error", 9)])  # the `type` line
        self.assertIn("as Python 3.11 reads it", err[0]["message"])
        self.put(".python-version", "3.12.4\n")
        rc, obj = self.lint()
        self.assertEqual(rc, 0, obj["findings"])
        self.assertEqual(obj["python"], {"version": "3.12", "from": ".python-version:1"})

    def test_fstring_alone(self):
        """PEP 701 alone (no `type`): refused by 3.11, accepted by 3.12."""
        self.put("m/versions/a1_x.py", MIG_312.replace("type Ids = list[int]\n", ""))
        self.put(".python-version", "3.11\n")
        rc, obj = self.lint()
        self.assertEqual(rc, 1)
        self.assertEqual([f["code"] for f in obj["findings"] if f["severity"] == "error"],
                         ["syntax-error"])
        self.put(".python-version", "3.12\n")
        self.assertEqual(self.lint()[0], 0)

    def test_runtime_txt_wins_as_on_heroku(self):
        """Heroku's buildpack reads runtime.txt before .python-version."""
        self.put(".python-version", "3.12\n")
        self.put("runtime.txt", "python-3.11.9\n")
        rc, obj = self.lint()
        self.assertEqual(rc, 1)
        self.assertEqual(obj["python"], {"version": "3.11", "from": "runtime.txt:1"})

    def test_requires_python_oldest(self):
        self.put("pyproject.toml", '[project]\nname = "app"\nrequires-python = ">=3.11,<4"\n')
        rc, obj = self.lint()
        self.assertEqual(rc, 1)
        self.assertEqual(obj["python"], {"version": "3.11", "from": "pyproject.toml:3"})
        self.put("pyproject.toml", '[project]\nname = "app"\nrequires-python = ">=3.12"\n')
        self.assertEqual(self.lint()[0], 0)

    def test_option_and_settings_override(self):
        self.put(".python-version", "3.11\n")
        rc, obj = self.lint("--python-version", "3.12")
        self.assertEqual(rc, 0, obj["findings"])
        self.assertEqual(obj["python"], {"version": "3.12", "from": "--python-version"})
        self.put("alembic.ini", "[alembic]\nscript_location = m\n\n"
                 "[alembic-guard]\npython_version = 3.12\n")
        rc, obj = self.lint()
        self.assertEqual(rc, 0, obj["findings"])
        self.assertEqual(obj["python"]["from"], "alembic.ini (python_version)")
        # the option wins over the settings
        rc, obj = self.lint("--python-version", "3.11")
        self.assertEqual(rc, 1)
        self.put("alembic.ini", "[alembic]\nscript_location = m\n\n"
                 "[alembic-guard]\npython_version = three\n")
        rc, obj = self.lint()
        self.assertEqual(rc, 2)
        self.assertIn("python_version wants X.Y", obj["error"]["message"])
        rc, obj = self.lint("--python-version", "3")
        self.assertEqual(rc, 2)
        self.assertIn("--python-version wants X.Y", obj["error"]["message"])

    def test_clamped_and_malformed(self):
        """Newer than 3.13: judged as 3.13, a warning; older than 3.8: as
        3.8, a note; a file not understood: as 3.13, a warning naming it."""
        self.put(".python-version", "3.14\n")
        rc, obj = self.lint()
        self.assertEqual(rc, 0)
        self.assertEqual(obj["python"]["version"], "3.13")
        self.assertEqual(self.codes(obj), [("unknown-python-version", "warning")])
        self.assertEqual(self.lint("--strict")[0], 1)
        self.put(".python-version", "3.7\n")
        rc, obj = self.lint()
        self.assertEqual(rc, 1)  # 3.8's grammar refuses the 3.12 syntax
        self.assertEqual(obj["python"]["version"], "3.8")
        self.assertIn(("unknown-python-version", "info"), self.codes(obj))
        self.put(".python-version", "3.12\n3.11\n")
        rc, obj = self.lint()
        self.assertEqual(rc, 0)
        warn = [f for f in obj["findings"] if f["code"] == "unknown-python-version"]
        self.assertEqual(len(warn), 1)
        self.assertIn(".python-version:2 holds a second version", warn[0]["message"])
        self.assertEqual(obj["python"], {"version": "3.13", "from": ".python-version:2"})

    def test_diagnose_says_which(self):
        self.put(".python-version", "3.12\n")
        r = self.run_guard("diagnose")
        self.assertIn("python:", r.stdout)
        self.assertIn("3.12 (.python-version:1)", r.stdout)
        os.unlink(os.path.join(self.d, ".python-version"))
        r = self.run_guard("diagnose")
        self.assertIn("3.13 (no version found: the newest Python the guard knows)", r.stdout)

    def test_version_says_which(self):
        self.put("runtime.txt", "python-3.10.14\n")
        r = self.run_guard("--version")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("judging syntax as Python 3.10 (runtime.txt:1); grammars known for 3.8 "
                      "to 3.13", r.stdout)


if __name__ == "__main__":
    unittest.main()
