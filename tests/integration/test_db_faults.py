"""Faults at the database, against the harness's real PostgreSQL: what the
guard does when the version table is locked (whatever the URL's options or
PGOPTIONS say), when TLS is required but missing or the CA is wrong, when
the role may not read the table, when the table holds 10,000 rows or a NULL,
when the schema is misspelt or the configuration is wrong, when the guard
is killed with -9 under `release`, and that no password (percent-encoded or
not, long or one letter) reaches any output in any format.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
import unittest
from urllib.parse import quote

import harness


def write_chain(d, ids):
    prev = None
    for rev in ids:
        harness.write_migration(d, rev, prev)
        prev = rev


def secret_in(text, secret):
    """Whether secret appears in text as the guard could have printed it: as
    a whole word for short ones (the letter 'o' is in every message)."""
    if len(secret) >= 6:
        return secret in text
    return re.search(r"(?<![A-Za-z0-9_])%s(?![A-Za-z0-9_])" % re.escape(secret), text) is not None


class DbCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-dbf.")
        self.versions = os.path.join(self.tmp, "versions")
        os.makedirs(self.versions)
        write_chain(self.versions, ["a1", "b2"])
        self.pg = harness.pg()
        self.db, self.url = self.pg.create_db("dbf")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def guard(self, *args, url=None, env=None, timeout=60):
        opts = ["--versions", self.versions, "--database-url", url or self.url]
        args = list(args)
        cut = args.index("--") if "--" in args else len(args)
        e = harness.guard_env()
        e.update(env or {})
        return harness.run_guard(*args[:cut], *opts, *args[cut:], env=e, timeout=timeout)

    def sql(self, *stmts, db=None):
        c = self.pg.conn(db or self.db)
        try:
            cur = c.cursor()
            for s in stmts:
                cur.execute(s)
        finally:
            c.close()


class TestTimeouts(DbCase):
    def locked(self, url, env=None):
        harness.stamp(self.url, "a1")
        holder = self.pg.conn(self.db)
        holder.autocommit = False
        try:
            holder.cursor().execute("LOCK TABLE alembic_version IN ACCESS EXCLUSIVE MODE")
            t0 = time.monotonic()
            r = self.guard("check", url=url, env=env, timeout=40)
            took = time.monotonic() - t0
        finally:
            holder.rollback()
            holder.close()
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("lock timeout", r.stderr)
        # lock_timeout is 10 s: a little over it, never the statement's 30 s.
        self.assertLess(took, 25)

    def test_options_in_the_url_keep_the_time_limits(self):
        self.locked(self.url + "?options=-c%20search_path%3Dpublic")

    def test_pgoptions_keep_the_time_limits(self):
        self.locked(self.url, env={"PGOPTIONS": "-c statement_timeout=0 -c lock_timeout=0 "
                                                "-c search_path=public"})

    def test_the_users_options_are_kept(self):
        # A search_path through options finds the table in another schema.
        harness.stamp(self.url, "b2", schema="app")
        r = self.guard("check", url=self.url + "?options=-c%20search_path%3Dapp")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("at-head", r.stdout)
        r = self.guard("check", env={"PGOPTIONS": "-c search_path=app"})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class TestTls(DbCase):
    @classmethod
    def setUpClass(cls):
        # A second server of the harness's kind with TLS turned off.
        cls.plain = harness.Pg().start()
        try:
            c = cls.plain.conn()
            try:
                c.cursor().execute("ALTER SYSTEM SET ssl = off")
                c.cursor().execute("SELECT pg_reload_conf()")
            finally:
                c.close()
        except BaseException:
            # tearDownClass does not run after a failed setUpClass.
            cls.plain.stop()
            raise
        time.sleep(0.5)

    @classmethod
    def tearDownClass(cls):
        cls.plain.stop()

    def test_require_against_a_server_without_tls(self):
        r = self.guard("check", url=self.plain.url("postgres", sslmode="require"))
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("SSL", r.stderr)
        self.assertNotIn(self.plain.password, r.stdout + r.stderr)

    def test_remote_host_from_pghost_requires_tls(self):
        # "db.example" with hostaddr 127.0.0.1 is this machine under a name the
        # guard calls remote: it gets sslmode=require, from the URL or PGHOST.
        url = "postgresql://postgres:%s@db.example:%d/postgres?hostaddr=127.0.0.1" % (
            self.plain.password, self.plain.port)
        r = self.guard("check", url=url)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("SSL", r.stderr)
        env = {"PGHOST": "db.example", "PGHOSTADDR": "127.0.0.1", "PGPORT": str(self.plain.port)}
        url = "postgresql://postgres:%s@/postgres" % self.plain.password
        r = self.guard("check", url=url, env=env)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("SSL", r.stderr)
        self.assertNotIn(self.plain.password, r.stdout + r.stderr)
        # A local PGHOST keeps libpq's default and connects in the clear.
        r = self.guard("check", url=url, env={"PGHOST": "127.0.0.1", "PGPORT": str(self.plain.port)})
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # PGSSLMODE is the user's choice: kept.
        env["PGSSLMODE"] = "disable"
        r = self.guard("check", url=url, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_wrong_ca(self):
        ca = os.path.join(self.tmp, "other-ca.crt")
        key = os.path.join(self.tmp, "other-ca.key")
        subprocess.run(["/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-subj", "/CN=localhost", "-days", "1", "-keyout", key, "-out", ca],
                       check=True, capture_output=True)
        url = "postgresql://postgres:%s@localhost:%d/postgres?sslmode=verify-full&sslrootcert=%s" % (
            quote(self.pg.password, safe=""), self.pg.port, quote(ca, safe=""))
        r = self.guard("check", url=url)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("certificate verify failed", r.stderr)


class TestRights(DbCase):
    def test_role_without_rights_on_the_table(self):
        harness.stamp(self.url, "b2")
        role = "agnorights_%d" % os.getpid()
        self.sql('DROP ROLE IF EXISTS "%s"' % role, db="postgres")
        self.sql("CREATE ROLE \"%s\" LOGIN PASSWORD 'pw-norights-1'" % role, db="postgres")
        try:
            url = "postgresql://%s:pw-norights-1@127.0.0.1:%d/%s" % (role, self.pg.port, self.db)
            r = self.guard("check", url=url)
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assertIn("permission denied", r.stderr)
            self.assertNotIn("pw-norights-1", r.stdout + r.stderr)
        finally:
            self.sql('DROP OWNED BY "%s"' % role)
            self.sql('DROP ROLE "%s"' % role, db="postgres")


class TestTableContents(DbCase):
    def test_ten_thousand_rows(self):
        harness.stamp(self.url)
        self.sql("INSERT INTO alembic_version SELECT 'x' || g FROM generate_series(1, 10000) g")
        r = self.guard("check", "--format", "json", timeout=60)
        self.assertEqual(r.returncode, 1, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(len(doc["database"]["revisions"]), 10000)
        codes = [f["code"] for f in doc["findings"]]
        self.assertEqual(codes.count("unknown-db-revision"), 10000)

    def test_overlapping_rows_one_finding_per_row_to_delete(self):
        write_chain(self.versions, ["a1", "b2", "c3", "d4"])
        harness.stamp(self.url, "a1", "b2", "d4")
        r = self.guard("check", "--format", "json")
        self.assertEqual(r.returncode, 1, r.stderr)
        fixes = sorted(f["fix"] for f in json.loads(r.stdout)["findings"]
                       if f["code"] == "overlapping-db-revisions")
        self.assertEqual(len(fixes), 2, fixes)
        self.assertIn("'a1'", fixes[0])
        self.assertIn("'b2'", fixes[1])

    def test_null_row_is_not_an_empty_table(self):
        self.sql("CREATE TABLE alembic_version (version_num varchar(32))",
                 "INSERT INTO alembic_version VALUES (NULL)")
        r = self.guard("check")
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertNotIn("fresh-database", r.stdout)
        self.assertIn("NULL", r.stderr)
        self.assertIn("DELETE FROM", r.stderr)

    def test_missing_schema_is_named(self):
        harness.stamp(self.url, "b2", schema="app")
        r = self.guard("check", "--version-table-schema", "ap")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertIn("'ap'", r.stderr)
        self.assertIn("does not exist", r.stderr)
        self.assertNotIn("fresh-database", r.stdout)
        r = self.guard("check", "--version-table-schema", "app")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class TestConfigMistakes(DbCase):
    def test_exit_2(self):
        base = "postgresql://postgres:%s@127.0.0.1:%d/%s" % (self.pg.password, self.pg.port,
                                                            self.db)
        cases = [
            (base + "?sslmode=requir", {}, "sslmode"),
            (base + "?sslmdoe=require", {}, "'sslmdoe'"),
            (base.replace(":%d/" % self.pg.port, ":99999/"), {}, "port"),
            (base.replace(":%d/" % self.pg.port, ":54a/"), {}, "port"),
            (base, {"PGSSLMODE": "sometimes"}, "PGSSLMODE"),
            ("postgresql://postgres:%s@/%s" % (self.pg.password, self.db),
             {"PGHOST": "127.0.0.1", "PGPORT": "http"}, "PGPORT"),
            ("host=127.0.0.1 password=%s dbname" % self.pg.password, {}, "without '='"),
            ("mysql://root:%s@127.0.0.1/x" % self.pg.password, {}, "mysql"),
        ]
        for url, env, word in cases:
            r = self.guard("check", url=url, env=env)
            self.assertEqual(r.returncode, 2, "%s %s: %s" % (url, env, r.stderr))
            self.assertIn(word, r.stderr)
            self.assertNotIn(self.pg.password, r.stdout + r.stderr)


class TestSecrets(DbCase):
    PASSWORDS = ["50%off-S3cr3t", "S3cr3t/Pw", "p@ss@word1", "c:o:l:o:n", "wh?t=1&x",
                 "h#sh#value", "o", "ort", "%", "a b'c\\"]

    def role(self, password):
        role = "agsecret_%d" % os.getpid()
        self.sql('DROP ROLE IF EXISTS "%s"' % role, db="postgres")
        c = self.pg.conn()
        try:
            c.cursor().execute('CREATE ROLE "%s" LOGIN SUPERUSER PASSWORD %%s' % role, (password,))
        finally:
            c.close()
        self.addCleanup(self.sql, 'DROP ROLE IF EXISTS "%s"' % role, db="postgres")
        return role

    def outputs(self, url):
        """Every format, and the stderr of each."""
        for fmt in ("text", "json", "github"):
            r = self.guard("check", "--format", fmt, url=url)
            yield fmt, r

    def test_raw_password_never_printed(self):
        harness.stamp(self.url, "b2")
        for pw in self.PASSWORDS:
            role = self.role(pw)
            with self.subTest(password=pw):
                # Written raw, as people paste it, and percent-encoded.
                for shown in (pw, quote(pw, safe="")):
                    if " " in shown or "'" in shown or "\\" in shown:
                        continue
                    url = "postgresql://%s:%s@127.0.0.1:%d/%s" % (role, shown, self.pg.port, self.db)
                    for fmt, r in self.outputs(url):
                        out = r.stdout + r.stderr
                        self.assertEqual(r.returncode, 0, "%s %s: %s" % (url, fmt, out))
                        self.assertFalse(secret_in(out, pw), "%s in %s output: %s" % (pw, fmt, out))
                        self.assertFalse(secret_in(out, shown), out)
                # The conninfo form with quoting.
                esc = pw.replace("\\", "\\\\").replace("'", "\\'")
                ci = "host=127.0.0.1 port=%d user=%s dbname=%s password='%s'" % (
                    self.pg.port, role, self.db, esc)
                r = self.guard("check", url=ci)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertFalse(secret_in(r.stdout + r.stderr, pw))

    def test_wrong_password_messages_stay_intact(self):
        for pw in self.PASSWORDS:
            role = self.role(pw + "-right")
            with self.subTest(password=pw):
                for shown in (pw, quote(pw, safe="")):
                    if " " in shown or "'" in shown or "\\" in shown:
                        continue
                    url = "postgresql://%s:%s@127.0.0.1:%d/%s" % (role, shown, self.pg.port, self.db)
                    for fmt, r in self.outputs(url):
                        out = r.stdout + r.stderr
                        self.assertEqual(r.returncode, 3, "%s %s: %s" % (url, fmt, out))
                        self.assertFalse(secret_in(out, pw), "%s in %s output: %s" % (pw, fmt, out))
                        self.assertIn('connection to server at "127.0.0.1", port %d failed'
                                      % self.pg.port, r.stderr)
                        self.assertIn('password authentication failed for user "%s"' % role,
                                      r.stderr)
                        if fmt == "json":
                            doc = json.loads(r.stdout)
                            self.assertEqual(doc["exit_code"], 3)

    def test_invalid_url_with_password_never_printed(self):
        for url in ("postgresql://agtest:50%off-S3cr3t@127.0.0.1:1/db?sslmode=S3cr3tive",
                    "postgresql://agtest:50%off-S3cr3t@127.0.0.1:S3cr3t/db",
                    "postgresql://agtest:50%off-S3cr3t@127.0.0.1:1/db?50%off-S3cr3t=1",
                    "postgresql://agtest:50%off-S3cr3t@127.0.0.1:1/db?x"):
            for fmt, r in self.outputs(url):
                out = r.stdout + r.stderr
                self.assertEqual(r.returncode, 2, "%s %s: %s" % (url, fmt, out))
                self.assertNotIn("S3cr3t", out)
                self.assertNotIn("off-", out)


class TestReleaseKill(DbCase):
    def test_kill_9_takes_the_command_along_and_frees_the_lock(self):
        harness.stamp(self.url, "a1")
        pidfile = os.path.join(self.tmp, "pid")
        script = "import os, time; open(%r, 'w').write(str(os.getpid())); time.sleep(120)" % pidfile
        args = [harness.BIN, "release", "--versions", self.versions, "--database-url", self.url,
                "--", "/usr/bin/python3", "-c", script]
        p = subprocess.Popen(args, env=harness.guard_env(), stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while not os.path.exists(pidfile) or not open(pidfile).read():
            self.assertLess(time.monotonic(), deadline, "the command never started")
            time.sleep(0.05)
        pid = int(open(pidfile).read())
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=10)
        deadline = time.monotonic() + 10
        while alive(pid):
            self.assertLess(time.monotonic(), deadline, "the command outlived the guard")
            time.sleep(0.05)
        t0 = time.monotonic()
        r = self.guard("release", "--lock-timeout", "5", "--", "true")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertLess(time.monotonic() - t0, 5)
        self.assertNotIn("waited", r.stderr)


def alive(pid):
    """Running, not a zombie waiting for a reaper."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


