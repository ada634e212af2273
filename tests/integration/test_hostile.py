"""The hostile-input suite (issue 14): the guard tried as a hostile user would,
from tables of inputs x commands x formats, one subTest per case.

Every case asserts:
- the exit code the design gives (0 safe, 1 blocked, 2 usage/configuration,
  3 database, 4 I/O);
- no secret in stdout or stderr: the database passwords in the URLs (raw,
  percent-encoded, wrong) and a fake HEROKU_API_KEY set in the environment;
- with --format json, stdout is exactly one JSON object with
  format_version, verdict and exit_code (equal to the process's);
- in text and github formats, and on stderr always, no outside byte reaches
  the terminal raw: no control byte but the newline (so no ESC, no CR), no
  C1 control, valid UTF-8, and no line starting with a forged `FORGED`
  marker that hostile inputs carry after a newline.

The areas: secrets in URLs of every mangled shape; version rows with quotes,
`; DROP TABLE`, newlines, ESC, C1, CR, invalid UTF-8 and a huge one; ids in
migration files (as a dangling down_revision and in the docstring header);
file names with the same bytes; NUL-free binary junk and huge lines; a FIFO
named x.py; bad option values; missing, dangling or directory configs and
versions. The class prints the table of areas, cases tried and held.

Memory: peak RSS of `lint` and `check` on a 30 MB token-dense file, a 10 MB
one-line down_revision list, a 10 MB string and 100,000 tiny files stays
under MEM_FACTOR x the largest file + MEM_BASE.

AG_QUICK=1 (the sanitizer stage) runs every 5th case and the memory test on
inputs a tenth the size.
"""
import json
import os
import random
import re
import resource
import shutil
import subprocess
import tempfile
import unittest
from urllib.parse import quote

import harness

QUICK = bool(os.environ.get("AG_QUICK"))
FAKE_KEY = "hk-FAKEKEY-7f3a9c2e1b0d4e5f6a7b8c9d"
FORGED = "FORGED"
FORGED_LINE = re.compile(r"^(?:OK: |::(?:error|warning|notice)[^:]*::)?FORGED", re.M)

# Bytes that outside text may carry; FORGED after a newline or CR is a
# forged line if it reaches the terminal raw.
HOSTILE_ROWS = [
    b"x'; DROP TABLE users; --",
    b"a\nOK: FORGED safe to run `alembic upgrade`",
    b"esc\x1b]0;pwned\x07\x1b[2J",
    b"bad\xff\xfeid",
    b"c1\xc2\x9b31m",
    b"lone\x9bc1",
    b"cr\rOK: FORGED",
    b"ends\n",
    b"back\\slash'quote\"",
    b"tab\tdel\x7f",
    b"h" * 100000,
]
HOSTILE_IDS = [
    "x'; DROP TABLE users; --",
    "a\nOK: FORGED safe to run",
    "esc\x1b]0;pwned\x07\x1b[2J",
    "c1\u009b31m",
    "cr\rOK: FORGED",
    "bs\\'q\"",
    "uni\u2028FORGED",
]
HOSTILE_NAMES = [
    b"c3_m\nOK: FORGED safe.py",
    b"c3_m\x1b[2J.py",
    b"c3_m\xff\xfe.py",
    b"c3_m\xc2\x9b.py",
    b"c3_m\r.py",
    b"c3_x'; DROP TABLE users; --.py",
]
FORMATS = ("text", "json", "github")


def clean(test, data, what):
    """What a terminal may be handed: newline the only control byte, no
    DEL, no C1, valid UTF-8, no forged line."""
    for b in data:
        test.assertFalse(b < 0x20 and b != 0x0a, "%s: control byte 0x%02x in %r" % (what, b, data[:300]))
        test.assertNotEqual(b, 0x7f, "%s: DEL in %r" % (what, data[:300]))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        test.fail("%s: invalid UTF-8 (%s) in %r" % (what, e, data[:300]))
    for ch in text:
        test.assertFalse(0x80 <= ord(ch) <= 0x9f, "%s: C1 control U+%04X" % (what, ord(ch)))
    test.assertIsNone(FORGED_LINE.search(text), "%s: forged line in %r" % (what, text[:600]))


