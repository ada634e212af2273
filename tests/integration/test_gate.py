"""check, diagnose and release against the real PostgreSQL the harness starts.

Every case of the release gate: fresh, empty, at head, behind, unknown ids
with each cause, overlapping rows, several heads, repository errors,
unreachable database and wrong password (exit 3, no secret in any output),
custom version table and schema names that need quoting, and the release
command's lock, exit code, rollback handling and signal forwarding.
"""
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import unittest

import harness


def chain(d, ids, first_down=None):
    prev = first_down
    for rev in ids:
        harness.write_migration(d, rev, prev)
        prev = rev


class GateCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-gate.")
        self.versions = os.path.join(self.tmp, "versions")
        os.makedirs(self.versions)
        self.db, self.url = harness.pg().create_db("gate")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def guard(self, *args, url=None, **kw):
        # The options go before a `--`: what follows it is release's command.
        opts = ["--versions", self.versions, "--database-url", url or self.url]
        args = list(args)
        cut = args.index("--") if "--" in args else len(args)
        return harness.run_guard(*args[:cut], *opts, *args[cut:], **kw)

    def check_json(self, *args, url=None):
        r = self.guard("check", "--format", "json", *args, url=url)
        self.assertTrue(r.stdout.strip(), r.stderr)
        return r, json.loads(r.stdout)

    def codes(self, doc):
        return [f["code"] for f in doc["findings"]]

    def finding(self, doc, code):
        for f in doc["findings"]:
            if f["code"] == code:
                return f
        self.fail("no %s finding in %s" % (code, self.codes(doc)))


