"""The command line itself: help generated from the option tables, the
messages for mistyped commands and options, one JSON object on stdout for
every exit code, closed and full standard streams, colour, out of memory.

The help is checked against the parser: every option a command's --help lists
is accepted by that command (the next, unknown option is the one refused), so
help and parser cannot drift apart unseen.
"""
import json
import os
import pty
import re
import resource
import shutil
import subprocess
import tempfile
import unittest

import harness

COMMANDS = ["backfill", "check", "diagnose", "graph", "heads", "init", "lint", "release",
            "releases", "rename", "wait-release"]

# The exit codes each command's --help must list (release: "other" is CMD's own).
EXITS = {
    "backfill": ["0", "1", "2", "3", "4"],
    "check": ["0", "1", "2", "3", "4", "5"],
    "diagnose": ["0", "1", "2", "3", "4"],
    "graph": ["0", "2", "3", "4"],
    "heads": ["0", "1", "2", "4"],
    "init": ["0", "2", "4"],
    "lint": ["0", "1", "2", "4"],
    "release": ["0", "1", "2", "3", "4", "other"],
    "releases": ["0", "1", "2", "3", "4"],
    "rename": ["0", "1", "2", "3", "4"],
    "wait-release": ["0", "1", "2", "3", "4"],
}

# A value each option's argument accepts, by the argument's name in the help.
SAMPLE = {"head|heads": "head", "S": "5", "N": "3", "URL": "http://127.0.0.1:9/x", "FILE": "f",
          "DIR": "d", "ID": "a1", "CHILD": "b2", "OLD NEW": "a1", "vN": "v1", "KIB": "4",
          "APP": "app", "fail|skip|auto": "fail", "text|json|github": "text",
          "NAME=VALUE": "a=b", "NAME": "t", "SECTION": "alembic"}

GLOBALS = ["--config", "--name", "--versions", "--recursive", "--define", "--database-url",
           "--connect-timeout", "--version-table", "--version-table-schema", "--format",
           "--strict", "--no-color", "--quiet", "--help"]


def env(**extra):
    e = dict(harness.guard_env())
    e.pop("DATABASE_URL", None)
    e.update(extra)
    return e


def guard(*args, cwd=None, **kw):
    return harness.run_guard(*args, env=kw.pop("env", None) or env(), cwd=cwd, **kw)


def options_of(help_text):
    """(name, arg) for each row of the help's Options section."""
    m = re.search(r"\nOptions:\n(.*?)\n\n", help_text, re.S)
    if not m:
        return []
    rows = []
    for line in m.group(1).splitlines():
        r = re.match(r"  (?:-\w, )?    ?--([a-z-]+)(?: ([^ ].*?))?(?:  +|$)", line)
        if r:
            rows.append((r.group(1), r.group(2)))
    return rows


