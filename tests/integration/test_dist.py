"""The distribution, run the way its users run it:

- `make dist` twice from one commit gives byte-identical files (the static
  link included), named and versioned as release/version.sh says;
- the buildpack tarball, unpacked as Heroku unpacks it: bin/detect and
  bin/compile on a copy of examples/guestbook with empty cache and env dirs,
  then the slug's release: line as a dyno runs it (sh -c in the slug, the real
  Alembic on /usr/bin/python3, the harness's PostgreSQL as DATABASE_URL);
- app.json, Procfile.example and the example's Procfile: every file and
  command they name exists, app.json has only fields of Heroku's schema;
- action.yml and .pre-commit-hooks.yaml: their own commands, run with their
  inputs in a scratch copy of the example.

These need the static binary (build/alembic-guard-static, `make static`);
without it they fail and say so, they never skip.
"""
import gzip
import hashlib
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import tarfile
import tempfile
import unittest

import harness

ROOT = harness.ROOT
GUESTBOOK = os.path.join(ROOT, "examples", "guestbook")
STATIC = os.path.join(ROOT, "build", "alembic-guard-static")
LOCKOUT = os.path.join("migrations", "versions", "9d7e6f5a4b3c_guest_vote_lockout.py")
_tmp = None
_dists = {}


def setUpModule():
    global _tmp
    _tmp = tempfile.mkdtemp(prefix="ag-dist.")


def tearDownModule():
    shutil.rmtree(_tmp, ignore_errors=True)


def need_static():
    if not os.access(STATIC, os.X_OK):
        raise AssertionError(
            "build/alembic-guard-static is missing: these tests pack and run the static "
            "binary; build it with `make static` (release/build-static.sh)")


def version():
    return subprocess.run([os.path.join(ROOT, "release", "version.sh")], check=True,
                          capture_output=True, text=True).stdout.strip()


def base_version():
    with open(os.path.join(ROOT, "cmd", "cmd.h")) as f:
        return re.search(r'^#define AG_VERSION "([^"]+)"$', f.read(), re.M).group(1)


def make_dist(label):
    """`make dist DIST=<tmp>/<label>`, once per label; returns that directory."""
    if label not in _dists:
        need_static()
        out = os.path.join(_tmp, "dist-" + label)
        r = subprocess.run(["make", "-s", "--no-print-directory", "dist", "DIST=" + out],
                           cwd=ROOT, capture_output=True, text=True, timeout=1800)
        if r.returncode != 0:
            raise AssertionError("make dist failed (%d):\n%s\n%s" % (r.returncode, r.stdout,
                                                                    r.stderr[-4000:]))
        _dists[label] = out
    return _dists[label]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def tree(d):
    """{relative path: (mode, sha256 or link target)} of everything under d."""
    out = {}
    for base, dirs, files in os.walk(d):
        for n in dirs + files:
            p = os.path.join(base, n)
            st = os.lstat(p)
            rel = os.path.relpath(p, d)
            if stat.S_ISLNK(st.st_mode):
                out[rel] = ("link", os.readlink(p))
            elif stat.S_ISDIR(st.st_mode):
                out[rel] = ("dir",)
            else:
                out[rel] = (stat.S_IMODE(st.st_mode), sha256(p))
    return out


def alembic_shims(d):
    """A bin dir with `alembic` = Debian's Alembic, as the Python buildpack's would be."""
    os.makedirs(d, exist_ok=True)
    p = os.path.join(d, "alembic")
    with open(p, "w") as f:
        f.write("#!/bin/sh\nexec %s -m alembic \"$@\"\n" % harness.PY)
    os.chmod(p, 0o755)
    return d


def dyno_env(url, shims):
    env = harness.guard_env()
    env["PATH"] = shims + os.pathsep + "/usr/bin:/bin"
    # Heroku's form of the URL: postgres://.
    env["DATABASE_URL"] = url.replace("postgresql://", "postgres://")
    # Python must not write __pycache__ into the copies' neighbours either way.
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def stamp_incident(app, env, url):
    """create_guests and add_votes ran, then the database was stamped
    guest_lockout_001 by hand, whose file never reached the repository."""
    lockout = os.path.join(app, LOCKOUT)
    os.rename(lockout, lockout + ".off")
    try:
        r = subprocess.run(["sh", "-c", "alembic upgrade head"], cwd=app, env=env,
                           capture_output=True, text=True, timeout=180)
    finally:
        os.rename(lockout + ".off", lockout)
    assert r.returncode == 0, r.stderr
    harness.stamp_replace(url, "guest_lockout_001")