class TestCheck(GateCase):
    def test_fresh_database_without_table(self):
        chain(self.versions, ["a1", "b2", "c3"])
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(doc["verdict"], "ok")
        self.assertIn("fresh-database", self.codes(doc))
        self.assertEqual(doc["pending"], ["a1", "b2", "c3"])
        self.assertEqual(doc["database"]["table_exists"], False)

    def test_empty_table_is_fresh(self):
        chain(self.versions, ["a1", "b2"])
        harness.stamp(self.url)
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 0)
        self.assertIn("fresh-database", self.codes(doc))
        self.assertEqual(doc["pending"], ["a1", "b2"])

    def test_at_head(self):
        chain(self.versions, ["a1", "b2"])
        harness.stamp(self.url, "b2")
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 0)
        self.assertIn("at-head", self.codes(doc))
        self.assertEqual(doc["pending"], [])
        self.assertEqual(doc["database"]["revisions"], ["b2"])

    def test_behind_lists_pending_in_order(self):
        chain(self.versions, ["a1", "zz", "b2", "c3"])
        harness.stamp(self.url, "zz")
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 0)
        self.assertEqual(doc["pending"], ["b2", "c3"])
        self.assertIn("pending-migrations", self.codes(doc))

    def test_require_at_head(self):
        chain(self.versions, ["a1", "b2"])
        harness.stamp(self.url, "a1")
        r = self.guard("check", "--require-at-head")
        self.assertEqual(r.returncode, 5, r.stdout + r.stderr)
        harness.stamp_replace(self.url, "b2")
        r = self.guard("check", "--require-at-head")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_unknown_id_named_by_a_child_needs_a_placeholder(self):
        chain(self.versions, ["base1", "mid2"])
        harness.write_migration(self.versions, "lock3", "guest_lockout_001")
        harness.stamp(self.url, "guest_lockout_001")
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 1)
        f = self.finding(doc, "unknown-db-revision")
        self.assertEqual(f["cause"], "placeholder-needed")
        self.assertIn("down_revision = 'mid2'", f["fix"])
        self.assertIn("backfill guest_lockout_001", f["fix"])
        self.assertTrue(f["file"].endswith(".py"))
        self.assertIn("Can't locate revision identified by 'guest_lockout_001'", f["message"])

    def test_unknown_id_renamed_file(self):
        harness.write_migration(self.versions, "a1", None)
        # The file still carries the old id in its name and docstring.
        harness.write_migration(self.versions, "b2new", "a1", filename="oldb2_add_things.py",
                                doc_revision="oldb2")
        harness.stamp(self.url, "oldb2")
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 1)
        f = self.finding(doc, "unknown-db-revision")
        self.assertEqual(f["cause"], "renamed")
        self.assertEqual(
            f["fix"], "UPDATE alembic_version SET version_num = 'b2new' WHERE version_num = 'oldb2';")

    def test_unknown_id_without_trace_is_db_ahead(self):
        chain(self.versions, ["a1", "b2"])
        harness.stamp(self.url, "c3future")
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 1)
        f = self.finding(doc, "unknown-db-revision")
        self.assertEqual(f["cause"], "db-ahead-of-slug")
        self.assertIn("rollback", f["fix"])
        self.assertIn("alembic stamp", f["fix"])

    def test_partial_id(self):
        chain(self.versions, ["a1b2c3d4e5f6", "b2"])
        harness.stamp(self.url, "a1b2c3")
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 1)
        f = self.finding(doc, "partial-db-revision")
        self.assertIn("'a1b2c3d4e5f6'", f["fix"])

    def test_overlapping_rows(self):
        chain(self.versions, ["a1", "b2", "c3"])
        harness.stamp(self.url, "a1", "b2")
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 1)
        f = self.finding(doc, "overlapping-db-revisions")
        self.assertIn("overlaps with other requested revisions", f["message"])
        self.assertIn("DELETE FROM alembic_version WHERE version_num = 'a1'", f["fix"])

    def test_several_rows_on_branches(self):
        harness.write_migration(self.versions, "root", None)
        harness.write_migration(self.versions, "x1", "root", branch_labels=("left",))
        harness.write_migration(self.versions, "y1", "root", branch_labels=("right",))
        harness.write_migration(self.versions, "y2", "y1")
        harness.stamp(self.url, "x1", "y1")
        r, doc = self.check_json("--target", "heads")
        self.assertEqual(r.returncode, 0, r.stdout)
        self.assertEqual(doc["pending"], ["y2"])
        self.assertEqual(doc["database"]["revisions"], ["x1", "y1"])

    def test_multiple_heads_blocks_target_head(self):
        harness.write_migration(self.versions, "root", None)
        harness.write_migration(self.versions, "h1", "root")
        harness.write_migration(self.versions, "h2", "root")
        harness.stamp(self.url, "root")
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 1)
        f = self.finding(doc, "multiple-heads")
        self.assertIn("Multiple head revisions are present for given argument 'head'", f["message"])
        self.assertIn("alembic merge heads", f["fix"])
        r, doc = self.check_json("--target", "heads")
        self.assertEqual(r.returncode, 0)

    def test_repository_error_blocks(self):
        chain(self.versions, ["a1", "b2"])
        harness.write_migration(self.versions, "c3", "nowhere")
        harness.stamp(self.url, "b2")
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 1)
        self.assertIn("dangling-down-revision", self.codes(doc))

    def test_duplicate_rows(self):
        chain(self.versions, ["a1", "b2"])
        c = harness.pg().conn(self.db)
        c.cursor().execute("CREATE TABLE alembic_version (version_num varchar(32) NOT NULL)")
        c.cursor().execute("INSERT INTO alembic_version VALUES ('b2'), ('b2')")
        c.close()
        r, doc = self.check_json()
        self.assertEqual(r.returncode, 1)
        self.assertIn("duplicate-db-rows", self.codes(doc))

    def test_custom_table_and_schema_needing_quotes(self):
        chain(self.versions, ["a1", "b2"])
        schema, table = 'My "Schema"', "Version Table"
        harness.stamp(self.url, "a1", table=table, schema=schema)
        r = self.guard("check", "--format", "json", "--version-table", table,
                       "--version-table-schema", schema)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["database"]["revisions"], ["a1"])
        self.assertEqual(doc["pending"], ["b2"])
        # The default table does not exist in this database: a fresh one.
        r, doc = self.check_json()
        self.assertIn("fresh-database", self.codes(doc))

    def test_sql_injection_in_table_name_is_quoted(self):
        chain(self.versions, ["a1"])
        r = self.guard("check", "--version-table", "x; DROP TABLE pg_class; --")
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("fresh", r.stdout)

    def test_text_output_is_terse(self):
        chain(self.versions, ["a1", "b2"])
        harness.stamp(self.url, "a1")
        r = self.guard("check")
        self.assertEqual(r.returncode, 0)
        lines = r.stdout.strip().splitlines()
        self.assertTrue(lines[-1].startswith("OK:"), r.stdout)
        self.assertLessEqual(len(lines), 3)

    def test_github_format(self):
        chain(self.versions, ["a1"])
        harness.write_migration(self.versions, "b2", "ghost")
        r = self.guard("check", "--format", "github")
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stdout, r"::error file=[^,]+b2[^,]*\.py,line=\d+,title=dangling-down-revision::")


