"""alembic-guard graph: DOT that Debian's Graphviz accepts, and JSON.

A repository with a base, a branch point, two labelled branches, a merge
point, a depends_on edge and a head, drawn with the database's rows (from the
test PostgreSQL) and the pending path marked; without a database (said on
stderr, exit 0); with an unreachable one (drawn anyway, exit 3); with a row
no file defines; with ids that need quoting in DOT; and the example app of
`make demo`, as docs/graph.svg shows it. Every DOT output goes through
`dot -Tsvg`.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import unittest

import harness

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DOT = shutil.which("dot") or "/usr/bin/dot"


def write(versions, rev, down, labels=None, depends=None, name=None):
    body = '"""%s\n\nRevision ID: %s\nRevises: %s\n"""\n' % (
        rev, rev, ", ".join(down) if isinstance(down, tuple) else (down or ""))
    body += "revision = %r\ndown_revision = %r\nbranch_labels = %r\ndepends_on = %r\n" % (
        rev, down, labels, depends)
    body += "\n\ndef upgrade():\n    pass\n\n\ndef downgrade():\n    pass\n"
    with open(os.path.join(versions, name or "%s_step.py" % rev), "w") as f:
        f.write(body)


def no_db_env():
    """The guard's environment without DATABASE_URL: only --database-url counts."""
    env = dict(harness.guard_env())
    env.pop("DATABASE_URL", None)
    return env


def svg(dot_text):
    """dot -Tsvg; returns (exit code, svg, stderr)."""
    r = subprocess.run([DOT, "-Tsvg"], input=dot_text, capture_output=True, text=True,
                       timeout=60)
    return r.returncode, r.stdout, r.stderr


class GraphCase(unittest.TestCase):
    maxDiff = None

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="ag-graph.")
        self.versions = os.path.join(self.tmp, "versions")
        os.makedirs(self.versions)
        #   a1 -> b2 -> c3a (left)  \
        #            -> c3b (right) -> d4 (merge) -> e5 (depends_on c3a)
        write(self.versions, "a1", None)
        write(self.versions, "b2", "a1")
        write(self.versions, "c3a", "b2", labels=("left",))
        write(self.versions, "c3b", "b2", labels=("right",))
        write(self.versions, "d4", ("c3a", "c3b"))
        write(self.versions, "e5", "d4", depends="c3a")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def graph(self, *args, url=None):
        extra = ["--database-url", url] if url else []
        return harness.run_guard("graph", "--versions", self.versions, *extra, *args,
                                 env=no_db_env())

    def assert_dot_ok(self, text):
        rc, out, err = svg(text)
        self.assertEqual(rc, 0, "dot refused the graph: %s\n%s" % (err, text))
        self.assertIn("<svg", out)
        return out

    def node_line(self, text, rev):
        for line in text.splitlines():
            if re.match(r'\s+[nmd]\d+ \[label="%s\\n' % re.escape(rev), line):
                return line
        self.fail("no node for %s in\n%s" % (rev, text))


