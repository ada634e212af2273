"""What people read, paste and run: the printed shape of findings, and outside
bytes in them.

- One shape: every command prints a finding as `FILE:LINE: severity: message
  [code]` (`alembic-guard: ...` when no file applies), then `  fix:` lines,
  then the verdict; GitHub annotations are one line each; JSON is one object.
- Hostile version rows (`x'; DROP TABLE users; --`, a newline, ESC, a byte
  that is not UTF-8, a trailing newline) in a SQL_ASCII database, which keeps
  any byte: every printed SQL statement is pasted into psql and changes the
  intended row and nothing else (a `users` table is watched); every printed
  shell command runs under sh (dash) with stub `alembic` and `alembic-guard`
  that record their argv, which must be exactly the intended words.
- No outside byte reaches the terminal raw, in text and GitHub output, from
  rows, ids or file names; JSON carries non-UTF-8 values exactly
  (`*_bytes`).
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

PSQL = os.path.join(harness.PGBIN, "psql")
if not os.path.exists(PSQL):
    PSQL = shutil.which("psql") or PSQL

INJECTION = b"x'; DROP TABLE users; --"
HOSTILE = [
    INJECTION,
    b"a\nOK: safe to run `alembic upgrade`",
    b"esc\x1b]0;pwned\x07\x1b[2J",
    b"bad\xff\xfeid",
    b"c1\xc2\x9b31m",
    b"ends\n",
    b"back\\slash'quote",
]

FINDING = re.compile(r"^(?:alembic-guard|[^ ].*?(?::\d+)?): (error|warning|info): .+ \[[a-z0-9-]+\]$")
VERDICT = re.compile(r"^(OK|BLOCKED|PENDING|ERROR): .+ \(\d+ errors?, \d+ warnings?\)$")
GITHUB = re.compile(r"^::(error|warning|notice) (?:file=[^,]*,(?:line=\d+,)?)?title=[a-z0-9-]+::.*$")


def clean_terminal_bytes(test, data, what):
    """No control byte but the newline, no DEL, no C1, valid UTF-8."""
    for b in data:
        test.assertFalse(b < 0x20 and b != 0x0a, "%s: control byte 0x%02x in %r" % (what, b, data[:400]))
        test.assertNotEqual(b, 0x7f, what)
    text = data.decode("utf-8")  # raises on invalid UTF-8
    for ch in text:
        test.assertFalse(0x80 <= ord(ch) <= 0x9f, "%s: C1 control in output" % what)
    return text


def sql_statements(text):
    """Every UPDATE/DELETE statement in text, up to its ';' outside quotes
    ('' doubling; E'' with backslash escapes)."""
    out = []
    for m in re.finditer(r"\b(UPDATE|DELETE) ", text):
        i, n = m.start(), len(text)
        quote = None
        while i < n:
            c = text[i]
            if quote is None:
                if c == "'":
                    quote = "E" if i > 0 and text[i - 1] == "E" else "'"
                elif c == ";":
                    out.append(text[m.start():i + 1])
                    break
                elif c == "\n":
                    break
            else:
                if quote == "E" and c == "\\":
                    i += 1
                elif c == "'":
                    if i + 1 < n and text[i + 1] == "'":
                        i += 1
                    else:
                        quote = None
            i += 1
    return out


def shell_commands(text):
    """Every `alembic ...`, `alembic-guard backfill ...` or `ag_nl=...`
    command in text, up to an unquoted backquote, parenthesis, two spaces or
    the end of the line."""
    out = []
    prefix = re.escape("ag_nl=$(printf '\\nx'); ag_nl=${ag_nl%x}; ")
    for m in re.finditer(r"(%s)?\b(alembic stamp |alembic-guard backfill )" % prefix, text):
        start = m.start()
        if m.group(1) is None and out and out[-1][1] > start:
            continue
        i, n, state = m.end(), len(text), []
        while i < n:
            c = text[i]
            top = state[-1] if state else None
            if top == "'":
                if c == "'":
                    state.pop()
            elif top == '"':
                if c == "\\":
                    i += 1
                elif c == '"':
                    state.pop()
                elif text.startswith("$(", i):
                    state.append("(")
                    i += 1
            elif top == "(":
                if c == "'":
                    state.append("'")
                elif c == ")":
                    state.pop()
            else:
                if c in "`()\n" or text.startswith("  ", i):
                    break
                if c == "\\":
                    i += 1
                elif c == "'":
                    state.append("'")
                elif c == '"':
                    state.append('"')
            i += 1
        out.append((text[start:i].rstrip(" .;"), i))
    return [c for c, _ in out]


class OutputCase(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-output.")
        self.versions = os.path.join(self.tmp, "versions")
        os.makedirs(self.versions)
        # SQL_ASCII keeps any byte, so a row can be what a real table may
        # hold after years of hand-run stamps.
        self.dbname = "output_%d_%d" % (os.getpid(), id(self) % 100000)
        self.admin = harness.pg().url("postgres")
        self.psql(self.admin, "CREATE DATABASE %s ENCODING 'SQL_ASCII' TEMPLATE template0 "
                              "LC_COLLATE 'C' LC_CTYPE 'C'" % self.dbname)
        self.url = harness.pg().url(self.dbname)
        self.psql(self.url, "CREATE TABLE users (id int PRIMARY KEY, name text);"
                            "INSERT INTO users VALUES (1, 'ann'), (2, 'bob'), (3, 'cy');"
                            # No key: duplicate rows must be possible.
                            "CREATE TABLE alembic_version (version_num varchar(128) NOT NULL);")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)
        self.psql(self.admin, "DROP DATABASE IF EXISTS %s" % self.dbname)

    def psql(self, url, sql, check=True):
        if isinstance(sql, str):
            sql = sql.encode()
        r = subprocess.run([PSQL, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url], input=sql,
                           capture_output=True, timeout=60)
        if check:
            self.assertEqual(r.returncode, 0, r.stderr.decode(errors="replace"))
        return r

    def query(self, sql):
        r = subprocess.run([PSQL, "-X", "-A", "-t", "-d", self.url, "-c", sql],
                           capture_output=True, timeout=60, check=True)
        return r.stdout.decode().split("\n")[:-1]

    def rows(self):
        hexes = self.query("SELECT encode(convert_to(version_num, 'SQL_ASCII'), 'hex') "
                           "FROM alembic_version ORDER BY 1")
        return sorted(bytes.fromhex(h) for h in hexes)

    def users(self):
        return self.query("SELECT id || ':' || name FROM users ORDER BY id")

    def set_rows(self, *rows):
        sql = b"DELETE FROM alembic_version;"
        for r in rows:
            sql += b"INSERT INTO alembic_version VALUES (E'" + b"".join(
                b"\\x%02x" % c for c in r) + b"');"
        self.psql(self.url, sql)

    def chain(self, ids):
        prev = None
        for rev in ids:
            harness.write_migration(self.versions, rev, prev)
            prev = rev

    def guard(self, *args, db=True):
        opts = ["--versions", self.versions]
        if db:
            opts += ["--database-url", self.url]
        env = harness.guard_env()
        return subprocess.run([harness.BIN, *args, *opts], env=env, capture_output=True,
                              timeout=120)


class TestShape(OutputCase):
    """One shape per command and format."""

    def assert_text_shape(self, out, verdict=True, extra=()):
        lines = out.split("\n")
        self.assertEqual(lines[-1], "", out)
        lines = lines[:-1]
        in_finding = False
        for ln in lines:
            if FINDING.match(ln):
                in_finding = True
            elif in_finding and ln.startswith("  "):
                pass
            elif VERDICT.match(ln) or any(re.match(e, ln) for e in extra):
                in_finding = False
            else:
                self.fail("line outside the shape: %r in\n%s" % (ln, out))
        if verdict:
            self.assertRegex(lines[-1], VERDICT)

    def test_check_snapshot(self):
        self.chain(["a1", "b2"])
        harness.write_migration(self.versions, "c3", "a1")
        self.set_rows(b"a1", b"gone9")
        r = self.guard("check")
        self.assertEqual(r.returncode, 1)
        out = r.stdout.decode()
        v = self.versions
        want = (
            "alembic-guard: error: the repository has 2 heads (b2, c3); `alembic upgrade head` "
            "stops with \"Multiple head revisions are present for given argument 'head'; please "
            "specify a specific target revision, '<branchname>@head' to narrow to a specific "
            "head, or 'heads' for all heads\" [multiple-heads]\n"
            "  fix: alembic merge heads -m \"merge heads\" (then commit the new migration), or, "
            "if the branches are meant to stay apart, upgrade with `heads` and run the guard "
            "with --target heads\n"
            "alembic-guard: error: the database is at 'gone9', which no file in this code "
            "defines and none refers to: Alembic stops with \"Can't locate revision identified "
            "by 'gone9'\"; the database is ahead of this code [unknown-db-revision]\n"
            "  fix: if this release is a rollback (heroku rollback) to code older than the "
            "database: deploy the newer code again, or let the release phase skip the upgrade "
            "with `alembic-guard release --on-ahead skip -- alembic upgrade head`.\n"
            "       if someone ran `alembic stamp gone9` by hand: find the revision the schema "
            "really is at and run UPDATE alembic_version SET version_num = '<that revision>' "
            "WHERE version_num = 'gone9'; (or restore the missing migration file, e.g. with "
            "alembic-guard backfill gone9 --after REVISION --write).\n"
            "BLOCKED: do not run `alembic upgrade` until the errors are fixed (2 errors, 0 warnings)\n")
        self.assertEqual(out, want, "\n" + out)
        self.assertNotIn(v, out)

    def test_every_command_text(self):
        harness.write_migration(self.versions, "a1", None)
        harness.write_migration(self.versions, "b2", "a1")
        harness.write_migration(self.versions, "c3", "zz9")  # dangling: an error with a file
        self.set_rows(b"a1")
        for cmd, extra in (("check", ()), ("lint", ()), ("diagnose", None)):
            r = self.guard(cmd)
            out = clean_terminal_bytes(self, r.stdout, cmd)
            self.assertIn(r.returncode, (0, 1), r.stderr)
            if extra is None:  # diagnose: the findings section has the shape
                sect = out.split("\nFindings\n", 1)[1]
                body, verdict = sect.rsplit("\n\n", 1)
                self.assert_text_shape(body + "\n", verdict=False)
                self.assertRegex(verdict.strip(), VERDICT)
                self.assertIn("versions/c3_m.py:", body)
            else:
                self.assert_text_shape(out, extra=extra)
            self.assertIn("dangling-down-revision", out, cmd)
        # heads: the ids on stdout, the findings on stderr in the same shape.
        r = self.guard("heads", db=False)
        err = clean_terminal_bytes(self, r.stderr, "heads")
        self.assertRegex(err, r"(?m)^\S+versions/c3_m\.py:\d+: error: .* \[dangling-down-revision\]$")
        # backfill and rename (dry runs) print their plan, then the findings
        # and the verdict in the shape too.
        for cmd in ("backfill", "rename"):
            r = self.guard(cmd)
            out = clean_terminal_bytes(self, r.stdout, cmd)
            if cmd == "rename":  # backfill's placeholder mends the graph
                self.assertRegex(out, r"(?m)^\S+versions/c3_m\.py:\d+: error: .* "
                                      r"\[dangling-down-revision\]$")
            self.assertIn("the repository after these changes:\n", out)
            for ln in out.split("\n"):
                if re.search(r" \[[a-z-]+\]$", ln):
                    self.assertRegex(ln, FINDING)
            self.assertRegex(out.rstrip("\n").split("\n")[-1], VERDICT)

    def test_every_command_github_and_json(self):
        self.chain(["a1", "b2"])
        harness.write_migration(self.versions, "c3", "a1")
        self.set_rows(b"a1")
        for cmd in ("check", "lint", "diagnose"):
            r = self.guard(cmd, "--format", "github")
            out = clean_terminal_bytes(self, r.stdout, cmd)
            lines = out.rstrip("\n").split("\n")
            for ln in lines[:-1]:
                self.assertRegex(ln, GITHUB)
            self.assertEqual(lines[-1], "alembic-guard %s: blocked (exit 1)" % cmd)
            r = self.guard(cmd, "--format", "json")
            doc = json.loads(r.stdout)
            self.assertEqual((doc["command"], doc["verdict"], doc["exit_code"]), (cmd, "blocked", 1))
            for f in doc["findings"]:
                self.assertEqual(sorted(set(f) - {"cause", "detail"}),
                                 ["code", "file", "fix", "line", "message", "revision", "severity"])

    def test_blocked_never_advises_the_upgrade(self):
        # Two heads and a database behind: blocked, so no "alembic upgrade
        # head" fix in any format, while the pending list is still there.
        self.chain(["a1", "b2"])
        harness.write_migration(self.versions, "c3", "a1")
        self.set_rows(b"a1")
        r = self.guard("check", "--format", "github")
        self.assertEqual(r.returncode, 1)
        self.assertNotIn("Fix: alembic upgrade", r.stdout.decode())
        doc = json.loads(self.guard("check", "--format", "json").stdout)
        self.assertIsNone(next(f for f in doc["findings"] if f["code"] == "pending-migrations")["fix"])
        self.assertNotIn("at-head", [f["code"] for f in doc["findings"]])

    def test_cycle_is_never_at_head(self):
        harness.write_migration(self.versions, "a1", "b2")
        harness.write_migration(self.versions, "b2", "a1")
        self.set_rows(b"a1")
        doc = json.loads(self.guard("check", "--format", "json").stdout)
        codes = [f["code"] for f in doc["findings"]]
        self.assertIn("cycle", codes)
        self.assertNotIn("at-head", codes)

    def test_long_pending_list_is_cut_in_text_only(self):
        ids = ["r%03d" % i for i in range(40)]
        self.chain(ids)
        self.set_rows(b"r000")
        r = self.guard("check")
        self.assertEqual(r.returncode, 0)
        out = r.stdout.decode()
        self.assertIn("39 migrations to apply, in this order: r001 -> r002 -> r003 -> ... (33 more) "
                      "... -> r037 -> r038 -> r039 [pending-migrations]", out)
        self.assertNotIn("r020", out)
        doc = json.loads(self.guard("check", "--format", "json").stdout)
        self.assertEqual(doc["pending"], ids[1:])
        self.assertIn("  20. r020", self.guard("diagnose").stdout.decode())

    def test_duplicate_id_message_says_what_alembic_does(self):
        self.chain(["a1", "b2"])
        harness.write_migration(self.versions, "b2", "a1", filename="b2_copy.py")
        r = self.guard("lint", db=False)
        out = r.stdout.decode()
        self.assertIn("`alembic upgrade head` fails with \"Multiple head revisions are present", out)
        self.assertNotIn("silently", out)
        # The oracle: Debian's Alembic 1.8.1 says so.
        ini = os.path.join(self.tmp, "alembic.ini")
        with open(ini, "w") as f:
            f.write("[alembic]\nscript_location = %s\nversion_locations = %s\n"
                    "sqlalchemy.url = sqlite:///%s/x.db\n" % (self.tmp, self.versions, self.tmp))
        with open(os.path.join(self.tmp, "env.py"), "w") as f:
            f.write("from alembic import context\nfrom sqlalchemy import create_engine\n"
                    "eng = create_engine(context.config.get_main_option('sqlalchemy.url'))\n"
                    "with eng.connect() as c:\n    context.configure(connection=c)\n"
                    "    with context.begin_transaction():\n        context.run_migrations()\n")
        a = subprocess.run([harness.PY, "-m", "alembic", "-c", ini, "upgrade", "head"],
                           capture_output=True, text=True, timeout=120,
                           env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
        self.assertNotEqual(a.returncode, 0)
        self.assertIn("Multiple head revisions are present for given argument 'head'",
                      a.stdout + a.stderr)


class TestHostile(OutputCase):
    """Rows, ids and file names from a hostile or broken source."""

    def stub_bin(self):
        d = os.path.join(self.tmp, "bin")
        os.makedirs(d, exist_ok=True)
        self.argv_file = os.path.join(self.tmp, "argv")
        for name in ("alembic", "alembic-guard"):
            p = os.path.join(d, name)
            with open(p, "w") as f:
                f.write("#!/bin/sh\nprintf '%%s\\0' %s \"$@\" > \"$AG_ARGV_OUT\"\n" % name)
            os.chmod(p, 0o755)
        return d

    def run_command(self, cmd):
        bindir = self.stub_bin()
        env = {"PATH": bindir + ":/usr/bin:/bin", "AG_ARGV_OUT": self.argv_file}
        if os.path.exists(self.argv_file):
            os.unlink(self.argv_file)
        r = subprocess.run(["/bin/sh", "-c", cmd], env=env, capture_output=True, timeout=30)
        self.assertEqual(r.returncode, 0, (cmd, r.stderr))
        with open(self.argv_file, "rb") as f:
            return f.read().split(b"\0")[:-1]

    def test_sql_fixes_change_only_the_intended_row(self):
        self.chain(["a1", "b2"])
        for row in HOSTILE:
            with self.subTest(row=row):
                # Twice: duplicate-db-rows (DELETE the extra) and, since no
                # file defines it, unknown-db-revision (UPDATE it).
                self.set_rows(row, row)
                r = self.guard("check")
                self.assertEqual(r.returncode, 1)
                text = clean_terminal_bytes(self, r.stdout, "check")
                doc = json.loads(self.guard("check", "--format", "json").stdout)
                fixes = "\n".join(f["fix"] or "" for f in doc["findings"])
                stmts = sql_statements(text)
                self.assertEqual(stmts, sql_statements(fixes))
                delete = [s for s in stmts if s.startswith("DELETE")]
                update = [s for s in stmts if s.startswith("UPDATE")]
                self.assertEqual(len(delete), 1, stmts)
                self.assertEqual(len(update), 1, stmts)
                before = self.users()
                self.psql(self.url, delete[0])
                self.assertEqual(self.rows(), [row])
                self.psql(self.url, update[0].replace("'<that revision>'", "'b2'"))
                self.assertEqual(self.rows(), [b"b2"])
                self.assertEqual(self.users(), before)
                self.assertEqual(before, ["1:ann", "2:bob", "3:cy"])

    def test_renamed_fix_for_an_injection(self):
        # A file whose docstring still carries the row's id: a rename.
        self.chain(["a1"])
        harness.write_migration(self.versions, "b2", "a1", doc_revision=INJECTION.decode())
        self.set_rows(INJECTION)
        r = self.guard("check")
        stmts = sql_statements(clean_terminal_bytes(self, r.stdout, "check"))
        self.assertIn("UPDATE alembic_version SET version_num = 'b2' WHERE version_num = "
                      "'x''; DROP TABLE users; --';", stmts)
        self.psql(self.url, stmts[0])
        self.assertEqual(self.rows(), [b"b2"])
        self.assertEqual(self.users(), ["1:ann", "2:bob", "3:cy"])

    def test_commands_get_exactly_the_row(self):
        self.chain(["a1", "b2"])
        for row in HOSTILE:
            with self.subTest(row=row):
                self.set_rows(row)
                text = clean_terminal_bytes(self, self.guard("check").stdout, "check")
                cmds = shell_commands(text)
                self.assertEqual(len(cmds), 2, (cmds, text))
                self.assertEqual(self.run_command(cmds[0]), [b"alembic", b"stamp", row])
                self.assertEqual(self.run_command(cmds[1]),
                                 [b"alembic-guard", b"backfill", row, b"--after", b"REVISION",
                                  b"--write"])
                for c in cmds:
                    self.assertNotIn("\n", c)

    def test_placeholder_command_for_an_injected_down_revision(self):
        # A file names a parent no file defines; the database is there.
        parent = "x'; DROP TABLE users; $(touch pwned)"
        self.chain(["a1"])
        harness.write_migration(self.versions, "c3", parent)
        self.set_rows(parent.encode())
        text = clean_terminal_bytes(self, self.guard("check").stdout, "check")
        cmds = [c for c in shell_commands(text) if "--write" in c]
        self.assertTrue(cmds, text)
        for c in cmds:
            argv = self.run_command(c)
            self.assertEqual(argv[:3], [b"alembic-guard", b"backfill", parent.encode()])
        self.assertFalse(os.path.exists("pwned"))
        text = clean_terminal_bytes(self, self.guard("lint", db=False).stdout, "lint")
        (c,) = shell_commands(text)
        self.assertEqual(self.run_command(c), [b"alembic-guard", b"backfill", parent.encode()])

    def test_nothing_raw_reaches_the_terminal(self):
        self.chain(["a1", "b2"])
        # Alembic reads no file whose name holds a newline; a CR it does.
        evil_name = b"c3_\x1b]0;t\x07\rOK: safe\xff.py"
        with open(os.path.join(self.versions.encode(), evil_name), "wb") as f:
            f.write(b"revision = 'c3'\ndown_revision = 'zz9'\n")
        for row in HOSTILE:
            self.set_rows(row, b"a1")
            for cmd in ("check", "diagnose", "lint", "graph", "heads"):
                for fmt in ("text", "github"):
                    if cmd == "graph" and fmt == "github":
                        continue
                    with self.subTest(row=row, cmd=cmd, fmt=fmt):
                        r = self.guard(cmd, "--format", fmt, db=cmd not in ("lint", "heads"))
                        out = clean_terminal_bytes(self, r.stdout, cmd)
                        err = clean_terminal_bytes(self, r.stderr, cmd)
                        for ln in (out + err).split("\n"):
                            self.assertFalse(ln.startswith("OK"), (cmd, fmt, ln))
                        # DOT doubles the escape's backslash in its strings.
                        shown = "\\x1b]0;t\\x07\\rOK: safe\\xff.py"
                        if cmd == "graph":
                            shown = shown.replace("\\", "\\\\")
                        # A workflow command's file= property escapes ':'.
                        if fmt == "github":
                            shown = shown.replace(":", "%3A")
                        if cmd != "heads":
                            self.assertIn(shown, out + err)

    def test_json_carries_the_exact_bytes(self):
        self.chain(["a1"])
        self.set_rows(b"bad\xff\\id", b"a1")
        doc = json.loads(self.guard("check", "--format", "json").stdout)
        db = doc["database"]
        self.assertEqual(db["revisions"], ["a1", "bad\ufffd\\id"])
        self.assertEqual(db["revisions_bytes"], [None, "bad\\xff\\\\id"])
        f = next(f for f in doc["findings"] if f["code"] == "unknown-db-revision")
        self.assertEqual(f["revision_bytes"], "bad\\xff\\\\id")

        def unescape(s):
            out, i = bytearray(), 0
            while i < len(s):
                if s.startswith("\\x", i):
                    out.append(int(s[i + 2:i + 4], 16))
                    i += 4
                elif s.startswith("\\\\", i):
                    out += b"\\"
                    i += 2
                else:
                    out += s[i].encode()
                    i += 1
            return bytes(out)
        self.assertEqual(unescape(f["revision_bytes"]), b"bad\xff\\id")


if __name__ == "__main__":
    unittest.main()


import test_heroku  # noqa: E402  (its HerokuCase: the fake Platform API)


class TestWaitReleaseOutput(test_heroku.HerokuCase):
    """A failed release's output is outside text: each line behind "| ",
    escapes visible, and the guard's own token masked in every format."""

    def test_output_is_escaped_and_the_token_masked(self):
        tok = test_heroku.TOKEN
        out = ("Running release command...\n"
               "env: HEROKU_API_KEY=%s\n"
               "\x1b]0;pwned\x07\x1b[2J\n"
               "OK: safe to run `alembic upgrade`\n"
               "keep hkTOKEN-7f3a9c2e and port intact\n" % tok).encode()
        out += b"bad \xff byte\n"
        self.fake.add_release(test_heroku.APP, 2, status="failed", output=out)
        # run_ag itself fails the test if the token appears anywhere.
        r = self.run_ag("wait-release", "--app", test_heroku.APP, "--interval", "0.2")
        self.assertEqual(r.rc, 1, r)
        body = r.out[r.out.index("--- release output"):r.out.index("--- end of release output")]
        lines = body.split("\n")[1:-1]
        self.assertTrue(all(ln.startswith("| ") for ln in lines), lines)
        self.assertIn("| env: HEROKU_API_KEY=***\n", body)
        self.assertIn("| \\x1b]0;pwned\\x07\\x1b[2J\n", body)
        self.assertIn("| OK: safe to run", body)
        self.assertNotIn("\nOK", r.out)
        self.assertIn("| bad \\xff byte\n", body)
        # The mask changes the token alone (tests/test_quote.c: never a word
        # that holds it).
        self.assertIn("| keep hkTOKEN-7f3a9c2e and port intact\n", body)
        self.assertNotIn("\x1b", r.out + r.err)
        doc = json.loads(self.run_ag("wait-release", "--app", test_heroku.APP, "--format",
                                     "json").out)
        self.assertIn("HEROKU_API_KEY=***\n", doc["output"]["text"])