class TestConnectionFailures(GateCase):
    def assert_no_secret(self, r, secret):
        for stream in (r.stdout, r.stderr):
            self.assertNotIn(secret, stream)

    def test_unreachable_port(self):
        chain(self.versions, ["a1"])
        pg = harness.pg()
        url = "postgresql://postgres:Sup3rSecretPw@127.0.0.1:1/x"
        for fmt in ("text", "json", "github"):
            r = self.guard("check", "--format", fmt, url=url)
            self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
            self.assert_no_secret(r, "Sup3rSecretPw")
        r = self.guard("check", "--format", "json", url=url)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["verdict"], "error")
        self.assertFalse(doc["database"]["reachable"])
        self.assertIn("Connection refused", doc["database"]["error"])
        self.assertEqual(len(r.stderr.strip().splitlines()), 1, r.stderr)
        del pg

    def test_wrong_password(self):
        chain(self.versions, ["a1"])
        pg = harness.pg()
        secret = "Wr0ngPassw0rd-xyzzy"
        url = "postgresql://%s:%s@127.0.0.1:%d/%s" % (pg.user, secret, pg.port, self.db)
        for fmt in ("text", "json", "github"):
            for cmd in ("check", "diagnose"):
                r = self.guard(cmd, "--format", fmt, url=url)
                self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
                self.assert_no_secret(r, secret)
        r = self.guard("check", url=url)
        self.assertIn("password authentication failed", r.stderr)

    def test_real_password_never_printed(self):
        chain(self.versions, ["a1"])
        harness.write_migration(self.versions, "b2", "missing")
        pg = harness.pg()
        for fmt in ("text", "json", "github"):
            for cmd in ("check", "diagnose", "lint"):
                r = self.guard(cmd, "--format", fmt)
                self.assertNotIn(pg.password, r.stdout + r.stderr)

    def test_malformed_url_is_a_usage_error(self):
        chain(self.versions, ["a1"])
        r = self.guard("check", url="mysql://root:hunter2@db/x")
        self.assertEqual(r.returncode, 2, r.stdout + r.stderr)
        self.assertNotIn("hunter2", r.stdout + r.stderr)

    def test_no_url_for_check_is_a_usage_error(self):
        chain(self.versions, ["a1"])
        r = harness.run_guard("check", "--versions", self.versions)
        self.assertEqual(r.returncode, 2)
        self.assertIn("DATABASE_URL", r.stderr)

    def test_database_url_from_environment(self):
        chain(self.versions, ["a1"])
        harness.stamp(self.url, "a1")
        env = harness.guard_env()
        env["DATABASE_URL"] = self.url.replace("postgresql://", "postgres://")
        r = harness.run_guard("check", "--versions", self.versions, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("OK", r.stdout)

    def test_sqlalchemy_driver_url(self):
        chain(self.versions, ["a1"])
        harness.stamp(self.url, "a1")
        r = self.guard("check", url=self.url.replace("postgresql://", "postgresql+psycopg2://"))
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


class TestDiagnose(GateCase):
    def test_full_story(self):
        chain(self.versions, ["base1", "mid2"])
        harness.write_migration(self.versions, "lock3", "guest_lockout_001")
        harness.stamp(self.url, "guest_lockout_001")
        r = self.guard("diagnose")
        self.assertEqual(r.returncode, 1)
        for want in ("Repository", "Database", "stamped:", "guest_lockout_001", "Upgrade path",
                     "cause: placeholder-needed", "fix:", "backfill guest_lockout_001"):
            self.assertIn(want, r.stdout)

    def test_without_database_says_so(self):
        chain(self.versions, ["a1", "b2"])
        r = harness.run_guard("diagnose", "--versions", self.versions)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("could not be read", r.stdout)
        self.assertIn("no database URL", r.stdout)
        self.assertIn("b2", r.stdout)

    def test_pending_path_listed(self):
        chain(self.versions, ["a1", "b2", "c3"])
        harness.stamp(self.url, "a1")
        r = self.guard("diagnose")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"1\. b2 .*\n\s+2\. c3")