class TestReleaseCommand(DbCase):
    def test_126_and_127(self):
        harness.stamp(self.url, "a1")
        noexec = os.path.join(self.tmp, "upgrade.sh")
        with open(noexec, "w") as f:
            f.write("#!/bin/sh\necho ran\n")
        os.chmod(noexec, 0o644)
        r = self.guard("release", "--", noexec)
        self.assertEqual(r.returncode, 126, r.stderr)
        self.assertIn("not executable", r.stderr)
        r = self.guard("release", "--", os.path.join(self.tmp, "missing"))
        self.assertEqual(r.returncode, 127, r.stderr)
        self.assertIn("does not exist", r.stderr)
        r = self.guard("release", "--", "alembic-guard-no-such-command")
        self.assertEqual(r.returncode, 127, r.stderr)
        self.assertIn("does not exist", r.stderr)

    def test_json_after_the_command(self):
        harness.stamp(self.url, "a1")
        r = self.guard("release", "--format", "json", "--", "sh", "-c", "echo from-cmd; exit 7")
        self.assertEqual(r.returncode, 7, r.stderr)
        doc = json.loads(r.stdout)
        self.assertIn("from-cmd", r.stderr)
        self.assertEqual(doc["exit_code"], 7)
        cmd = doc["command"]
        self.assertEqual(cmd["argv"], ["sh", "-c", "echo from-cmd; exit 7"])
        self.assertEqual(cmd["exit_code"], 7)
        self.assertIsNone(cmd["signal"])
        self.assertGreaterEqual(cmd["seconds"], 0)
        self.assertGreaterEqual(cmd["lock_wait_seconds"], 0)
        r = self.guard("release", "--format", "json", "--", "sh", "-c", "kill -TERM $$")
        self.assertEqual(r.returncode, 128 + 15)
        cmd = json.loads(r.stdout)["command"]
        self.assertIsNone(cmd["exit_code"])
        self.assertEqual(cmd["signal"], "SIGTERM")
        r = self.guard("release", "--format", "json", "--", os.path.join(self.tmp, "missing"))
        self.assertEqual(r.returncode, 127)
        self.assertEqual(json.loads(r.stdout)["command"]["exit_code"], 127)

    def test_json_when_blocked_has_one_object(self):
        harness.stamp(self.url, "nope")
        r = self.guard("release", "--format", "json", "--", "true")
        self.assertEqual(r.returncode, 1)
        doc = json.loads(r.stdout)
        self.assertIsNone(doc["command"]["exit_code"])

    def test_lock_timeout_in_milliseconds(self):
        harness.stamp(self.url, "a1")
        holder = subprocess.Popen(
            [harness.BIN, "release", "--versions", self.versions, "--database-url", self.url,
             "--", "sleep", "6"], env=harness.guard_env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        try:
            time.sleep(1.5)
            t0 = time.monotonic()
            r = self.guard("release", "--lock-timeout", "1.5", "--", "true")
            took = time.monotonic() - t0
        finally:
            holder.wait(timeout=30)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertGreaterEqual(took, 1.5)
        self.assertLess(took, 5)


if __name__ == "__main__":
    unittest.main()
