"""releases and wait-release against a fake Platform API on 127.0.0.1.

fake_heroku.py serves release lists across several pages, output streams
(plain text, one very large, one cut off mid-stream, one gone), a 429 with
Retry-After, a 500 then success, a 401, malformed JSON, a response slower
than the timeout, and a low RateLimit-Remaining. Every run asserts that the
token appears in no output (stdout and stderr, --verbose and --debug too)
and that the token never travels to an output stream.

No database and nothing outside 127.0.0.1: the API URL always points at the
fake (HEROKU_API_URL or --api-url), and the two cases that name another
host are refused by alembic-guard before any connection.

Run: AG_BIN=$PWD/build/alembic-guard /usr/bin/python3 -m unittest tests/integration/test_heroku.py
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from fake_heroku import FakeHeroku  # noqa: E402

BIN = os.environ.get("AG_BIN") or os.path.join(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
    "build", "alembic-guard")
TOKEN = "hkTOKEN-7f3a9c2e-11d0-4b5a-SECRET"
APP = "guestbook"

CANT_LOCATE = (
    "Running release command...\n"
    "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\n"
    "Traceback (most recent call last):\n"
    "alembic.util.exc.CommandError: Can't locate revision identified by 'deadbeef0001'\n"
    "FAILED: Can't locate revision identified by 'deadbeef0001'\n")
STAMPED = (
    "+ alembic stamp cafe0002\n"
    "INFO  [alembic.runtime.migration] Running stamp_revision  -> cafe0002\n")
UPGRADED = "INFO  [alembic.runtime.migration] Running upgrade aaa111 -> bbb222, add guests\n"
HEADS = ("\x1b[31mFAILED:\x1b[0m Multiple head revisions are present for given argument 'head'; "
         "please specify a specific target revision, '<branchname>@head' to narrow to a specific "
         "head, or 'heads' for all heads\r\n")
GUARD = ("error unknown-db-revision: the database is at 'feed0003', which no file in this code "
         "defines and none refers to: Alembic stops with \"Can't locate revision identified by "
         "'feed0003'\"; the database is ahead of this code\n"
         "BLOCKED: do not run `alembic upgrade` until the errors are fixed (1 error, 0 warnings)\n")

MIGRATION = '''"""{rev}