class TestRelease(GateCase):
    def test_exit_code_passes_through(self):
        chain(self.versions, ["a1"])
        harness.stamp(self.url, "a1")
        r = self.guard("release", "--", "sh", "-c", "echo ran; exit 7")
        self.assertEqual(r.returncode, 7, r.stdout + r.stderr)
        self.assertIn("ran", r.stdout)
        r = self.guard("release", "--", "true")
        self.assertEqual(r.returncode, 0)

    def test_blocked_does_not_run_the_command(self):
        chain(self.versions, ["a1"])
        harness.stamp(self.url, "nope")
        marker = os.path.join(self.tmp, "ran")
        r = self.guard("release", "--", "touch", marker)
        self.assertEqual(r.returncode, 1)
        self.assertFalse(os.path.exists(marker))

    def test_on_ahead_skip_and_fail(self):
        chain(self.versions, ["a1", "b2"])
        harness.stamp(self.url, "c3fromnewercode")
        marker = os.path.join(self.tmp, "ran")
        r = self.guard("release", "--on-ahead", "skip", "--", "touch", marker)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertFalse(os.path.exists(marker))
        self.assertIn("c3fromnewercode", r.stderr)
        self.assertIn("WARNING", r.stderr)
        r = self.guard("release", "--on-ahead", "fail", "--", "touch", marker)
        self.assertEqual(r.returncode, 1)
        self.assertFalse(os.path.exists(marker))

    def test_skip_does_not_hide_other_errors(self):
        chain(self.versions, ["a1"])
        harness.write_migration(self.versions, "b2", "ghost")
        harness.stamp(self.url, "c3fromnewercode")
        r = self.guard("release", "--on-ahead", "skip", "--", "true")
        self.assertEqual(r.returncode, 1)

    def test_concurrent_releases_run_one_after_the_other(self):
        chain(self.versions, ["a1"])
        harness.stamp(self.url, "a1")
        log = os.path.join(self.tmp, "log")
        script = 'echo "start $(date +%s.%N)" >> {0}; sleep 1.5; echo "end $(date +%s.%N)" >> {0}'.format(log)
        args = [harness.BIN, "release", "--versions", self.versions, "--database-url", self.url,
                "--", "sh", "-c", script]
        procs = [subprocess.Popen(args, env=harness.guard_env(), stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE) for _ in range(2)]
        for p in procs:
            p.wait(timeout=60)
            self.assertEqual(p.returncode, 0, p.stderr.read())
        events = [line.split() for line in open(log)]
        self.assertEqual([e[0] for e in events], ["start", "end", "start", "end"], events)
        self.assertLessEqual(float(events[1][1]), float(events[2][1]))

    def test_lock_timeout(self):
        chain(self.versions, ["a1"])
        harness.stamp(self.url, "a1")
        args = [harness.BIN, "release", "--versions", self.versions, "--database-url", self.url,
                "--", "sleep", "4"]
        first = subprocess.Popen(args, env=harness.guard_env(), stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL)
        time.sleep(1.0)
        r = self.guard("release", "--lock-timeout", "1", "--", "true")
        first.wait(timeout=30)
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertIn("lock", r.stderr)

    def test_sigterm_reaches_the_command(self):
        chain(self.versions, ["a1"])
        harness.stamp(self.url, "a1")
        got = os.path.join(self.tmp, "got-term")
        script = "trap 'echo term > %s; exit 143' TERM; echo ready; while :; do sleep 0.1; done" % got
        p = subprocess.Popen([harness.BIN, "release", "--versions", self.versions, "--database-url",
                              self.url, "--", "sh", "-c", script], env=harness.guard_env(),
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.time() + 20
        line = ""
        while time.time() < deadline and "ready" not in line:
            line = p.stdout.readline()
        self.assertIn("ready", line)
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=20)
        self.assertEqual(p.returncode, 143)
        self.assertTrue(os.path.exists(got))

    def test_needs_a_command(self):
        chain(self.versions, ["a1"])
        r = self.guard("release")
        self.assertEqual(r.returncode, 2)


if __name__ == "__main__":
    unittest.main()