def procfile(path):
    lines = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                kind, cmd = line.split(":", 1)
                lines[kind.strip()] = cmd.strip()
    return lines


# ---------------------------------------------------------------------------
class TestVersion(unittest.TestCase):
    """release/version.sh in a scratch repository: each form it documents."""

    def setUp(self):
        self.d = tempfile.mkdtemp(dir=_tmp)
        os.makedirs(os.path.join(self.d, "release"))
        os.makedirs(os.path.join(self.d, "cmd"))
        shutil.copy(os.path.join(ROOT, "release", "version.sh"), os.path.join(self.d, "release"))
        with open(os.path.join(self.d, "cmd", "cmd.h"), "w") as f:
            f.write('#define AG_VERSION "0.4.0"\n')
        self.env = dict(os.environ, GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.invalid",
                        GIT_COMMITTER_NAME="t", GIT_COMMITTER_EMAIL="t@example.invalid",
                        GIT_CONFIG_NOSYSTEM="1", HOME=self.d)

    def run_version(self):
        r = subprocess.run([os.path.join(self.d, "release", "version.sh")], env=self.env,
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return r.stdout.strip()

    def git(self, *args):
        subprocess.run(["git", "-C", self.d] + list(args), env=self.env, check=True,
                       capture_output=True)

    def test_forms(self):
        self.assertEqual(self.run_version(), "0.4.0-unknown")
        self.git("init", "-q")
        self.git("add", ".")
        self.git("commit", "-qm", "one")
        self.assertRegex(self.run_version(), r"^0\.4\.0-g[0-9a-f]{12}$")
        with open(os.path.join(self.d, "cmd", "cmd.h"), "a") as f:
            f.write("/* edited */\n")
        self.assertRegex(self.run_version(), r"^0\.4\.0-g[0-9a-f]{12}-dirty$")
        self.git("commit", "-qam", "two")
        self.git("tag", "not-a-version")  # only v<digit> tags count
        self.assertRegex(self.run_version(), r"^0\.4\.0-g[0-9a-f]{12}$")
        self.git("tag", "v1.2.3")
        self.assertEqual(self.run_version(), "1.2.3")
        self.git("commit", "-q", "--allow-empty", "-m", "three")
        self.assertRegex(self.run_version(), r"^1\.2\.3-1-g[0-9a-f]{12}$")

    def test_binaries_report_it(self):
        need_static()
        v = version()
        r = subprocess.run([STATIC, "--version"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith("alembic-guard %s (commit " % v), r.stdout)
        r = subprocess.run([harness.BIN, "--version"], capture_output=True, text=True)
        self.assertTrue(r.stdout.startswith("alembic-guard %s (commit " % v), r.stdout)


class TestDist(unittest.TestCase):
    def test_two_runs_are_byte_identical(self):
        a, b = make_dist("a"), make_dist("b")
        names = sorted(os.listdir(a))
        self.assertEqual(names, sorted(os.listdir(b)))
        v = version()
        self.assertEqual(names, ["SHA256SUMS", "alembic-guard-%s-linux-x86_64.tar.gz" % v,
                                 "alembic-guard-buildpack-%s.tgz" % v])
        for n in names:
            with open(os.path.join(a, n), "rb") as fa, open(os.path.join(b, n), "rb") as fb:
                self.assertEqual(fa.read(), fb.read(), "%s differs between two make dist runs" % n)

    def test_checksums(self):
        a = make_dist("a")
        with open(os.path.join(a, "SHA256SUMS")) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 2)
        for line in lines:
            digest, name = line.split("  ", 1)
            self.assertEqual(sha256(os.path.join(a, name)), digest, name)

    def test_binary_tarball(self):
        a, v = make_dist("a"), version()
        path = os.path.join(a, "alembic-guard-%s-linux-x86_64.tar.gz" % v)
        with open(path, "rb") as f:
            head = f.read(10)
        # gzip -n: no file name (FLG bit 3) and MTIME 0.
        self.assertEqual(head[3] & 0x08, 0)
        self.assertEqual(head[4:8], b"\0\0\0\0")
        top = "alembic-guard-%s-linux-x86_64" % v
        want = ["LICENSE", "README.md", "CHANGELOG.md", "alembic-guard"]
        if os.path.exists(os.path.join(ROOT, "alembic-guard.1")):
            want.append("alembic-guard.1")
        epoch = int(subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=ROOT,
                                   capture_output=True, text=True, check=True).stdout)
        with tarfile.open(path) as t:
            members = t.getmembers()
            self.assertEqual([m.name for m in members],
                             sorted([top] + ["%s/%s" % (top, n) for n in want]))
            for m in members:
                self.assertEqual((m.uid, m.gid, m.uname, m.gname), (0, 0, "", ""), m.name)
                self.assertEqual(m.mtime, epoch, m.name)
                exe = m.isdir() or m.name.endswith("/alembic-guard")
                self.assertEqual(m.mode, 0o755 if exe else 0o644, m.name)
            binary = t.extractfile(top + "/alembic-guard").read()
            self.assertEqual(t.extractfile(top + "/LICENSE").read(),
                             open(os.path.join(ROOT, "LICENSE"), "rb").read())
        with open(STATIC, "rb") as f:
            self.assertEqual(binary, f.read(), "the tarball's binary is not make static's")
        self.assertEqual(binary[:4], b"\x7fELF")

    def test_static_link_is_reproducible(self):
        # make dist relinks each time (release/build-static.sh); the two
        # buildpacks' binaries are those two links.
        v = version()
        got = []
        for label in ("a", "b"):
            with tarfile.open(os.path.join(make_dist(label),
                                           "alembic-guard-buildpack-%s.tgz" % v)) as t:
                got.append(t.extractfile("vendor/alembic-guard").read())
        self.assertEqual(got[0], got[1])
        # Nothing of this checkout's place or of the build time inside.
        self.assertNotIn(ROOT.encode(), got[0])
        self.assertNotIn(b"/tmp/ag-static", got[0])