class TestGraph(GraphCase):
    def test_dot_with_database(self):
        _, url = harness.pg().create_db("graph")
        harness.stamp(url, "b2")
        r = self.graph(url=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stderr, "")
        self.assertTrue(r.stdout.startswith("// alembic-guard graph: 6 revisions; heads: e5; "
                                            "database: b2\n"), r.stdout)
        self.assertIn("digraph alembic {", r.stdout)
        self.assertIn("[base]", self.node_line(r.stdout, "a1"))
        b2 = self.node_line(r.stdout, "b2")
        self.assertIn("branch point, database is here", b2)
        self.assertIn("fillcolor=gold", b2)
        self.assertIn("(left)", self.node_line(r.stdout, "c3a"))
        d4 = self.node_line(r.stdout, "d4")
        self.assertIn("merge point", d4)
        self.assertIn("shape=hexagon", d4)
        self.assertIn("pending 3/4", d4)
        e5 = self.node_line(r.stdout, "e5")
        self.assertIn("head, pending 4/4", e5)
        # The pending path: blue edges from the database's row onwards.
        self.assertEqual(r.stdout.count("[color=blue, penwidth=2]"), 5)
        self.assertIn('label="depends_on"', r.stdout)
        svg_text = self.assert_dot_ok(r.stdout)
        self.assertIn("e5", svg_text)

    def test_json(self):
        _, url = harness.pg().create_db("graph")
        harness.stamp(url, "c3a")
        r = self.graph("--format", "json", url=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["format_version"], 1)
        self.assertEqual(doc["command"], "graph")
        self.assertEqual(doc["verdict"], "ok")
        self.assertEqual(doc["database"]["revisions"], ["c3a"])
        self.assertEqual(doc["pending"], ["c3b", "d4", "e5"])
        nodes = {n["revision"]: n for n in doc["graph"]["nodes"]}
        self.assertEqual(sorted(nodes), ["a1", "b2", "c3a", "c3b", "d4", "e5"])
        self.assertTrue(nodes["a1"]["base"])
        self.assertTrue(nodes["b2"]["branch_point"])
        self.assertTrue(nodes["d4"]["merge_point"])
        self.assertTrue(nodes["e5"]["head"])
        self.assertTrue(nodes["c3a"]["db_current"])
        self.assertEqual(nodes["c3a"]["branch_labels"], ["left"])
        self.assertEqual([nodes[r]["pending"] for r in ("c3b", "d4", "e5")], [1, 2, 3])
        self.assertIsNone(nodes["a1"]["pending"])
        self.assertTrue(nodes["e5"]["file"].endswith("e5_step.py"))
        edges = {(e["from"], e["to"], e["kind"]) for e in doc["graph"]["edges"]}
        self.assertIn(("c3a", "d4", "down_revision"), edges)
        self.assertIn(("c3b", "d4", "down_revision"), edges)
        self.assertIn(("c3a", "e5", "depends_on"), edges)
        self.assertEqual(len(edges), 7)

    def test_without_database(self):
        r = self.graph()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("no database URL", r.stderr)
        self.assertIn("drawn without the database's rows", r.stderr)
        self.assertIn("database: not read", r.stdout.splitlines()[0])
        self.assertNotIn("database is here", r.stdout)
        self.assertNotIn("pending", r.stdout)
        self.assert_dot_ok(r.stdout)
        r = self.graph("--format", "json")
        self.assertEqual(r.returncode, 0)
        doc = json.loads(r.stdout)
        self.assertIsNone(doc["database"])
        self.assertEqual(doc["pending"], [])
        self.assertEqual(len(doc["graph"]["nodes"]), 6)

    def test_unreachable_database(self):
        r = self.graph(url="postgresql://nobody@127.0.0.1:1/none?connect_timeout=2")
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("the database could not be read", r.stderr)
        self.assertIn("digraph alembic {", r.stdout)
        self.assert_dot_ok(r.stdout)
        r = self.graph("--format", "json", url="postgresql://nobody@127.0.0.1:1/none")
        self.assertEqual(r.returncode, 3)
        doc = json.loads(r.stdout)
        self.assertEqual(doc["exit_code"], 3)
        self.assertEqual(doc["verdict"], "error")
        self.assertFalse(doc["database"]["reachable"])

    def test_rows_and_parents_no_file_defines(self):
        write(self.versions, "f6", "ghost")
        _, url = harness.pg().create_db("graph")
        harness.stamp(url, "ghost", "zz_unknown")
        r = self.graph("--target", "heads", url=url)
        self.assertEqual(r.returncode, 0, r.stderr)
        ghost = self.node_line(r.stdout, "ghost")
        self.assertIn("no file defines it; database is here", ghost)
        self.assertIn("fillcolor=gold", ghost)
        unknown = self.node_line(r.stdout, "zz_unknown")
        self.assertIn("shape=note", unknown)
        # f6 carries an error (its parent is missing): drawn in red.
        self.assertIn("color=red", self.node_line(r.stdout, "f6"))
        m = re.search(r"(m\d+) -> (n\d+);", r.stdout)
        self.assertIsNotNone(m)
        self.assert_dot_ok(r.stdout)
        doc = json.loads(self.graph("--format", "json", url=url).stdout)
        missing = {n["revision"]: n for n in doc["graph"]["nodes"] if n["missing"]}
        self.assertEqual(sorted(missing), ["ghost", "zz_unknown"])
        self.assertTrue(missing["ghost"]["db_current"])

    def test_quoting(self):
        write(self.versions, 'we"ird\\id', "e5", labels=("caf\u00e9 \"x\"",),
              name="we_ird_step.py")
        r = self.graph()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('we\\"ird\\\\id', r.stdout)
        out = self.assert_dot_ok(r.stdout)
        self.assertIn("caf\u00e9", out)

    def test_refuses_github_format_and_operands(self):
        r = self.graph("--format", "github")
        self.assertEqual(r.returncode, 2)
        self.assertIn("DOT", r.stderr)
        r = self.graph("extra")
        self.assertEqual(r.returncode, 2)
        r = harness.run_guard("graph", "--versions", os.path.join(self.tmp, "nope"),
                              env=no_db_env())
        self.assertEqual(r.returncode, 2)


class TestExampleGraph(unittest.TestCase):
    def test_guestbook(self):
        """The example app in the state of the incident: docs/graph.svg."""
        app = os.path.join(ROOT, "examples", "guestbook")
        _, url = harness.pg().create_db("guestbook")
        harness.stamp(url, "guest_lockout_001")
        r = harness.run_guard("-c", os.path.join(app, "alembic.ini"), "graph", "--database-url",
                              url, env=no_db_env())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("guest_lockout_001\\n[no file defines it; database is here]", r.stdout)
        rc, out, err = svg(r.stdout)
        self.assertEqual(rc, 0, err)
        self.assertIn("9d7e6f5a4b3c", out)


if __name__ == "__main__":
    unittest.main()