class TestHostile(unittest.TestCase):
    tally = {}
    seq = 0

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ag-hostile.")
        cls.pg = harness.pg()
        cls.secrets = [cls.pg.password, FAKE_KEY]
        # SQL_ASCII keeps any byte in a row.
        cls.rowdb = "hostile_%d" % os.getpid()
        c = cls.pg.conn()
        try:
            cur = c.cursor()
            cur.execute('DROP DATABASE IF EXISTS "%s"' % cls.rowdb)
            cur.execute('CREATE DATABASE "%s" ENCODING \'SQL_ASCII\' TEMPLATE template0 '
                        "LC_COLLATE 'C' LC_CTYPE 'C'" % cls.rowdb)
        finally:
            c.close()
        cls.rowurl = cls.pg.url(cls.rowdb)
        cls.sql(cls.rowdb, "CREATE TABLE users (id int PRIMARY KEY, name text)",
                "INSERT INTO users VALUES (1, 'ann')",
                "CREATE TABLE alembic_version (version_num text NOT NULL)",
                "INSERT INTO alembic_version VALUES ('b2')")
        cls.healthy = cls.chain("healthy")
        cls.roles = []

    @classmethod
    def tearDownClass(cls):
        c = cls.pg.conn()
        try:
            cur = c.cursor()
            cur.execute('DROP DATABASE IF EXISTS "%s"' % cls.rowdb)
            for role in cls.roles:
                cur.execute('DROP ROLE IF EXISTS "%s"' % role)
        finally:
            c.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)
        print("\nhostile-input areas (area: cases tried, held)%s" % (" [AG_QUICK: every 5th]"
                                                                     if QUICK else ""))
        tried = held = 0
        for area, (t, h) in cls.tally.items():
            print("  %-14s %4d tried %4d held" % (area, t, h))
            tried, held = tried + t, held + h
        print("  %-14s %4d tried %4d held" % ("total", tried, held))

    # --- helpers ----------------------------------------------------------
    @classmethod
    def sql(cls, db, *stmts):
        c = cls.pg.conn(db)
        try:
            cur = c.cursor()
            for s in stmts:
                cur.execute(s)
        finally:
            c.close()

    @classmethod
    def chain(cls, name):
        d = os.path.join(cls.tmp, name)
        os.makedirs(d)
        harness.write_migration(d, "a1", None)
        harness.write_migration(d, "b2", "a1")
        return d

    def set_row(self, row):
        lit = "E'" + "".join("\\x%02x" % b for b in row) + "'"
        self.sql(self.rowdb, "DELETE FROM alembic_version",
                 "INSERT INTO alembic_version VALUES (%s)" % lit)

    def case(self, area, argv, fmt, expect, env=None, secrets=(), **label):
        """Runs one case (or, under AG_QUICK, every 5th) in a subTest."""
        TestHostile.seq += 1
        if QUICK and TestHostile.seq % 5:
            return
        t = self.tally.setdefault(area, [0, 0])
        t[0] += 1
        with self.subTest(area=area, argv=argv[:1], fmt=fmt, **label):
            e = harness.guard_env()
            e["HEROKU_API_KEY"] = FAKE_KEY
            e.update(env or {})
            args = [harness.BIN, *argv] + (["--format", fmt] if fmt else [])
            r = subprocess.run(args, env=e, capture_output=True, timeout=60)
            what = "%s %r %s" % (area, argv, fmt)
            out = r.stdout + r.stderr
            for s in (*self.secrets, *secrets):
                self.assertNotIn(s.encode(), out, "%s: secret printed" % what)
            self.assertEqual(r.returncode, expect, "%s: %s" % (what, out[-1500:]))
            if fmt == "json":
                doc = json.loads(r.stdout)  # exactly one value: raises on trailing data
                self.assertIsInstance(doc, dict, what)
                self.assertEqual(doc["format_version"], 1, what)
                self.assertIn(doc["verdict"], ("ok", "blocked", "error"), what)
                self.assertEqual(doc["exit_code"], r.returncode, what)
            else:
                clean(self, r.stdout, what + " stdout")
            clean(self, r.stderr, what + " stderr")
            t[1] += 1

    # --- secrets ------------------------------------------------------------
    def test_secrets_in_urls(self):
        db, url = self.pg.create_db("hostile_sec")
        harness.stamp(url, "b2")
        c = self.pg.conn()
        passwords = ["50%off-S3cr3tA", "S3cr3t/PwB", "p@ss@S3cr3tC", "c:o:l:S3cr3tD",
                     "wh?t=1&S3cr3tE", "h#sh#S3cr3tF"]
        try:
            for i, pw in enumerate(passwords):
                role = "aghostile_%d_%d" % (os.getpid(), i)
                self.roles.append(role)
                c.cursor().execute('DROP ROLE IF EXISTS "%s"' % role)
                c.cursor().execute('CREATE ROLE "%s" LOGIN SUPERUSER PASSWORD %%s' % role, (pw,))
        finally:
            c.close()
        port = self.pg.port
        for i, pw in enumerate(passwords):
            role = "aghostile_%d_%d" % (os.getpid(), i)
            base = "postgresql://%s:%%s@127.0.0.1:%%s/%s%%s" % (role, db)
            shapes = [
                ("raw", base % (pw, port, ""), 0),
                ("encoded", base % (quote(pw, safe=""), port, ""), 0),
                ("wrong", base % (quote(pw + "Z", safe=""), port, ""), 3),
                ("bad-sslmode", base % (pw, port, "?sslmode=S3cr3tive"), 2),
                ("bad-port", base % (pw, "S3cr3t", ""), 2),
            ]
            for shape, u, expect in shapes:
                for fmt in FORMATS:
                    self.case("secrets", ["check", "--versions", self.healthy, "--database-url", u],
                              fmt, expect, secrets=(pw, quote(pw, safe="")), shape=shape)
        # The password in the environment and in the config file.
        cfg = os.path.join(self.tmp, "secret.ini")
        with open(cfg, "w") as f:
            f.write("[alembic]\nscript_location = %s\nsqlalchemy.url = "
                    "postgresql://postgres:%s@127.0.0.1:1/x%%%%zz\n"
                    % (self.tmp, self.pg.password.replace("%", "%%")))
        for fmt in FORMATS:
            self.case("secrets", ["check", "--versions", self.healthy],
                      fmt, 3, env={"DATABASE_URL": self.pg.url(db).replace(
                          ":%d/" % port, ":1/")}, shape="env-unreachable")
            self.case("secrets", ["check", "-c", cfg, "--versions", self.healthy], fmt, 3,
                      shape="config-unreachable")

    # --- version rows -------------------------------------------------------
    def test_hostile_rows(self):
        for row in HOSTILE_ROWS:
            self.set_row(row)
            for cmd in ("check", "diagnose"):
                for fmt in FORMATS:
                    self.case("rows", [cmd, "--versions", self.healthy, "--database-url",
                                       self.rowurl], fmt, 1, row=row[:40])
        self.set_row(b"b2")

    # --- ids in migration files -------------------------------------------
    def test_hostile_ids(self):
        for i, hid in enumerate(HOSTILE_IDS):
            # As a dangling down_revision: always an error.
            dang = self.chain("dang%d" % i)
            with open(os.path.join(dang, "c3_m.py"), "w", encoding="utf-8") as f:
                f.write('"""m\n\nRevision ID: c3\n"""\nrevision = "c3"\ndown_revision = %s\n'
                        % ascii(hid))
            # In the docstring header: a warning that quotes it.
            doc = self.chain("doc%d" % i)
            harness.write_migration(doc, "c3", "b2", doc_revision=hid.replace('"""', ""))
            for cmd in ("lint", "check"):
                for fmt in FORMATS:
                    self.case("ids", [cmd, "--versions", dang, "--database-url", self.rowurl],
                              fmt, 1, id=hid, shape="down_revision")
                    self.case("ids", [cmd, "--versions", doc, "--database-url", self.rowurl],
                              fmt, 0, id=hid, shape="docstring")

    # --- file names -----------------------------------------------------------
    def test_hostile_file_names(self):
        for i, name in enumerate(HOSTILE_NAMES):
            d = self.chain("name%d" % i)
            with open(os.path.join(os.fsencode(d), name), "w") as f:
                f.write('"""m\n\nRevision ID: c3\n"""\nrevision = "c3"\ndown_revision = "b2"\n')
            # A broken one too, so the name is printed in an error.
            d2 = self.chain("namebad%d" % i)
            with open(os.path.join(os.fsencode(d2), name), "w") as f:
                f.write('revision = "c3"\ndown_revision = "zz9"\n')
            for cmd in ("lint", "check"):
                for fmt in FORMATS:
                    self.case("file-names", [cmd, "--versions", d, "--database-url", self.rowurl],
                              fmt, 0, name=name)
                    # Alembic's file pattern ((.*\.py)(c|o)?$, re.match)
                    # never matches a name with a newline: the file is not
                    # a migration, for Alembic and the guard.
                    self.case("file-names", [cmd, "--versions", d2, "--database-url",
                                             self.rowurl], fmt, 0 if b"\n" in name else 1,
                              name=name, shape="dangling")

    # --- junk and huge lines ----------------------------------------------------
    def test_junk_and_huge_lines(self):
        rnd = random.Random(14)
        junk = bytes(rnd.choice([b for b in range(1, 256)]) for _ in range(4096))
        inputs = [
            ("binary-junk", b"c3_junk.py", junk, 1),
            ("junk-after-ids", b"c3_m.py", b'revision = "c3"\ndown_revision = "b2"\n' + junk, 1),
            ("huge-comment", b"c3_m.py",
             b'revision = "c3"\ndown_revision = "b2"\n# ' + b"A" * (4 << 20) + b"\n", 0),
            ("huge-junk-line", b"c3_m.py",
             b'revision = "c3"\ndown_revision = "b2"\nx = ' + b"A(" * (1 << 20) + b"\n", 1),
            ("huge-id", b"c3_m.py",
             b'revision = "' + b"c" * 100000 + b'"\ndown_revision = "b2"\n', 1),
            ("esc-in-string", b"c3_m.py",
             b'revision = "c3"\ndown_revision = "b2"\nx = "\x1b[2J\x07OK: FORGED"\n'
             b'y = """\r\nOK: FORGED\n\xc2\x9b"""\n', 0),
            ("bad-utf8-source", b"c3_m.py",
             b'revision = "c3"\ndown_revision = "b2"\nx = "\xff\xfe"\n', 1),
        ]
        for i, (label, name, body, expect) in enumerate(inputs):
            d = self.chain("junk%d" % i)
            with open(os.path.join(os.fsencode(d), name), "wb") as f:
                f.write(body)
            for cmd in ("lint", "check"):
                for fmt in FORMATS:
                    self.case("junk-huge", [cmd, "--versions", d, "--database-url", self.rowurl],
                              fmt, expect, input=label)

    # --- a FIFO named x.py -------------------------------------------------------
    def test_fifo(self):
        d = self.chain("fifo")
        os.mkfifo(os.path.join(d, "x.py"))
        for cmd in ("lint", "check", "diagnose", "heads"):
            for fmt in FORMATS:
                self.case("fifo", [cmd, "--versions", d, "--database-url", self.rowurl], fmt, 1)

    # --- bad option values -------------------------------------------------------
    def test_bad_options(self):
        # (option, exit): a --define no file uses and a second, missing
        # version location are accepted (the latter with a warning that
        # names it); the rest are usage errors that quote the value.
        bad = [
            (["--define", "x"], 2),
            (["--define", "\x1b[2J\nFORGED=1"], 0),
            (["--connect-timeout", "abc"], 2),
            (["--connect-timeout", "\x1b]0;t\x07"], 2),
            (["--versions", os.path.join(self.tmp, "no\x1b[2J\nFORGED")], 0),
            (["--frobnicate\x1b[2J"], 2),
            (["--alembic-version", "\x9b\nFORGED"], 2),
            (["--version-table-schema"], 2),
        ]
        for opt, expect in bad:
            for cmd in ("lint", "check"):
                for fmt in FORMATS:
                    self.case("options", [cmd, *opt, "--versions", self.healthy,
                                          "--database-url", self.rowurl], fmt, expect, opt=opt)
        for fmt in ("xml", "\x1b[2J", "json\nFORGED"):
            for cmd in ("lint", "check"):
                self.case("options", [cmd, "--versions", self.healthy, "--format", fmt], None, 2,
                          opt=["--format", fmt])
        self.case("options", ["check", "--versions", self.healthy, "--database-url",
                              "mysql://root:%s@127.0.0.1/x" % self.pg.password], "json", 2,
                  opt=["--database-url", "mysql"])

    # --- configuration and versions that are wrong --------------------------------
    def test_config_and_versions(self):
        t = self.tmp
        os.symlink(os.path.join(t, "nowhere.ini"), os.path.join(t, "dangling.ini"))
        cfgs = {}
        for name, body in [
            ("missing-loc.ini", b"[alembic]\nscript_location = %s/none\n" % os.fsencode(t)),
            ("esc-loc.ini", b"[alembic]\nscript_location = \x1b[2J\xff\rFORGED\n"),
            ("no-section.ini", b"[other]\nx = 1\n"),
            ("healthy.ini", b"[alembic]\nscript_location = %s\n" % os.fsencode(t)),
            ("junk.ini", bytes(range(1, 256)) * 4),
        ]:
            p = os.path.join(t, name)
            with open(p, "wb") as f:
                f.write(body)
            cfgs[name] = p
        afile = os.path.join(self.healthy, "a1_m.py")
        cases = [
            ("config-missing", ["-c", os.path.join(t, "nope.ini")], 2),
            ("config-dangling", ["-c", os.path.join(t, "dangling.ini")], 2),
            ("config-is-dir", ["-c", t], 4),
            ("config-missing-loc", ["-c", cfgs["missing-loc.ini"]], 2),
            ("config-esc-loc", ["-c", cfgs["esc-loc.ini"]], 2),
            ("config-no-section", ["-c", cfgs["no-section.ini"]], 2),
            ("config-bad-name", ["-c", cfgs["healthy.ini"], "-n", "no\rFORGED\x1b[2J"], 2),
            ("config-junk", ["-c", cfgs["junk.ini"]], 2),
            ("versions-missing", ["--versions", os.path.join(t, "nope")], 2),
            ("versions-is-file", ["--versions", afile], 2),
        ]
        for label, opts, expect in cases:
            for cmd in ("lint", "check"):
                for fmt in FORMATS:
                    self.case("config", [cmd, *opts, "--database-url", self.rowurl], fmt,
                              expect, input=label)