# ---------------------------------------------------------------------------
class BuildpackCase(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        dist = make_dist("a")
        cls.version = version()
        cls.bp = os.path.join(_tmp, "buildpack")
        if not os.path.isdir(cls.bp):
            # As Heroku does: the tarball unpacked into an empty directory.
            os.makedirs(cls.bp)
            with tarfile.open(os.path.join(dist, "alembic-guard-buildpack-%s.tgz"
                                           % cls.version)) as t:
                # The "data" filter where this Python has it (3.11.4+, 3.12).
                if hasattr(tarfile, "data_filter"):
                    t.extractall(cls.bp, filter="data")
                else:
                    t.extractall(cls.bp)

    def setUp(self):
        self.work = tempfile.mkdtemp(dir=_tmp)
        self.build = os.path.join(self.work, "build")
        self.cache = os.path.join(self.work, "cache")
        self.envdir = os.path.join(self.work, "env")
        shutil.copytree(GUESTBOOK, self.build)
        os.makedirs(self.cache)
        os.makedirs(self.envdir)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def script(self, name, *args, bp=None):
        return subprocess.run([os.path.join(bp or self.bp, "bin", name)] + list(args),
                              capture_output=True, text=True, timeout=120,
                              env={"PATH": "/usr/bin:/bin", "STACK": "heroku-24"})

    def compile(self, build=None, bp=None):
        return self.script("compile", build or self.build, self.cache, self.envdir, bp=bp)


class TestBuildpack(BuildpackCase):
    def test_layout(self):
        for name in ("detect", "compile", "release"):
            self.assertTrue(os.access(os.path.join(self.bp, "bin", name), os.X_OK), name)
        with open(os.path.join(self.bp, "VERSION")) as f:
            self.assertEqual(f.read().strip(), self.version)
        with open(STATIC, "rb") as a, open(os.path.join(self.bp, "vendor", "alembic-guard"),
                                           "rb") as b:
            self.assertEqual(a.read(), b.read())
        # No `export` file: nothing leaks into the environment of heroku/python.
        self.assertFalse(os.path.exists(os.path.join(self.bp, "export")))

    def test_detect_names_itself_only(self):
        r = self.script("detect", self.build)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout.strip(), "alembic-guard")
        empty = os.path.join(self.work, "empty")
        os.makedirs(empty)
        self.assertEqual(self.script("detect", empty).returncode, 0)

    def test_release_declares_nothing(self):
        import yaml
        r = self.script("release", self.build)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(yaml.safe_load(r.stdout), {})

    def test_compile_adds_one_file_and_says_so(self):
        before = tree(self.build)
        r = self.compile()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("-----> alembic-guard %s: bin/alembic-guard\n" % self.version, r.stdout)
        self.assertIn("first build with this buildpack", r.stdout)
        after = tree(self.build)
        self.assertEqual(set(after) - set(before), {"bin", "bin/alembic-guard"})
        self.assertEqual({k: v for k, v in after.items() if k in before}, before)
        self.assertEqual(after["bin/alembic-guard"], (0o755, sha256(STATIC)))
        self.assertEqual(os.listdir(self.envdir), [])
        self.assertFalse(os.path.exists(os.path.join(self.bp, "export")))
        r = subprocess.run([os.path.join(self.build, "bin", "alembic-guard"), "--version"],
                           capture_output=True, text=True)
        self.assertTrue(r.stdout.startswith("alembic-guard %s " % self.version), r.stdout)

    def test_second_compile_is_a_noop(self):
        self.assertEqual(self.compile().returncode, 0)
        dst = os.path.join(self.build, "bin", "alembic-guard")
        st = os.stat(dst)
        cache_before = tree(self.cache)
        cache_times = {p: os.stat(os.path.join(self.cache, p)).st_mtime_ns for p in cache_before}
        r = self.compile()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("-----> alembic-guard %s: bin/alembic-guard\n" % self.version, r.stdout)
        self.assertIn("no-op", r.stdout)
        st2 = os.stat(dst)
        self.assertEqual((st.st_ino, st.st_mtime_ns), (st2.st_ino, st2.st_mtime_ns))
        self.assertEqual(tree(self.cache), cache_before)
        self.assertEqual({p: os.stat(os.path.join(self.cache, p)).st_mtime_ns
                          for p in cache_before}, cache_times)
        # The next build (a fresh checkout, the same cache) installs it and
        # says the version did not change.
        fresh = os.path.join(self.work, "build2")
        shutil.copytree(GUESTBOOK, fresh)
        r = self.compile(fresh)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("same version as the last build", r.stdout)
        self.assertEqual(sha256(os.path.join(fresh, "bin", "alembic-guard")), sha256(STATIC))

    def test_version_change_is_logged(self):
        os.makedirs(os.path.join(self.cache, "alembic-guard"))
        with open(os.path.join(self.cache, "alembic-guard", "installed"), "w") as f:
            f.write("0.0.9 " + "0" * 64 + "\n")
        r = self.compile()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("was 0.0.9 in the last build", r.stdout)
        with open(os.path.join(self.cache, "alembic-guard", "installed")) as f:
            self.assertEqual(f.read(), "%s %s\n" % (self.version, sha256(STATIC)))

    def test_damaged_cache_record_counts_as_none(self):
        os.makedirs(os.path.join(self.cache, "alembic-guard"))
        with open(os.path.join(self.cache, "alembic-guard", "installed"), "wb") as f:
            f.write(b"\xff\x00\x1b[31m" + b"x" * 100000)
        r = self.compile()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("first build with this buildpack", r.stdout)
        self.assertNotIn("\x1b", r.stdout)

    def test_app_binary_is_replaced_with_a_note(self):
        os.makedirs(os.path.join(self.build, "bin"))
        with open(os.path.join(self.build, "bin", "alembic-guard"), "w") as f:
            f.write("#!/bin/sh\necho old\n")
        r = self.compile()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("replacing the app's own bin/alembic-guard", r.stdout)
        self.assertEqual(sha256(os.path.join(self.build, "bin", "alembic-guard")), sha256(STATIC))

    def test_damaged_buildpack_fails_the_build(self):
        bad = os.path.join(self.work, "bad-bp")
        shutil.copytree(self.bp, bad)
        with open(os.path.join(bad, "vendor", "alembic-guard"), "ab") as f:
            f.write(b"x")
        r = self.compile(bp=bad)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("damaged", r.stderr)
        self.assertFalse(os.path.exists(os.path.join(self.build, "bin")))
        self.assertEqual(os.listdir(self.cache), [])