class TestHelp(unittest.TestCase):
    maxDiff = None

    def test_every_command_is_in_the_top_level_help(self):
        r = guard("--help")
        self.assertEqual(r.returncode, 0, r.stderr)
        listed = re.findall(r"^  ([a-z-]+) +\S", r.stdout.split("Commands:\n")[1].split("\n\n")[0],
                            re.M)
        self.assertEqual(sorted(listed), COMMANDS)

    def test_top_level_help_lists_the_global_options(self):
        out = guard("--help").stdout
        for opt in GLOBALS + ["--version"]:
            self.assertIn(opt, out)
        self.assertIn("Exit codes", out)

    def test_each_command_help(self):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                r = guard(cmd, "--help")
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertEqual(r.stderr, "")
                self.assertTrue(r.stdout.startswith("usage: alembic-guard %s" % cmd), r.stdout)
                for opt in GLOBALS:
                    self.assertIn(opt, r.stdout.split("Global options")[1])
                codes = re.findall(r"^  (\d+|other) +\S",
                                   r.stdout.split("\nExit codes:\n")[1], re.M)
                self.assertEqual(codes, EXITS[cmd])
                # help COMMAND is the same text
                self.assertEqual(guard("help", cmd).stdout, r.stdout)
                # every line fits 80 columns
                for line in r.stdout.splitlines():
                    self.assertLessEqual(len(line), 80, line)

    def test_usage_line_and_options_come_from_one_table(self):
        for cmd in COMMANDS:
            with self.subTest(cmd=cmd):
                text = guard(cmd, "--help").stdout
                usage = text.split("\n\n")[0]
                for name, arg in options_of(text):
                    self.assertIn("--" + name, usage)

    def test_every_listed_option_is_accepted(self):
        """The parser knows each option the help lists: the unknown option
        after it is the one refused."""
        tmp = tempfile.mkdtemp(prefix="ag-cli.")
        self.addCleanup(shutil.rmtree, tmp, ignore_errors=True)
        for cmd in COMMANDS:
            text = guard(cmd, "--help").stdout
            rows = options_of(text)
            if cmd != "heads" and cmd != "lint":
                self.assertTrue(rows, cmd)
            for name, arg in rows:
                with self.subTest(cmd=cmd, option=name):
                    args = [cmd, "--" + name] + ([SAMPLE[arg]] if arg else [])
                    r = guard(*args, "--zz-not-an-option", cwd=tmp)
                    self.assertEqual(r.returncode, 2, r.stderr)
                    self.assertEqual(
                        r.stderr, "alembic-guard: %s: option --zz-not-an-option is not known "
                                  "(see 'alembic-guard %s --help')\n" % (cmd, cmd))

    def test_platform_commands_say_3_is_the_platform_api(self):
        for cmd in ("releases", "wait-release"):
            text = guard(cmd, "--help").stdout.split("Exit codes:")[1]
            self.assertRegex(text, r"\n  3 +the Platform API failed")

    def test_release_says_the_command_exit_code_passes_through(self):
        text = guard("release", "--help").stdout.split("Exit codes:")[1]
        self.assertRegex(text, r"\n  other +CMD ran: its own exit code, passed through")
        self.assertRegex(text, r"\n  3 +.*held the lock")

    def test_version(self):
        r = guard("--version")
        self.assertEqual(r.returncode, 0)
        self.assertTrue(r.stdout.startswith("alembic-guard "), r.stdout)


class TestMistakes(unittest.TestCase):
    def expect(self, args, message, rc=2):
        r = guard(*args)
        self.assertEqual(r.returncode, rc, r.stderr)
        self.assertEqual(r.stdout, "")
        self.assertEqual(r.stderr, message)

    def test_unknown_short_option_names_option_and_command(self):
        self.expect(["check", "-V"], "alembic-guard: check: option -V is not known "
                                     "(see 'alembic-guard check --help')\n")

    def test_dash_v_before_the_command_suggests_version(self):
        self.expect(["-V"], "alembic-guard: option -V is not known before the command; did you "
                            "mean --version? (see 'alembic-guard --help')\n")

    def test_short_option_in_the_other_case(self):
        self.expect(["heads", "-V"], "alembic-guard: heads: option -V is not known; did you mean "
                                     "-v (--verbose)? (see 'alembic-guard heads --help')\n")

    def test_mistyped_command(self):
        self.expect(["chek"], "alembic-guard: no command 'chek'; did you mean 'check'? "
                              "(see 'alembic-guard --help')\n")
        self.expect(["wait-relase"], "alembic-guard: no command 'wait-relase'; did you mean "
                                     "'wait-release'? (see 'alembic-guard --help')\n")

    def test_unknown_command_far_from_any(self):
        self.expect(["frobnicate"], "alembic-guard: no command 'frobnicate' (see "
                                    "'alembic-guard --help' for the commands)\n")

    def test_mistyped_long_option(self):
        self.expect(["check", "--requre-at-head"],
                    "alembic-guard: check: option --requre-at-head is not known; did you mean "
                    "--require-at-head? (see 'alembic-guard check --help')\n")
        self.expect(["lint", "--fromat=json"],
                    "alembic-guard: lint: option --fromat is not known; did you mean --format? "
                    "(see 'alembic-guard lint --help')\n")

    def test_ambiguous_prefix(self):
        self.expect(["lint", "--ver"], "alembic-guard: lint: option --ver is ambiguous: "
                                       "--versions, --version-table, --version-table-schema "
                                       "(see 'alembic-guard lint --help')\n")

    def test_missing_value_and_unwanted_value(self):
        self.expect(["lint", "--format"], "alembic-guard: lint: option --format needs a value "
                                          "(text|json|github) (see 'alembic-guard lint --help')\n")
        self.expect(["lint", "--strict=yes"], "alembic-guard: lint: option --strict takes no "
                                              "value (see 'alembic-guard lint --help')\n")

    def test_operands(self):
        self.expect(["check", "extra"], "alembic-guard: check: takes no operands ('extra') "
                                        "(see 'alembic-guard check --help')\n")
        self.expect(["release"], "alembic-guard: release: needs -- CMD... "
                                 "(see 'alembic-guard release --help')\n")

    def test_bad_values_say_the_command(self):
        self.expect(["lint", "--target", "x"],
                    "alembic-guard: lint: --target wants head or heads, not 'x'\n")
        self.expect(["release", "--lock-timeout", "x", "--", "true"],
                    "alembic-guard: release: --lock-timeout wants seconds from 0 to "
                    "86400, not 'x'\n")

    def test_no_command(self):
        r = guard()
        self.assertEqual(r.returncode, 2)
        self.assertTrue(r.stderr.startswith("usage: alembic-guard"), r.stderr)
        self.assertTrue(r.stderr.endswith("alembic-guard: no command given\n"), r.stderr)