def peak_rss_kib(argv):
    """Runs argv in a child and returns (exit code, its peak RSS in KiB),
    through a fork so the figure is the child's alone."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            p = subprocess.run(argv, env=harness.guard_env(), timeout=300)
            rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            os.write(w, b"%d %d" % (p.returncode, rss))
        finally:
            os._exit(0)
    os.close(w)
    data = b""
    while True:
        chunk = os.read(r, 100)
        if not chunk:
            break
        data += chunk
    os.close(r)
    os.waitpid(pid, 0)
    rc, rss = data.split()
    return int(rc), int(rss)


def asan_binary():
    with open(harness.BIN, "rb") as f:
        return b"__asan_init" in f.read()


class TestMemoryBound(unittest.TestCase):
    """Peak RSS within MEM_FACTOR x the largest file + MEM_BASE (issue 14:
    before, 1.2 GB for a 30 MB token-dense file and 1.3 GB for a 10 MB
    one-line list)."""

    MEM_FACTOR = 8
    MEM_BASE = 128 << 20
    # ASan's shadow memory and quarantine (256 MiB) come on top.
    ASAN_FACTOR, ASAN_BASE = 20, 320 << 20

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ag-hostile-mem.")
        cls.pg = harness.pg()
        cls.db, cls.url = cls.pg.create_db("hostile_mem")
        harness.stamp(cls.url, "a1")
        div = 10 if QUICK else 1
        cls.inputs = []
        mb = 1 << 20

        def one(name, body):
            d = os.path.join(cls.tmp, name)
            os.makedirs(d)
            harness.write_migration(d, "a1", None)
            with open(os.path.join(d, "b2_big.py"), "w") as f:
                f.write('revision = "b2"\ndown_revision = "a1"\n')
                f.write(body)
            cls.inputs.append((name, d, os.path.getsize(os.path.join(d, "b2_big.py"))))

        n = 30 * mb // div
        one("dense", "x = (" + "1, " * (n // 3) + ")\n")
        n = 10 * mb // div
        one("list", "")
        with open(os.path.join(cls.tmp, "list", "b2_big.py"), "w") as f:
            f.write('revision = "b2"\ndown_revision = (%s)\n'
                    % ", ".join("'r%07d'" % i for i in range(n // 11)))
        cls.inputs[-1] = ("list", cls.inputs[-1][1],
                          os.path.getsize(os.path.join(cls.tmp, "list", "b2_big.py")))
        one("string", 'x = "' + "s" * n + '"\n')
        d = os.path.join(cls.tmp, "files")
        os.makedirs(d)
        harness.write_migration(d, "a1", None)
        prev = "a1"
        for i in range(100000 // div):
            rev = "r%06d" % i
            with open(os.path.join(d, "%s_m.py" % rev), "w") as f:
                f.write("revision = %r\ndown_revision = %r\n" % (rev, prev))
            prev = rev
        cls.inputs.append(("files", d, os.path.getsize(os.path.join(d, "r000000_m.py"))))

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_peak_rss(self):
        asan = asan_binary()
        factor = self.ASAN_FACTOR if asan else self.MEM_FACTOR
        base = self.ASAN_BASE if asan else self.MEM_BASE
        expect = {"dense": 0, "list": 1, "string": 0, "files": 0}
        print("\npeak RSS (bound: %d x the largest file + %d MiB)%s" % (
            factor, base >> 20, " [ASan]" if asan else ""))
        for name, d, size in self.inputs:
            for cmd in ("lint", "check"):
                with self.subTest(input=name, cmd=cmd):
                    rc, kib = peak_rss_kib([harness.BIN, cmd, "--versions", d,
                                            "--database-url", self.url])
                    bound = factor * size + base
                    print("  %-12s %-5s largest file %6.1f MiB  peak %7.1f MiB  bound %7.1f MiB"
                          % (name, cmd, size / (1 << 20), kib / 1024, bound / (1 << 20)))
                    self.assertEqual(rc, expect[name], "%s %s" % (cmd, name))
                    self.assertLess(kib * 1024, bound, "%s %s: peak %d KiB" % (cmd, name, kib))


if __name__ == "__main__":
    unittest.main()