class TestSlugReleasePhase(BuildpackCase):
    """The compiled slug's release: line, as a dyno runs it."""

    def setUp(self):
        super().setUp()
        r = self.script("detect", self.build)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.compile()
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        _, self.url = harness.pg().create_db("slug")
        self.env = dyno_env(self.url, alembic_shims(os.path.join(self.work, "shims")))
        self.release = procfile(os.path.join(self.build, "Procfile"))["release"]

    def sh(self, command):
        return subprocess.run(["sh", "-c", command], cwd=self.build, env=self.env,
                              capture_output=True, text=True, timeout=180)

    def test_blocks_the_incident_then_passes_the_fix(self):
        stamp_incident(self.build, self.env, self.url)
        r = self.sh(self.release)
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("guest_lockout_001", r.stdout)
        self.assertIn("dangling-down-revision", r.stdout)
        self.assertEqual(harness.rows(self.url), ["guest_lockout_001"])
        # The fix the guard prints, committed: the next release migrates.
        r = self.sh("bin/alembic-guard backfill guest_lockout_001 --write")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        r = self.sh(self.release)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("Running upgrade guest_lockout_001 -> 9d7e6f5a4b3c", r.stderr)
        self.assertEqual(harness.rows(self.url), ["9d7e6f5a4b3c"])