def healthy(d):
    versions = os.path.join(d, "versions")
    os.makedirs(versions, exist_ok=True)
    harness.write_migration(versions, "a1", None)
    harness.write_migration(versions, "b2", "a1")
    return versions


class TestJsonEveryExit(unittest.TestCase):
    """--format json: exactly one object on stdout, whatever the exit code."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-cli.")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.versions = healthy(self.tmp)
        self.empty = os.path.join(self.tmp, "empty")
        os.makedirs(self.empty)

    def one(self, args, rc, command, code=None, cwd=None, environ=None):
        r = guard(*args, cwd=cwd or self.empty, env=environ)
        self.assertEqual(r.returncode, rc, "%s\n%s%s" % (args, r.stdout, r.stderr))
        obj = json.loads(r.stdout)  # one object and nothing after it
        self.assertIsInstance(obj, dict)
        self.assertEqual(obj["format_version"], 1)
        if command == "release" and isinstance(obj["command"], dict):
            # design.md: release's object carries what became of CMD as
            # "command" (argv, exit code or signal, lock wait, duration).
            self.assertIsInstance(obj["command"]["argv"], list)
        else:
            self.assertEqual(obj["command"], command)
        self.assertEqual(obj["exit_code"], rc)
        verdict = {0: "ok", 1: "blocked", 5: "blocked"}.get(rc, "error")
        self.assertEqual(obj["verdict"], verdict)
        if code:
            self.assertEqual(obj["error"]["code"], code, obj)
            self.assertTrue(obj["error"]["message"], obj)
            # the message is the one stderr carries
            self.assertIn(obj["error"]["message"], r.stderr)
        return obj, r

    def test_no_config(self):
        for cmd in ["backfill", "check", "diagnose", "graph", "heads", "init", "lint", "rename"]:
            with self.subTest(cmd=cmd):
                obj, _ = self.one([cmd, "--format", "json"], 2, cmd, "config")
                self.assertIn("alembic.ini", obj["error"]["message"])
        obj, _ = self.one(["release", "--format", "json", "--", "true"], 2, "release", "config")

    def test_no_database_url(self):
        for cmd, extra in (("check", []), ("release", ["--", "true"])):
            with self.subTest(cmd=cmd):
                obj, _ = self.one([cmd, "--versions", self.versions, "--format", "json"] + extra,
                                  2, cmd, "config")
                self.assertIn("DATABASE_URL", obj["error"]["message"])

    def test_missing_section(self):
        with open(os.path.join(self.tmp, "alembic.ini"), "w") as f:
            f.write("[alembic]\nscript_location = .\n")
        obj, _ = self.one(["lint", "-n", "nosuch", "--format", "json"], 2, "lint", "config",
                          cwd=self.tmp)
        self.assertIn("nosuch", obj["error"]["message"])

    def test_missing_versions_directory(self):
        obj, _ = self.one(["lint", "--versions", os.path.join(self.tmp, "nope"), "--format",
                           "json"], 2, "lint", "config")
        self.assertIn("nope", obj["error"]["message"])

    def test_bad_define(self):
        self.one(["lint", "--versions", self.versions, "--define", "novalue", "--format",
                  "json"], 2, "lint", "usage")

    def test_unreadable_files(self):
        # root reads any mode; a directory as the config, and a migration that
        # fails to read (EIO), cannot be read by anyone
        obj, _ = self.one(["lint", "-c", self.tmp, "--format", "json"], 4, "lint", "io")
        self.assertIn("Is a directory", obj["error"]["message"])
        os.symlink("/proc/self/mem", os.path.join(self.versions, "c3_mem.py"))
        # Alembic 1.8.1 loads a link under its own name (1.10 and later under
        # its target's, "mem", which is no migration).
        obj, _ = self.one(["heads", "--versions", self.versions, "--alembic-version", "1.8.1",
                           "--format", "json"], 4, "heads", "io")
        self.assertIn("Input/output error", obj["error"]["message"])

    def test_errors_before_format_is_parsed(self):
        self.one(["check", "--zz", "--format", "json"], 2, "check", "usage")
        self.one(["--format=json", "chek"], 2, None, "usage")
        self.one(["--format", "json", "--bogus"], 2, None, "usage")
        self.one(["--format", "json"], 2, None, "usage")
        self.one(["lint", "--format", "json", "--target", "x"], 2, "lint", "usage")

    def test_ok_and_blocked(self):
        self.one(["lint", "--versions", self.versions, "--format", "json"], 0, "lint")
        harness.write_migration(self.versions, "c3", "a1")  # a second head
        self.one(["lint", "--versions", self.versions, "--format", "json"], 1, "lint")
        self.one(["heads", "--versions", self.versions, "--format", "json"], 0, "heads")

    def test_database_unreachable(self):
        url = "postgresql://u:p@127.0.0.1:1/db"
        for cmd, extra in (("check", []), ("diagnose", []), ("graph", []),
                           ("release", ["--", "true"])):
            with self.subTest(cmd=cmd):
                self.one([cmd, "--versions", self.versions, "--database-url", url,
                          "--connect-timeout", "2", "--format", "json"] + extra, 3, cmd)

    def test_pending_is_5(self):
        _, url = harness.pg().create_db("cli")
        harness.stamp(url, "a1")
        obj, _ = self.one(["check", "--versions", self.versions, "--database-url", url,
                           "--require-at-head", "--format", "json"], 5, "check")
        self.assertEqual(obj["pending"], ["b2"])

    def test_platform_commands(self):
        e = env()
        for k in ("HEROKU_APP", "HEROKU_APP_NAME", "HEROKU_API_KEY"):
            e.pop(k, None)
        for cmd in ("releases", "wait-release"):
            with self.subTest(cmd=cmd):
                self.one([cmd, "--format", "json"], 2, cmd, "usage", environ=e)
                # no token: the command's own object, with the app
                obj, _ = self.one([cmd, "--app", "a", "--format", "json"], 2, cmd, "usage",
                                  environ=e)
                self.assertEqual(obj["app"], "a")
                e2 = dict(e, HEROKU_API_KEY="t0ken")
                obj, r = self.one([cmd, "--app", "a", "--api-url", "http://127.0.0.1:1",
                                   "--connect-timeout", "2", "--format", "json"], 3, cmd,
                                  "platform-api", environ=e2)
                self.assertNotIn("t0ken", r.stdout + r.stderr)


class TestStreams(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-cli.")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.versions = healthy(self.tmp)

    def test_closed_stdout_never_reaches_the_database_socket(self):
        _, url = harness.pg().create_db("cli")
        harness.stamp(url, "a1")
        # Without the fix the connection takes fd 1 and the report is sent
        # to the server: the check fails, or the guard's fd 1 (which the
        # child, whose parent it is, reads) is a socket.
        r = subprocess.run(
            ["sh", "-c", 'exec "$@" >&-', "sh", harness.BIN, "release", "--versions",
             self.versions, "--database-url", url, "--", "sh", "-c",
             "readlink /proc/$PPID/fd/1 >&2"],
            env=env(), capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr.strip().splitlines()[-1], "/dev/null", r.stderr)
        self.assertEqual(harness.rows(url), ["a1"])

    def test_closed_stdin_and_stderr(self):
        r = subprocess.run(["sh", "-c", 'exec "$@" <&- 2>&-', "sh", harness.BIN, "lint",
                            "--versions", self.versions], env=env(), capture_output=True,
                           text=True, timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertIn("OK", r.stdout)

    def test_full_disk_is_exit_4_with_the_reason(self):
        for fmt in ("text", "json"):
            with self.subTest(fmt=fmt):
                with open("/dev/full", "w") as full:
                    r = subprocess.run([harness.BIN, "lint", "--versions", self.versions,
                                        "--format", fmt], env=env(), stdout=full,
                                       stderr=subprocess.PIPE, text=True, timeout=60)
                self.assertEqual(r.returncode, 4, r.stderr)
                self.assertEqual(r.stderr, "alembic-guard: lint: cannot write the output: "
                                           "No space left on device\n")

    def test_help_to_a_full_disk(self):
        with open("/dev/full", "w") as full:
            r = subprocess.run([harness.BIN, "check", "--help"], env=env(), stdout=full,
                               stderr=subprocess.PIPE, text=True, timeout=60)
        self.assertEqual(r.returncode, 4)
        self.assertIn("No space left on device", r.stderr)

    def tty_output(self, *args, **extra):
        """Runs the guard with stdout on a terminal; returns what it showed."""
        e = env(**extra)
        e.pop("NO_COLOR", None)
        e.update(extra)
        master, slave = pty.openpty()
        p = subprocess.Popen([harness.BIN, *args], env=e, stdout=slave,
                             stderr=subprocess.DEVNULL)
        os.close(slave)
        chunks = []
        while True:
            try:
                b = os.read(master, 4096)
            except OSError:
                break
            if not b:
                break
            chunks.append(b)
        p.wait(timeout=60)
        os.close(master)
        return b"".join(chunks).decode()

    def test_colour_only_where_it_shows(self):
        harness.write_migration(self.versions, "c3", "a1")  # blocked: an error
        coloured = self.tty_output("lint", "--versions", self.versions, TERM="xterm")
        self.assertIn("\x1b[", coloured)
        self.assertNotIn("\x1b[", self.tty_output("lint", "--versions", self.versions,
                                                  TERM="dumb"))
        self.assertNotIn("\x1b[", self.tty_output("lint", "--versions", self.versions,
                                                  TERM="xterm", NO_COLOR="1"))
        self.assertNotIn("\x1b[", self.tty_output("lint", "--versions", self.versions,
                                                  "--no-color", TERM="xterm"))


def asan_binary():
    with open(harness.BIN, "rb") as f:
        return b"__asan_init" in f.read()


class TestOutOfMemory(unittest.TestCase):
    """A file larger than the memory allowed: exit 4 with a message, and with
    --format json one object, not an abort (134)."""

    LIMIT = 48 << 20  # the binary itself runs in under 20 MiB

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-cli.")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.versions = healthy(self.tmp)
        # One string the guard must hold whole: the revision id, 60 MiB
        # (files over 64 MiB are refused unread).
        with open(os.path.join(self.versions, "c3_big.py"), "w") as f:
            f.write('down_revision = "b2"\nrevision = "')
            chunk = "c" * (1 << 20)
            for _ in range(60):
                f.write(chunk)
            f.write('"\n')

    def run_limited(self, *args):
        e = env()
        if asan_binary():
            # ASan reserves terabytes of address space, so RLIMIT_AS cannot
            # apply; its allocator fails a large request instead.
            e["ASAN_OPTIONS"] = ":".join(
                filter(None, [e.get("ASAN_OPTIONS"),
                              "allocator_may_return_null=1:max_allocation_size_mb=32"]))
            pre = None
        else:
            def pre():
                resource.setrlimit(resource.RLIMIT_AS, (self.LIMIT, self.LIMIT))
        return subprocess.run([harness.BIN, *args], env=e, preexec_fn=pre,
                              capture_output=True, text=True, timeout=120)

    def test_text(self):
        r = self.run_limited("lint", "--versions", self.versions)
        self.assertEqual(r.returncode, 4, r.stderr[-2000:])
        self.assertRegex(r.stderr, r"alembic-guard: lint: out of memory \(\d+ bytes more were "
                                   r"needed\)\n$")

    def test_json(self):
        r = self.run_limited("heads", "--versions", self.versions, "--format", "json")
        self.assertEqual(r.returncode, 4, r.stderr[-2000:])
        obj = json.loads(r.stdout)
        self.assertEqual(obj["command"], "heads")
        self.assertEqual(obj["exit_code"], 4)
        self.assertEqual(obj["verdict"], "error")
        self.assertEqual(obj["error"]["code"], "out-of-memory")
        self.assertIn("out of memory", r.stderr)

    def test_json_threads(self):
        """Two readers out of memory at once: still one report, one object."""
        for i in range(100):
            harness.write_migration(self.versions, "m%03d" % i, "b2" if i == 0 else "m%03d" % (i - 1))
        with open(os.path.join(self.versions, "d4_big.py"), "w") as f:
            f.write('down_revision = "b2"\nrevision = "' + "d" * (60 << 20) + '"\n')
        e = dict(AG_THREADS="2")
        r = self.run_limited_env(e, "lint", "--versions", self.versions, "--format", "json")
        self.assertEqual(r.returncode, 4, r.stderr[-2000:])
        obj = json.loads(r.stdout)  # one object: two would not parse
        self.assertEqual(obj["error"]["code"], "out-of-memory")
        self.assertEqual(r.stderr.count("out of memory"), 1, r.stderr[-2000:])

    def run_limited_env(self, extra, *args):
        old = os.environ.copy()
        os.environ.update(extra)
        try:
            return self.run_limited(*args)
        finally:
            os.environ.clear()
            os.environ.update(old)


# Files that every reader thread must judge the same: each kind of break the
# tokenizer, the parser and the values reader know, spread through the chain.
BROKEN = [
    b"revision = 'x%d'\ndown_revision = None\ndef f(:\n    pass\n",
    b"x = 1\n",
    b"revision = 'y%d'\n",
    b"revision = NAME\ndown_revision = None\n",
    b"revision = 'z%d\n",
    b"revision = '\xff%d'\ndown_revision = None\n",
    b"revision = 'n%d'\0\ndown_revision = None\n",
    b"if True:\nrevision = 'i%d'\n",
    b"revision = 's%d'\ndown_revision = None\nx = = 1\n",
    b"revision = 'dup'\ndown_revision = None  # %d\n",
]


class TestThreads(unittest.TestCase):
    """Reading on many threads gives the single thread's output byte for
    byte: the same JSON, the same exit code, broken files among 300."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-cli.")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)
        self.versions = os.path.join(self.tmp, "versions")
        os.makedirs(self.versions)
        prev = None
        for i in range(300):
            rev = "r%03d" % i
            name = os.path.join(self.versions, "%s_step_%d.py" % (rev, i))
            if i % 11 == 4:
                with open(name, "wb") as f:
                    f.write(BROKEN[(i // 11) % len(BROKEN)].replace(b"%d", b"%d" % i))
                continue
            # A branch now and then: several heads, merges, UUID rules for lint.
            down = "None" if prev is None else repr(prev if i % 50 else "r%03d" % (i - 3))
            with open(name, "w") as f:
                f.write('"""step %d\n\nRevision ID: %s\nRevises: %s\n"""\n'
                        "from alembic import op\nimport sqlalchemy as sa\n\n"
                        "revision = %r\ndown_revision = %s\n\n\n"
                        "def upgrade():\n"
                        "    op.add_column('t%d', sa.Column('id', sa.Uuid(), nullable=False))\n"
                        "    op.execute('UPDATE t SET x = 1')\n"
                        % (i, rev, prev or "", rev, down, i))
            prev = rev

    def run_with(self, threads, *args):
        e = env()
        e.pop("AG_THREADS", None)
        if threads is not None:
            e["AG_THREADS"] = threads
        r = subprocess.run([harness.BIN, *args, "--versions", self.versions, "--format", "json"],
                           env=e, capture_output=True, timeout=120)
        return r.returncode, r.stdout

    def test_same_output_on_any_number_of_threads(self):
        for cmd in ("lint", "heads"):
            rc1, out1 = self.run_with("1", cmd)
            obj = json.loads(out1)
            self.assertEqual(rc1, 1, out1[-2000:])
            codes = {f["code"] for f in obj["findings"]}
            for code in ("parse-error", "syntax-error", "not-a-migration", "duplicate-revision"):
                self.assertIn(code, codes, cmd)
            for threads in (None, "2", "3", "8", None, "2"):
                rc, out = self.run_with(threads, cmd)
                self.assertEqual(rc, rc1, (cmd, threads))
                self.assertEqual(out, out1, (cmd, threads))


if __name__ == "__main__":
    unittest.main()
