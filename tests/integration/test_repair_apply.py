"""rename --write --apply against the real PostgreSQL: the files and the
version table change together or not at all. A second UPDATE that fails
(a CHECK constraint) and a COMMIT that fails (a deferred constraint
trigger, after the files were written) both leave the database and every
file exactly as they were, and the message says so and names the command
to run next. Also: backfill of an id Alembic's file names would hide
(`__init__x`), proven loadable by Alembic itself, and a FIFO named *.py in a
versions directory, on which the guard must not hang.
"""
import json
import os
import random
import subprocess
import time

import test_repair as tr


class ApplyCase(tr.RepairCase):
    def two_half_done(self):
        """a1 <- b2, a1 <- c2 (two heads): both renamed in code, while the
        database and the docstrings still say oldb2 and oldc2."""
        style = tr.Style(random.Random(5))
        style.annotated, style.quote, style.extra_lines, style.dated = False, "'", True, False
        p, db = self.project(style, name="apply")
        g = tr.Gen(random.Random(6), style)
        a1 = p.add(g.mig([], rev="a1"))
        b2 = p.add(g.mig(["a1"], rev="b2"), doc_rev="oldb2", filename="oldb2_first.py")
        c2 = p.add(g.mig(["a1"], rev="c2"), doc_rev="oldc2", filename="oldc2_second.py")
        db.production([a1, b2, c2], ["oldb2", "oldc2"])
        return p, db, [a1, b2, c2]

    def test_second_update_fails(self):
        p, db, migs = self.two_half_done()
        db.run("ALTER TABLE alembic_version ADD CONSTRAINT no_c2 CHECK (version_num <> 'c2')")
        before = p.snapshot()
        r = p.guard("rename", "--target", "heads")
        self.ok(r, 0)  # the dry run shows two UPDATEs, and the state after them
        self.assertEqual(r.stdout.count("UPDATE alembic_version SET version_num"), 2, r.stdout)
        r = p.guard("rename", "--target", "heads", "--write", "--apply")
        self.ok(r, 3)
        self.assertIn("no_c2", r.stderr)
        self.assertIn("the database was not changed", r.stderr)
        self.assertIn("no file was changed", r.stderr)
        self.assertIn("run again: alembic-guard rename --write --apply --target heads", r.stderr)
        self.assertEqual(db.rows(), ["oldb2", "oldc2"])  # the first UPDATE was rolled back
        self.assertEqual(p.snapshot(), before)
        # Fixed, the same command finishes both, together.
        db.run("ALTER TABLE alembic_version DROP CONSTRAINT no_c2")
        r = p.guard("rename", "--target", "heads", "--write", "--apply", "--format", "json")
        self.ok(r, 0)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["repair"]["rows_updated"], 2)
        self.assertEqual(db.rows(), ["b2", "c2"])
        self.assertNotEqual(p.snapshot(), before)

    def test_commit_fails_files_put_back(self):
        p, db, migs = self.two_half_done()
        # Checked at COMMIT, after the UPDATEs and after the files are written.
        db.run("CREATE FUNCTION refuse_c2() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
               "IF NEW.version_num = 'c2' THEN RAISE EXCEPTION 'refused at commit'; END IF; "
               "RETURN NEW; END $$",
               "CREATE CONSTRAINT TRIGGER refuse_c2 AFTER UPDATE ON alembic_version "
               "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION refuse_c2()")
        before = p.snapshot()
        r = p.guard("rename", "--target", "heads", "--write", "--apply")
        self.ok(r, 3)
        self.assertIn("refused at commit", r.stderr)
        self.assertIn("the database was not changed", r.stderr)
        self.assertIn("the files were put back as they were", r.stderr)
        self.assertIn("run again:", r.stderr)
        self.assertEqual(db.rows(), ["oldb2", "oldc2"])
        self.assertEqual(p.snapshot(), before)
        self.assertEqual([n for n in os.listdir(p.versions) if ".ag-" in n], [])


class LoadableCase(tr.RepairCase):
    def test_backfill_init_name(self):
        """`backfill __init__x --write` writes a file Alembic loads."""
        style = tr.Style(random.Random(7))
        style.annotated, style.quote, style.extra_lines, style.dated = False, "'", True, False
        p, db = self.project(style, name="initx")
        g = tr.Gen(random.Random(8), style)
        a1 = p.add(g.mig([], rev="a1"))
        x = p.add(g.mig(["a1"], rev="__init__x"), write=False)
        c3 = p.add(g.mig(["__init__x"], rev="c3"))
        db.production([a1, x], ["__init__x"])
        self.assert_upgrade_fails(p, "missing __init__x")
        r = p.guard("backfill", "__init__x", "--write")
        self.ok(r, 0)
        self.assertIn("would not load", r.stdout)
        written = [n for n in p.files() if "__init__x" in n]
        self.assertEqual(len(written), 1, p.files())
        self.assertFalse(written[0].startswith("__init__"), written)
        # Alembic itself loads it: the upgrade runs c3 after the placeholder.
        r = p.alembic("upgrade", "head")
        self.ok(r, 0, "alembic upgrade head after the backfill")
        self.assertEqual(db.rows(), ["c3"])
        self.assertIn(c3.table, db.tables())


class FifoCase(tr.RepairCase):
    def test_fifo_does_not_hang(self):
        style = tr.Style(random.Random(9))
        style.dated = False
        p, db = self.project(style, name="fifo")
        g = tr.Gen(random.Random(10), style)
        a1 = p.add(g.mig([], rev="a1"))
        db.production([a1], ["a1"])
        os.mkfifo(os.path.join(p.versions, "f.py"))
        for args in (["check"], ["lint"], ["heads"], ["diagnose"], ["check", "--format", "json"]):
            t0 = time.monotonic()
            try:
                r = p.guard(*args)
            except subprocess.TimeoutExpired:
                self.fail("%s hung on a FIFO" % args)
            self.assertLess(time.monotonic() - t0, 20, args)
            self.ok(r, 1, " ".join(args))
            out = r.stdout + r.stderr
            self.assertIn("f.py", out)
            self.assertIn("not-a-regular-file", out)


if __name__ == "__main__":
    import unittest
    unittest.main()