# ---------------------------------------------------------------------------
# app.json as Heroku's schema defines it (devcenter "app.json Schema"): the
# top-level fields and, for each object, its fields; required ones marked.
APP_FIELDS = {"addons", "buildpacks", "description", "env", "environments", "formation",
              "image", "keywords", "logo", "name", "repository", "scripts", "stack",
              "success_url", "website"}
ADDON_FIELDS, ADDON_REQUIRED = {"plan", "as", "options"}, {"plan"}
ENV_FIELDS = {"description", "value", "required", "generator"}
FORMATION_FIELDS = {"quantity", "size"}
SCRIPTS = {"postdeploy", "pr-predestroy"}
ENVIRONMENTS = {"test", "review"}
ENVIRONMENT_FIELDS = {"addons", "buildpacks", "env", "formation", "scripts"}
TEST_SCRIPTS = {"test-setup", "test"}


def load_app_json():
    with open(os.path.join(ROOT, "app.json")) as f:
        return json.load(f)


class TestTemplates(unittest.TestCase):
    def setUp(self):
        self.app = load_app_json()

    def check_addons(self, addons):
        self.assertIsInstance(addons, list)
        for a in addons:
            if isinstance(a, dict):
                self.assertLessEqual(set(a), ADDON_FIELDS, a)
                self.assertLessEqual(ADDON_REQUIRED, set(a), a)
            else:
                self.assertIsInstance(a, str)

    def check_env(self, env):
        for name, var in env.items():
            self.assertRegex(name, r"^[A-Z][A-Z0-9_]*$")
            if isinstance(var, dict):
                self.assertLessEqual(set(var), ENV_FIELDS, name)
                self.assertIn(var.get("generator", "secret"), ("secret",), name)
                self.assertTrue(var.get("description"), name)
            else:
                self.assertIsInstance(var, str, name)

    def check_formation(self, formation):
        for kind, f in formation.items():
            self.assertLessEqual(set(f), FORMATION_FIELDS, kind)
            self.assertIsInstance(f.get("quantity", 1), int)

    def check_buildpacks(self, bps):
        for bp in bps:
            self.assertEqual(set(bp), {"url"}, bp)

    def test_app_json_fields_are_heroku_schema(self):
        a = self.app
        self.assertLessEqual(set(a), APP_FIELDS, set(a) - APP_FIELDS)
        # What the Heroku Button and `heroku apps:create --manifest` show.
        for key in ("name", "description"):
            self.assertTrue(a.get(key), key)
        self.assertLessEqual(len(a["name"]), 30)  # the schema's limit for name
        self.check_addons(a["addons"])
        self.check_env(a["env"])
        self.check_formation(a["formation"])
        self.check_buildpacks(a["buildpacks"])
        self.assertLessEqual(set(a.get("scripts", {})), SCRIPTS)
        self.assertLessEqual(set(a["environments"]), ENVIRONMENTS)
        for e in a["environments"].values():
            self.assertLessEqual(set(e), ENVIRONMENT_FIELDS)
            self.check_addons(e.get("addons", []))
            self.check_env(e.get("env", {}))
            self.check_formation(e.get("formation", {}))
            self.check_buildpacks(e.get("buildpacks", []))
        self.assertLessEqual(set(a["environments"]["test"]["scripts"]), TEST_SCRIPTS)
        plans = [x["plan"] if isinstance(x, dict) else x for x in a["addons"]]
        self.assertTrue(any(p.split(":")[0] == "heroku-postgresql" for p in plans), plans)

    def test_buildpacks_guard_first_then_python(self):
        urls = [b["url"] for b in self.app["buildpacks"]]
        self.assertEqual(urls[-1], "heroku/python")
        self.assertEqual(len(urls), 2)
        # The first is the buildpack tarball that `make dist` names for the
        # release tag v<AG_VERSION> (release/version.sh prints AG_VERSION there).
        v = base_version()
        self.assertRegex(urls[0], r"^https://[^ ]+/v%s/alembic-guard-buildpack-%s\.tgz$"
                         % (re.escape(v), re.escape(v)))

    def test_procfile_example_is_the_examples(self):
        self.assertEqual(procfile(os.path.join(ROOT, "Procfile.example")),
                         procfile(os.path.join(GUESTBOOK, "Procfile")))
        lines = procfile(os.path.join(GUESTBOOK, "Procfile"))
        self.assertEqual(set(lines), {"web", "release"})
        self.assertEqual(lines["web"], "gunicorn app:app")
        self.assertEqual(lines["release"],
                         "bin/alembic-guard release --on-ahead skip -- alembic upgrade head")

    def test_example_files(self):
        for name in ("app.py", "requirements.txt", ".python-version", "Procfile",
                     "alembic.ini", "migrations/env.py"):
            self.assertTrue(os.path.isfile(os.path.join(GUESTBOOK, name)), name)
        with open(os.path.join(GUESTBOOK, ".python-version")) as f:
            self.assertRegex(f.read(), r"^3\.\d+\n$")
        pins = {}
        with open(os.path.join(GUESTBOOK, "requirements.txt")) as f:
            for line in f:
                line = line.split("#")[0].strip()
                if line:
                    name, _, ver = line.partition("==")
                    pins[name.lower()] = ver
        self.assertEqual(set(pins), {"alembic", "sqlalchemy", "psycopg2", "gunicorn"})
        for name, ver in pins.items():
            self.assertRegex(ver, r"^\d+(\.\d+)+$", name)

    def commands(self):
        """Every command line the templates run, split at &&."""
        cmds = list(procfile(os.path.join(GUESTBOOK, "Procfile")).values())
        cmds += list(procfile(os.path.join(ROOT, "Procfile.example")).values())
        for e in [self.app] + list(self.app["environments"].values()):
            cmds += list(e.get("scripts", {}).values())
        out = []
        for c in cmds:
            out += [shlex.split(part) for part in c.split("&&")]
        return out

    def test_every_named_command_exists(self):
        need_static()
        with open(os.path.join(GUESTBOOK, "requirements.txt")) as f:
            reqs = f.read().lower()
        seen = set()
        for argv in self.commands():
            if argv[0] == "bin/alembic-guard":
                sub = argv[1]
                # The buildpack puts bin/alembic-guard there (TestBuildpack);
                # each subcommand and option must be the binary's.
                r = subprocess.run([STATIC, sub, "--help"], capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, "%s: %s" % (argv, r.stderr))
                rest = argv[2:argv.index("--")] if "--" in argv else argv[2:]
                for opt in rest:
                    if opt.startswith("-"):
                        self.assertIn(opt, r.stdout, argv)
                if "--" in argv:
                    argv = argv[argv.index("--") + 1:]
            seen.add(argv[0])
            if argv[0] == "alembic":
                self.assertIn("alembic==", reqs)
                r = subprocess.run([harness.PY, "-m", "alembic", argv[1], "--help"],
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, argv)
            elif argv[0] == "gunicorn":
                self.assertIn("gunicorn==", reqs)
                module, _, attr = argv[1].partition(":")
                self.assertTrue(os.path.isfile(os.path.join(GUESTBOOK, module + ".py")), argv)
                # Imported from a copy: no __pycache__ in the example.
                copy = os.path.join(_tmp, "import-app")
                shutil.rmtree(copy, ignore_errors=True)
                shutil.copytree(GUESTBOOK, copy)
                r = subprocess.run([harness.PY, "-c", "import %s, sys; sys.exit(not callable("
                                    "%s.%s))" % (module, module, attr)], cwd=copy,
                                   capture_output=True, text=True)
                self.assertEqual(r.returncode, 0, r.stderr)
            elif argv[0] != "bin/alembic-guard":
                self.fail("a template runs %s, which nothing provides" % argv)
        self.assertEqual(seen, {"alembic", "gunicorn", "bin/alembic-guard"})

    def test_the_app_serves_after_the_upgrade(self):
        app = os.path.join(_tmp, "serve")
        shutil.rmtree(app, ignore_errors=True)
        shutil.copytree(GUESTBOOK, app)
        _, url = harness.pg().create_db("serve")
        env = dyno_env(url, alembic_shims(os.path.join(_tmp, "serve-shims")))
        r = subprocess.run([harness.BIN, "backfill", "guest_lockout_001", "--write"], cwd=app,
                           env=env, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = subprocess.run(["alembic", "upgrade", "head"], cwd=app, env=env,
                           capture_output=True, text=True, timeout=180)
        self.assertEqual(r.returncode, 0, r.stderr)
        script = r"""
import io, sys
from wsgiref.util import setup_testing_defaults
import app
def call(method, body=b""):
    env = {"REQUEST_METHOD": method, "PATH_INFO": "/", "CONTENT_LENGTH": str(len(body)),
           "wsgi.input": io.BytesIO(body)}
    setup_testing_defaults(env)
    got = {}
    out = b"".join(app.app(env, lambda s, h: got.update(status=s)))
    return got["status"], out.decode()
print(call("POST", b"name=Ada+%3Cb%3E")[0])
print(call("GET")[1])
print(call("DELETE")[0])
"""
        r = subprocess.run([harness.PY, "-c", script], cwd=app, env=env, capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0], "303 See Other")
        self.assertIn("<li>Ada &lt;b&gt; <small>", lines[1])
        self.assertEqual(lines[2], "405 Method Not Allowed")