Revision ID: {rev}
Revises: {down}
"""
revision = "{rev}"
down_revision = {down_py}
branch_labels = None
depends_on = None
'''


class Result:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed

    def __repr__(self):
        return "rc=%d\n--- stdout\n%s\n--- stderr\n%s" % (self.rc, self.out, self.err)


class HerokuCase(unittest.TestCase):
    def setUp(self):
        self.fake = FakeHeroku(token=TOKEN).start()
        self.tmp = tempfile.mkdtemp(prefix="ag-heroku.")
        self.versions = os.path.join(self.tmp, "versions")
        os.makedirs(self.versions)
        self.write_migration("aaa111", None)
        self.write_migration("bbb222", "aaa111")

    def tearDown(self):
        self.fake.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write_migration(self, rev, down):
        with open(os.path.join(self.versions, "%s_m.py" % rev), "w") as f:
            f.write(MIGRATION.format(rev=rev, down=down or "",
                                     down_py=repr(down) if down else "None"))

    def run_ag(self, *args, token=TOKEN, env=None, api_url=True, timeout=120):
        e = {k: v for k, v in os.environ.items()
             if not k.startswith("HEROKU_") and not k.lower().endswith("_proxy") and k not in (
                 "DYNO", "NOTIFY_URL", "SSL_CERT_FILE", "DATABASE_URL")}
        e["NO_COLOR"] = "1"
        if api_url:
            e["HEROKU_API_URL"] = self.fake.url
        if token is not None:
            e["HEROKU_API_KEY"] = token
        e.update(env or {})
        t0 = time.monotonic()
        p = subprocess.run([BIN, *args], env=e, cwd=self.tmp, capture_output=True,
                           timeout=timeout)
        r = Result(p.returncode, p.stdout.decode("utf-8", "replace"),
                   p.stderr.decode("utf-8", "replace"), time.monotonic() - t0)
        # The token must never be shown, not even in part.
        for stream in (r.out, r.err):
            self.assertNotIn(TOKEN, stream, r)
            self.assertNotIn("SECRET", stream, r)
        self.assertNotIn("AddressSanitizer", r.err, r)
        self.assertNotIn("runtime error:", r.err, r)
        return r

    def releases(self, *args, **kw):
        return self.run_ag("releases", "--app", APP, "--versions", self.versions, *args, **kw)

    def standard_history(self):
        """v1..v8: upgrades, a failed release phase, a hand stamp, a
        multiple-heads failure, alembic-guard's own block, and releases
        without a release phase."""
        f = self.fake
        f.add_release(APP, 1, output="INFO  [alembic.runtime.migration] Running upgrade  -> aaa111, init\n")
        f.add_release(APP, 2)
        f.add_release(APP, 3, status="failed", output=GUARD)
        f.add_release(APP, 4, status="failed", output=HEADS)
        f.add_release(APP, 5, output=STAMPED)
        f.add_release(APP, 6, status="failed", output=CANT_LOCATE)
        f.add_release(APP, 7, output=UPGRADED)
        f.add_release(APP, 8, description="Set DEBUG config vars")


class ReleasesListing(HerokuCase):
    def test_pages_are_followed_newest_first(self):
        self.standard_history()
        r = self.releases("--no-output")
        self.assertEqual(r.rc, 0, r)
        lines = [l.split()[0] for l in r.out.splitlines() if l.startswith("  v")]
        self.assertEqual(lines, ["v%d" % v for v in range(8, 0, -1)], r)
        api = self.fake.api_requests()
        # 8 releases, 3 per page on the server: 3 requests, chained by Next-Range.
        self.assertEqual(len(api), 3, [a["headers"].get("range") for a in api])
        self.assertEqual(api[0]["headers"]["range"], "version ..; max=100, order=desc")
        self.assertEqual(api[1]["headers"]["range"], "version ]6..; max=100, order=desc")
        self.assertEqual(api[2]["headers"]["range"], "version ]3..; max=100, order=desc")
        for a in api:
            self.assertEqual(a["headers"]["accept"], "application/vnd.heroku+json; version=3")
            self.assertEqual(a["headers"]["authorization"], "Bearer " + TOKEN)
            self.assertRegex(a["headers"]["user-agent"], r"^alembic-guard/\d+\.\d+\.\d+ ")
        self.assertIn("Set DEBUG config vars", r.out)
        self.assertIn("dev@example.com", r.out)
        self.assertIn("2024-05-09T10:08:00Z", r.out)  # created_at of v8
        # --no-output fetched no stream
        self.assertEqual(self.fake.api_requests("/streams/"), [])

    def test_limit_and_since(self):
        self.standard_history()
        r = self.releases("--no-output", "--limit", "4")
        self.assertEqual(r.rc, 0, r)
        shown = [l.split()[0] for l in r.out.splitlines() if l.startswith("  v")]
        self.assertEqual(shown, ["v8", "v7", "v6", "v5"])
        self.assertEqual(self.fake.api_requests()[0]["headers"]["range"],
                         "version ..; max=4, order=desc")
        self.fake.requests.clear()
        r = self.releases("--no-output", "--since", "v6")
        self.assertEqual(r.rc, 0, r)
        shown = [l.split()[0] for l in r.out.splitlines() if l.startswith("  v")]
        self.assertEqual(shown, ["v8", "v7", "v6"])
        # v8, v7, v6 are on the first page: no second request.
        self.assertEqual(len(self.fake.api_requests()), 1)

    def test_bad_options(self):
        r = self.run_ag("releases", "--app", APP, "--since", "yesterday")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--since", r.err)
        r = self.run_ag("releases", "--app", "../../etc")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("not a Heroku app name", r.err)
        r = self.run_ag("releases")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--app", r.err)
        self.assertEqual(self.fake.requests, [])

    def test_app_from_environment(self):
        self.standard_history()
        r = self.run_ag("releases", "--no-output", env={"HEROKU_APP": APP})
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Releases of %s (8," % APP, r.out)

    def test_app_from_the_settings(self):
        self.standard_history()
        with open(os.path.join(self.tmp, "alembic.ini"), "w") as f:
            f.write("[alembic]\nscript_location = .\nversion_locations = versions\n\n"
                    "[alembic-guard]\nheroku.app = %s\n" % APP)
        r = self.run_ag("releases", "--format", "json")
        self.assertEqual(r.rc, 0, r)
        doc = json.loads(r.out)
        self.assertEqual(doc["app"], APP)
        self.assertTrue(doc["summary"]["repository_read"])  # the same config gave the files
        self.assertNotIn("aaa111", [u["id"] for u in doc["summary"]["unknown_revisions"]])

    def test_no_token(self):
        r = self.run_ag("releases", "--app", APP, token=None)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("HEROKU_API_KEY", r.err)
        self.assertIn("--scope read", r.err)
        self.assertEqual(self.fake.requests, [])

    def test_unknown_app_is_one_line(self):
        r = self.run_ag("releases", "--app", "no-such-app")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("HTTP 404 not_found: Couldn't find that app.", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r)


class ReleasesOutput(HerokuCase):
    def test_findings_and_summary(self):
        self.standard_history()
        r = self.releases()
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Can't locate revision identified by 'deadbeef0001'", r.out)
        self.assertIn("Multiple head revisions are present", r.out)
        self.assertNotIn("\x1b[", r.out)  # colours from the stream are removed
        self.assertIn("+ alembic stamp cafe0002", r.out)
        self.assertIn("error unknown-db-revision", r.out)
        summary = r.out[r.out.index("\nSummary\n"):]
        self.assertIn("candidates for `alembic-guard backfill`", summary)
        for rev in ("deadbeef0001", "cafe0002", "feed0003"):
            self.assertIn(rev, summary)
        # Ids this checkout defines are not candidates.
        self.assertNotIn("aaa111", summary)
        self.assertNotIn("bbb222", summary)
        self.assertIn("cafe0002                           named by v5 (stamped by hand)", summary)
        self.assertIn("releases whose release phase failed: v6, v4, v3", summary)
        self.assertIn("warning: ", summary)
        self.assertIn("[manual-stamp]", summary)
        self.assertIn("alembic-guard backfill deadbeef0001", summary)
        # Streams were read once each, never with the token.
        streams = self.fake.api_requests("/streams/")
        self.assertEqual(sorted(s["path"] for s in streams),
                         sorted("/streams/%s-v%d" % (APP, v) for v in (1, 3, 4, 5, 6, 7)))
        for s in streams:
            self.assertNotIn("authorization", s["headers"])

    def test_json(self):
        self.standard_history()
        r = self.releases("--format", "json")
        self.assertEqual(r.rc, 0, r)
        doc = json.loads(r.out)
        self.assertEqual(doc["format_version"], 1)
        self.assertEqual(doc["command"], "releases")
        self.assertEqual(doc["verdict"], "ok")
        self.assertEqual(doc["app"], APP)
        self.assertTrue(doc["complete"])
        self.assertEqual([x["version"] for x in doc["releases"]], list(range(8, 0, -1)))
        by_v = {x["version"]: x for x in doc["releases"]}
        self.assertIsNone(by_v[8]["output"])
        self.assertFalse(by_v[8]["release_phase"])
        six = by_v[6]
        self.assertEqual(six["status"], "failed")
        self.assertEqual(six["user"], "dev@example.com")
        self.assertEqual(six["output"]["bytes"], len(CANT_LOCATE))
        kinds = [(m["kind"], m["revisions"]) for m in six["output"]["matches"]]
        self.assertIn(("cant-locate", ["deadbeef0001"]), kinds)
        self.assertEqual(six["output"]["revisions"], ["deadbeef0001"])
        self.assertEqual([m["kind"] for m in by_v[5]["output"]["matches"]], ["stamp", "stamp"])
        self.assertEqual(by_v[7]["output"]["revisions"], ["aaa111", "bbb222"])
        s = doc["summary"]
        self.assertTrue(s["repository_read"])
        self.assertEqual([u["id"] for u in s["unknown_revisions"]],
                         ["cafe0002", "deadbeef0001", "feed0003"])
        self.assertEqual([u["releases"] for u in s["unknown_revisions"]], [[5], [6], [3]])
        self.assertEqual([u["stamped"] for u in s["unknown_revisions"]], [True, False, False])
        self.assertEqual(s["failed_releases"], [6, 4, 3])
        codes = sorted(f["code"] for f in doc["findings"])
        self.assertEqual(codes.count("production-revision-unknown"), 3)
        self.assertEqual(codes.count("release-phase-failed"), 3)
        self.assertIn("manual-stamp", codes)
        self.assertNotIn("output_stream_url", r.out)
        self.assertNotIn("/streams/", r.out)  # pre-signed URLs are secrets

    def test_strict_makes_warnings_block(self):
        self.standard_history()
        r = self.releases("--strict", "--format", "json")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(json.loads(r.out)["verdict"], "blocked")

    def test_clean_history_exits_zero_even_strict(self):
        self.fake.add_release(APP, 1, output="Running upgrade  -> aaa111, init\n")
        self.fake.add_release(APP, 2, output="Running upgrade aaa111 -> bbb222, add guests\n")
        r = self.releases("--strict")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("defines: none", r.out)
        self.assertIn("release phase failed: none", r.out)

    def test_without_a_checkout(self):
        self.standard_history()
        r = self.run_ag("releases", "--app", APP, "--format", "json")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("no migrations read", r.err)
        doc = json.loads(r.out)
        self.assertFalse(doc["summary"]["repository_read"])
        ids = [u["id"] for u in doc["summary"]["unknown_revisions"]]
        self.assertIn("aaa111", ids)  # nothing to compare with: listed, not judged
        self.assertNotIn("production-revision-unknown", [f["code"] for f in doc["findings"]])

    def test_very_large_output_keeps_the_end(self):
        filler = ("INFO  [sqlalchemy.engine.Engine] SELECT 1 -- padding line %08d\n" * 1)
        big = "".join(filler % i for i in range(200000))  # ~12.6 MB
        tail = "FAILED: Can't locate revision identified by 'b1gb1g0001'\n"
        self.fake.add_release(APP, 1, status="failed", output=big + tail)
        r = self.releases("--format", "json")
        self.assertEqual(r.rc, 0, r)
        out = json.loads(r.out)["releases"][0]["output"]
        self.assertEqual(out["bytes"], len(big) + len(tail))
        self.assertTrue(out["truncated"])
        self.assertFalse(out["incomplete"])
        self.assertEqual(out["revisions"], ["b1gb1g0001"])
        r = self.releases("--output-limit", "64")
        self.assertIn("the middle left out", r.out)
        self.assertIn("b1gb1g0001", r.out)

    def test_cut_off_stream(self):
        text = CANT_LOCATE.replace("deadbeef0001", "c0t0ff0001") + "more output that never arrives\n" * 50
        cut = text.index("FAILED:")
        self.fake.add_release(APP, 1, status="failed",
                              stream={"body": text.encode(), "cut_at": cut})
        r = self.releases("--format", "json")
        self.assertEqual(r.rc, 0, r)
        out = json.loads(r.out)["releases"][0]["output"]
        self.assertTrue(out["fetched"])
        self.assertTrue(out["incomplete"])
        self.assertEqual(out["bytes"], cut)
        self.assertEqual(out["revisions"], ["c0t0ff0001"])
        r = self.releases()
        self.assertIn("cut off before its end", r.out)

    def test_expired_stream_is_noted(self):
        self.fake.add_release(APP, 1, status="failed", stream={"status": 404})
        self.fake.add_release(APP, 2, output=UPGRADED)
        r = self.releases()
        self.assertEqual(r.rc, 0, r)
        self.assertIn("release output not read", r.out)
        self.assertIn("HTTP 404", r.out)
        self.assertIn("no longer available", r.out)
        self.assertNotIn("/streams/", r.out + r.err)

    def test_pending_release_output_is_not_read(self):
        self.fake.add_release(APP, 1, output=UPGRADED)
        self.fake.add_release(APP, 2, status="pending", output="still running\n")
        r = self.releases()
        self.assertEqual(r.rc, 0, r)
        self.assertIn("still running", r.out)
        self.assertNotIn("/streams/%s-v2" % APP,
                         [s["path"] for s in self.fake.api_requests("/streams/")])


class ReleasesHttp(HerokuCase):
    def test_429_waits_for_retry_after(self):
        self.standard_history()
        self.fake.script("GET", "/apps/%s/releases" % APP,
                         {"status": 429, "headers": {"Retry-After": "1"},
                          "body": {"id": "rate_limit", "message": "Your account reached the API rate limit"}})
        r = self.releases("--no-output", "-v")
        self.assertEqual(r.rc, 0, r)
        api = self.fake.api_requests()
        self.assertEqual(len(api), 4)  # the 429, then the 3 pages
        self.assertGreaterEqual(api[1]["time"] - api[0]["time"], 0.95)
        self.assertIn("HTTP 429; retrying in 1.000 s", r.err)

    def test_500_then_success(self):
        self.standard_history()
        self.fake.script("GET", "/apps/%s/releases" % APP,
                         {"status": 500, "body": {"id": "internal_server_error",
                                                  "message": "Internal server error."}})
        r = self.releases("--no-output")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("v8", r.out)
        self.assertEqual(len(self.fake.api_requests()), 4)

    def test_500_forever_gives_up_with_the_message(self):
        self.standard_history()
        answer = {"status": 503, "headers": {"Retry-After": "0"},
                  "body": {"id": "unavailable", "message": "API is down for maintenance."}}
        self.fake.script("GET", "/apps/%s/releases" % APP, *([answer] * 10))
        r = self.releases("--no-output")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("HTTP 503 unavailable: API is down for maintenance. (after 4 attempts)", r.err)
        self.assertEqual(len(self.fake.api_requests()), 4)

    def test_401_is_one_line_and_not_retried(self):
        self.standard_history()
        r = self.releases(token="wrong-token-value")
        self.assertEqual(r.rc, 3, r)
        lines = r.err.strip().splitlines()
        self.assertEqual(len(lines), 1, r)
        self.assertIn("HTTP 401 unauthorized: Invalid credentials provided.", lines[0])
        self.assertIn("heroku authorizations:create", lines[0])
        self.assertNotIn("wrong-token-value", r.err + r.out)
        self.assertEqual(len(self.fake.api_requests()), 1)
        self.assertEqual(r.out, "")

    def test_failure_in_json_is_an_error_verdict(self):
        self.standard_history()
        r = self.releases("--format", "json", token="wrong-token-value")
        self.assertEqual(r.rc, 3, r)
        doc = json.loads(r.out)
        self.assertEqual((doc["command"], doc["verdict"], doc["exit_code"], doc["app"]),
                         ("releases", "error", 3, APP))
        self.assertEqual(doc["error"]["code"], "platform-api")
        self.assertIn("HTTP 401 unauthorized", doc["error"]["message"])
        r = self.run_ag("wait-release", "--app", APP, "--format", "json", token=None)
        self.assertEqual(r.rc, 2, r)
        doc = json.loads(r.out)
        self.assertEqual((doc["command"], doc["verdict"], doc["exit_code"]), ("wait-release", "error", 2))
        self.assertEqual(doc["error"]["code"], "usage")
        self.assertIn("HEROKU_API_KEY", doc["error"]["message"])

    def test_malformed_json(self):
        self.fake.add_release(APP, 1)
        self.fake.script("GET", "/apps/%s/releases" % APP,
                         {"status": 200, "raw": b'[{"version": 1, "status": "succ'})
        r = self.releases()
        self.assertEqual(r.rc, 3, r)
        self.assertIn("malformed answer from the Platform API", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r)
        self.fake.script("GET", "/apps/%s/releases" % APP,
                         {"status": 200, "body": [{"version": "one"}]})
        r = self.releases()
        self.assertEqual(r.rc, 3, r)
        self.assertIn("without a version or a status", r.err)
        self.fake.script("GET", "/apps/%s/releases" % APP, {"status": 200, "body": {"not": "a list"}})
        r = self.releases()
        self.assertEqual(r.rc, 3, r)
        self.assertIn("not a JSON array", r.err)

    def test_slow_answer_times_out(self):
        self.fake.add_release(APP, 1)
        self.fake.script("GET", "/apps/%s/releases" % APP,
                         {"status": 200, "body": [], "delay": 6})
        r = self.releases("--request-timeout", "1")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("timed out after 1.0 s", r.err)
        self.assertLess(r.elapsed, 5)

    def test_rate_limit_floor_stops_early_and_says_so(self):
        self.standard_history()
        self.fake.ratelimit = 5
        r = self.releases("--no-output", "--format", "json")
        self.assertEqual(r.rc, 0, r)
        doc = json.loads(r.out)
        self.assertFalse(doc["complete"])
        self.assertIn("RateLimit-Remaining", doc["note"])
        self.assertEqual([x["version"] for x in doc["releases"]], [8, 7, 6])
        self.assertIn("stopped early", r.err)
        self.assertEqual(len(self.fake.api_requests()), 1)
        r = self.releases("--no-output")
        self.assertIn("Incomplete: stopped early", r.out)

    def test_verbose_and_debug_never_show_the_token(self):
        self.standard_history()
        r = self.releases("-v")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("http: GET %s/apps/%s/releases" % (self.fake.url, APP), r.err)
        self.assertIn("http: GET %s/streams/***" % self.fake.url, r.err)
        r = self.releases("--debug")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("> Authorization: Bearer ***", r.err)
        self.assertIn("< RateLimit-Remaining: 4500", r.err)
        self.assertIn("> Accept: application/vnd.heroku+json; version=3", r.err)
        self.assertNotIn("%s-v6" % APP, r.err)  # stream paths masked too

    def test_plain_http_to_another_host_is_refused(self):
        # Refused before any connection: nothing leaves the machine.
        r = self.run_ag("releases", "--app", APP, "--api-url", "http://api.example.invalid")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("refusing to send the Heroku API token over plain http", r.err)

    def test_missing_ca_bundle_is_clear(self):
        r = self.run_ag("releases", "--app", APP, "--api-url", "https://127.0.0.1:9",
                        env={"SSL_CERT_FILE": os.path.join(self.tmp, "no-such-bundle.pem")})
        self.assertEqual(r.rc, 2, r)
        self.assertIn("CA bundle", r.err)
        self.assertIn("no-such-bundle.pem", r.err)

    def test_loopback_never_goes_through_a_proxy(self):
        self.standard_history()
        r = self.releases("--no-output", env={"http_proxy": "http://127.0.0.1:9",
                                              "HTTPS_PROXY": "http://127.0.0.1:9",
                                              "ALL_PROXY": "http://127.0.0.1:9"})
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(self.fake.api_requests()), 3)

    def test_api_url_option_beats_environment(self):
        self.standard_history()
        r = self.run_ag("releases", "--app", APP, "--no-output", "--api-url", self.fake.url,
                        env={"HEROKU_API_URL": "http://127.0.0.1:9"})
        self.assertEqual(r.rc, 0, r)
        r = self.run_ag("releases", "--app", APP, "--no-output", "--request-timeout", "2",
                        env={"HEROKU_API_URL": "http://127.0.0.1:9"}, api_url=False)
        self.assertEqual(r.rc, 3, r)


class WaitRelease(HerokuCase):
    def wait(self, *args, **kw):
        return self.run_ag("wait-release", "--app", APP, "--interval", "0.2", *args, **kw)

    def test_succeeded_exits_zero(self):
        self.fake.add_release(APP, 1)
        self.fake.add_release(APP, 2, status="succeeded", polls=["pending", "pending"],
                              output="Running upgrade aaa111 -> bbb222\n")
        # The list call (newest) says pending too.
        self.fake.apps[APP][2]["status"] = "pending"
        self.fake.polls[(APP, 2)] = ["pending", "succeeded"]
        r = self.wait()
        self.assertEqual(r.rc, 0, r)
        self.assertIn("OK: release v2 of %s succeeded" % APP, r.out)
        self.assertIn("v2 of %s: pending" % APP, r.err)
        paths = [a["path"] for a in self.fake.api_requests()]
        self.assertEqual(paths[0], "/apps/%s/releases" % APP)
        self.assertEqual(set(paths[1:]), {"/apps/%s/releases/2" % APP})
        self.assertEqual(self.fake.api_requests("/streams/"), [])  # no output needed

    def test_failed_exits_one_and_prints_the_output(self):
        self.fake.add_release(APP, 1)
        self.fake.add_release(APP, 2, status="failed", output=CANT_LOCATE)
        self.fake.apps[APP][2]["status"] = "pending"
        self.fake.polls[(APP, 2)] = ["pending", "failed"]
        r = self.wait()
        self.assertEqual(r.rc, 1, r)
        self.assertIn("FAILED: release v2 of %s failed" % APP, r.out)
        self.assertIn("--- release output (%d bytes) ---" % len(CANT_LOCATE), r.out)
        self.assertIn("Running release command...", r.out)
        self.assertIn("revisions named: deadbeef0001", r.out)
        streams = self.fake.api_requests("/streams/")
        self.assertEqual(len(streams), 1)
        self.assertNotIn("authorization", streams[0]["headers"])

    def test_failed_json(self):
        self.fake.add_release(APP, 3, status="failed", output=HEADS)
        r = self.wait("--format", "json")
        self.assertEqual(r.rc, 1, r)
        doc = json.loads(r.out)
        self.assertEqual(doc["command"], "wait-release")
        self.assertEqual(doc["verdict"], "blocked")
        self.assertEqual(doc["release"]["version"], 3)
        self.assertEqual(doc["release"]["status"], "failed")
        self.assertFalse(doc["timed_out"])
        self.assertEqual(doc["output"]["text"], HEADS)
        self.assertEqual([m["kind"] for m in doc["output"]["matches"]], ["multiple-heads"])

    def test_timeout_exits_one(self):
        self.fake.add_release(APP, 1, status="pending")
        r = self.wait("--timeout", "1.5")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("TIMEOUT: release v1 of %s is still pending after" % APP, r.out)
        self.assertIn("--timeout 2", r.out)
        self.assertGreaterEqual(r.elapsed, 1.4)
        self.assertLess(r.elapsed, 6)
        self.assertGreaterEqual(len(self.fake.api_requests()), 3)

    def test_specific_version(self):
        self.fake.add_release(APP, 3)
        self.fake.add_release(APP, 4, status="failed", output=CANT_LOCATE)
        r = self.wait("--version", "v3")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("release v3", r.out)
        self.assertEqual([a["path"] for a in self.fake.api_requests()],
                         ["/apps/%s/releases/3" % APP])
        r = self.wait("--version", "v4")
        self.assertEqual(r.rc, 1, r)
        r = self.wait("--version", "v99")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("Couldn't find that release.", r.err)

    def test_api_errors_exit_three(self):
        self.fake.add_release(APP, 1)
        r = self.wait(token="not-the-token")
        self.assertEqual(r.rc, 3, r)
        self.assertIn("HTTP 401", r.err)
        r = self.wait(token=None)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("HEROKU_API_KEY", r.err)
        r = self.run_ag("wait-release")
        self.assertEqual(r.rc, 2, r)

    def test_500_during_polling_is_retried(self):
        self.fake.add_release(APP, 1, status="succeeded")
        self.fake.script("GET", "/apps/%s/releases" % APP,
                         {"status": 502, "headers": {"Retry-After": "0"}, "raw": b"<html>Bad gateway</html>"})
        r = self.wait()
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(len(self.fake.api_requests()), 2)

    def test_debug_is_safe(self):
        self.fake.add_release(APP, 1, status="failed", output=CANT_LOCATE)
        r = self.wait("--debug")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("Bearer ***", r.err)


class GateWithPlatform(HerokuCase):
    """check --notify, release --on-ahead auto and the release-phase context:
    the gate against the harness's PostgreSQL, the Platform API faked."""

    def setUp(self):
        super().setUp()
        import harness
        self.harness = harness
        _, self.url = harness.pg().create_db("platform")

    def gate(self, *args, **kw):
        args = list(args)
        cut = args.index("--") if "--" in args else len(args)
        opts = ["--versions", self.versions, "--database-url", self.url]
        return self.run_ag(*args[:cut], *opts, *args[cut:], **kw)

    def hook(self):
        # The secret part of a Slack-style webhook URL must never be shown.
        return self.fake.url + "/hooks/T0001/B0002/SECRETpart9x"

    def test_notify_posts_a_blocked_verdict(self):
        self.harness.stamp(self.url, "ghost_rev_9")
        r = self.gate("check", "--notify", self.hook())
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(len(self.fake.posts), 1, r)
        post = self.fake.posts[0]
        self.assertEqual(post["path"], "/hooks/T0001/B0002/SECRETpart9x")
        self.assertIn("ghost_rev_9", post["body"]["text"])
        self.assertIn("BLOCKED", post["body"]["text"].upper())
        report = post["body"]["report"]
        self.assertEqual(report["verdict"], "blocked")
        self.assertIn("unknown-db-revision", [f["code"] for f in report["findings"]])
        # The token goes only to the API, never to a webhook.
        self.assertNotIn(TOKEN, json.dumps(post["headers"]))
        self.assertIn("notice sent", r.err)
        self.assertIn("/hooks/", r.err)

    def test_notify_url_from_the_environment(self):
        self.harness.stamp(self.url, "ghost_rev_9")
        r = self.gate("check", env={"NOTIFY_URL": self.hook()})
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(len(self.fake.posts), 1, r)

    def test_no_notice_when_safe(self):
        self.harness.stamp(self.url, "aaa111")
        r = self.gate("check", "--notify", self.hook())
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.fake.posts, [])

    def test_failed_notice_warns_and_keeps_the_exit_code(self):
        self.harness.stamp(self.url, "ghost_rev_9")
        self.fake.hook_answers += [{"status": 500, "body": "boom"}] * 3
        r = self.gate("check", "--notify", self.hook())
        self.assertEqual(r.rc, 1, r)
        self.assertIn("warning", r.err)
        self.assertIn("not sent", r.err)
        # Nobody listening at all: the same.
        r = self.gate("check", "--notify", "http://127.0.0.1:1/hooks/SECRETx")
        self.assertEqual(r.rc, 1, r)
        self.assertIn("not sent", r.err)

    def rollback_env(self, version):
        return {"HEROKU_APP_NAME": APP, "HEROKU_RELEASE_VERSION": "v%d" % version,
                "DYNO": "release.4242"}

    def test_on_ahead_auto_skips_a_rollback(self):
        self.fake.add_release(APP, 41)
        self.fake.add_release(APP, 42, status="pending", description="Rollback to v39")
        self.harness.stamp(self.url, "ccc333fromnewer")
        marker = os.path.join(self.tmp, "ran")
        r = self.gate("release", "--on-ahead", "auto", "--", "touch", marker,
                      env=self.rollback_env(42))
        self.assertEqual(r.rc, 0, r)
        self.assertFalse(os.path.exists(marker))
        self.assertIn("rollback", r.err)
        self.assertIn("ccc333fromnewer", r.err)
        self.assertTrue(any("/releases/42" in q["path"] for q in self.fake.requests), r)

    def test_on_ahead_auto_fails_when_not_a_rollback(self):
        self.fake.add_release(APP, 42, status="pending", description="Deploy 1a2b3c4")
        self.harness.stamp(self.url, "ccc333fromnewer")
        marker = os.path.join(self.tmp, "ran")
        r = self.gate("release", "--on-ahead", "auto", "--", "touch", marker,
                      env=self.rollback_env(42))
        self.assertEqual(r.rc, 1, r)
        self.assertFalse(os.path.exists(marker))
        self.assertIn("not a rollback", r.err)

    def test_on_ahead_auto_without_a_token_fails_safe(self):
        self.fake.add_release(APP, 42, status="pending", description="Rollback to v39")
        self.harness.stamp(self.url, "ccc333fromnewer")
        r = self.gate("release", "--on-ahead", "auto", "--", "true", token=None,
                      env=self.rollback_env(42))
        self.assertEqual(r.rc, 1, r)
        self.assertIn("HEROKU_API_KEY", r.err)

    def test_on_ahead_auto_does_not_ask_when_nothing_is_ahead(self):
        self.harness.stamp(self.url, "aaa111")
        r = self.gate("release", "--on-ahead", "auto", "--", "true", env=self.rollback_env(42))
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(self.fake.api_requests(), [])

    def test_release_phase_context_in_reports(self):
        self.harness.stamp(self.url, "aaa111")
        env = {"DYNO": "release.1234", "HEROKU_APP_NAME": APP, "HEROKU_RELEASE_VERSION": "v77",
               "HEROKU_SLUG_COMMIT": "0123456789abcdef0123456789abcdef01234567"}
        r = self.gate("check", "--format", "json", env=env)
        self.assertEqual(r.rc, 0, r)
        ctx = json.loads(r.out)["context"]
        for want in (APP, "v77", "0123456789ab"):
            self.assertIn(want, ctx)
        r = self.gate("diagnose", env=env)
        self.assertIn(APP, r.out)
        self.assertIn("v77", r.out)
        # Outside Heroku: no context at all.
        r = self.gate("check", "--format", "json")
        self.assertNotIn("context", json.loads(r.out))


if __name__ == "__main__":
    unittest.main()