# ---------------------------------------------------------------------------
def substitute(value, ctx):
    """${{ github.action_path }} and ${{ inputs.NAME }}: what action.yml uses."""
    def one(m):
        expr = m.group(1).strip()
        if expr not in ctx:
            raise AssertionError("action.yml uses ${{ %s }}, which this test does not model"
                                 % expr)
        return ctx[expr]
    return re.sub(r"\$\{\{(.*?)\}\}", one, str(value))


def condition(expr, ctx):
    m = re.fullmatch(r"\s*inputs\.([\w-]+)\s*(!=|==)\s*''\s*", expr)
    if not m:
        raise AssertionError("action.yml has the condition %r, which this test does not model"
                             % expr)
    empty = ctx["inputs." + m.group(1)] == ""
    return not empty if m.group(2) == "!=" else empty


class TestGithubAction(unittest.TestCase):
    """action.yml's steps, run as a runner runs a composite action's bash steps."""

    @classmethod
    def setUpClass(cls):
        import yaml
        with open(os.path.join(ROOT, "action.yml")) as f:
            cls.action = yaml.safe_load(f)
        cls.runner = os.path.join(_tmp, "runner")
        os.makedirs(cls.runner, exist_ok=True)
        # The runner's passwordless sudo; here the tests run as root or the
        # packages are there already (tests/deps.sh).
        cls.tools = os.path.join(cls.runner, "tools")
        os.makedirs(cls.tools, exist_ok=True)
        with open(os.path.join(cls.tools, "sudo"), "w") as f:
            f.write('#!/bin/sh\nexec "$@"\n')
        os.chmod(os.path.join(cls.tools, "sudo"), 0o755)

    def setUp(self):
        self.work = tempfile.mkdtemp(dir=_tmp)
        self.workspace = os.path.join(self.work, "repo")
        shutil.copytree(GUESTBOOK, self.workspace)

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def run_action(self, **given):
        inputs = {k: str(v.get("default", "")) for k, v in self.action["inputs"].items()}
        for k, v in given.items():
            self.assertIn(k, inputs)
            inputs[k] = v
        ctx = {"github.action_path": ROOT}
        ctx.update({"inputs." + k: v for k, v in inputs.items()})
        github_path = os.path.join(self.work, "GITHUB_PATH")
        open(github_path, "w").close()
        self.assertEqual(self.action["runs"]["using"], "composite")
        done = []
        for step in self.action["runs"]["steps"]:
            if "if" in step and not condition(step["if"], ctx):
                continue
            self.assertEqual(step["shell"], "bash")
            with open(github_path) as f:
                added = [line.strip() for line in f if line.strip()]
            env = harness.guard_env()
            env.update({"GITHUB_PATH": github_path, "RUNNER_TEMP": self.runner,
                        "GITHUB_WORKSPACE": self.workspace, "GITHUB_ACTION_PATH": ROOT,
                        "CI": "true", "GITHUB_ACTIONS": "true"})
            env["PATH"] = os.pathsep.join(list(reversed(added)) + [self.tools, env["PATH"]])
            env.update({k: substitute(v, ctx) for k, v in step.get("env", {}).items()})
            cwd = os.path.join(self.workspace,
                               substitute(step.get("working-directory", "."), ctx))
            script = os.path.join(self.work, "step.sh")
            with open(script, "w") as f:
                f.write(step["run"])
            # What the runner runs for shell: bash.
            r = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", script],
                               cwd=cwd, env=env, capture_output=True, text=True, timeout=1200)
            done.append((step["name"], r))
            if r.returncode != 0:
                break
        return done

    def test_lint_annotates_and_fails_on_the_incident(self):
        done = self.run_action()
        names = [n for n, _ in done]
        self.assertEqual(names, ["Build alembic-guard", "alembic-guard lint"])
        build, lint = done[0][1], done[1][1]
        self.assertEqual(build.returncode, 0, build.stdout + build.stderr)
        self.assertIn("alembic-guard %s" % version(), build.stdout)
        self.assertEqual(lint.returncode, 1, lint.stdout + lint.stderr)
        self.assertIn("::error file=migrations/versions/9d7e6f5a4b3c_guest_vote_lockout.py,"
                      "line=14,title=dangling-down-revision::", lint.stdout)

    def test_check_runs_only_with_a_database_url(self):
        r = subprocess.run([harness.BIN, "backfill", "guest_lockout_001", "--write"],
                           cwd=self.workspace, capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        done = self.run_action()
        self.assertEqual([n for n, _ in done], ["Build alembic-guard", "alembic-guard lint"])
        self.assertEqual(done[-1][1].returncode, 0, done[-1][1].stdout)
        _, url = harness.pg().create_db("action")
        harness.stamp(url, "ffff0000aaaa")
        done = self.run_action(**{"database-url": url})
        self.assertEqual([n for n, _ in done][-1], "alembic-guard check")
        check = done[-1][1]
        self.assertEqual(check.returncode, 1, check.stdout + check.stderr)
        self.assertIn("::error", check.stdout)
        self.assertIn("ffff0000aaaa", check.stdout)
        self.assertNotIn(url.split("@")[0].split(":")[-1], check.stdout + check.stderr)
        harness.stamp_replace(url, "9d7e6f5a4b3c")
        done = self.run_action(**{"database-url": url, "config": "alembic.ini"})
        self.assertEqual(done[-1][0], "alembic-guard check")
        self.assertEqual(done[-1][1].returncode, 0, done[-1][1].stdout + done[-1][1].stderr)


class TestPreCommitHook(unittest.TestCase):
    def test_lint_hook(self):
        import yaml
        need_static()
        with open(os.path.join(ROOT, ".pre-commit-hooks.yaml")) as f:
            hooks = yaml.safe_load(f)
        self.assertEqual([h["id"] for h in hooks], ["alembic-guard-lint"])
        hook = hooks[0]
        self.assertIn(hook["language"], ("system", "script"))
        self.assertIs(hook["pass_filenames"], False)
        files = re.compile(hook["files"])
        for path in ("migrations/versions/9d7e6f5a4b3c_guest_vote_lockout.py", "alembic.ini",
                     "pyproject.toml"):
            self.assertTrue(files.search(path), path)
        self.assertFalse(files.search("README.md"))
        work = tempfile.mkdtemp(dir=_tmp)
        try:
            repo = os.path.join(work, "repo")
            shutil.copytree(GUESTBOOK, repo)
            bindir = os.path.join(work, "bin")
            os.makedirs(bindir)
            os.symlink(STATIC, os.path.join(bindir, "alembic-guard"))
            env = harness.guard_env()
            env["PATH"] = bindir + os.pathsep + "/usr/bin:/bin"
            # pre-commit runs entry + args from the repository root.
            argv = shlex.split(hook["entry"]) + list(hook.get("args", []))
            r = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True)
            self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
            self.assertIn("dangling-down-revision", r.stdout)
            r = subprocess.run(["alembic-guard", "backfill", "guest_lockout_001", "--write"],
                               cwd=repo, env=env, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            r = subprocess.run(argv, cwd=repo, env=env, capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    unittest.main()
