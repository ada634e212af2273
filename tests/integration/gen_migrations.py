"""Seeded generator of random Alembic migration directories.

Used by test_differential.py: each call of gen_case() plans one random
revision graph (linear chains, branches, merges of 2-3 parents, several
bases, branch_labels, depends_on on ids and on labels) with, now and then,
one or two defects (a duplicate id, a dangling down_revision or depends_on,
a cycle, a self-loop, a label clash, a down_revision that names a label, a
missing down_revision or revision, an illegal id, a syntax error), and
renders every revision as a file in a randomly chosen syntax style (plain or
annotated assignments, tuples or lists, every string form, implicit
concatenation, comments, backslash continuations, multi-line brackets,
misleading docstrings and fake assignments that Python never executes,
later reassignments that override earlier ones). It also drops in files
Alembic ignores (__init__.py, .#foo.py, non-.py files, __pycache__).

The generator does not predict what Alembic makes of a directory: the real
Alembic is the judge. It only records which features it used (`tags`), for
the summary and the failure reports.
"""
import os
import random

WORDS = ["kilo", "lima", "mike", "oscar", "guest_lockout", "django", "tango", "users",
         "billing", "expand", "contract", "audit", "orders"]
LABEL_WORDS = ["expand", "contract", "feature", "tenant", "reporting", "legacy", "core",
               "plugin"]


class Rev:
    """One planned revision (one file)."""

    def __init__(self, rid):
        self.id = rid
        self.down = None          # None (base), a str, or a list (merge; repeats allowed)
        self.base_form = None     # how a base is written: None, "()", "''", '""', "[]"
        self.labels = []          # branch_labels as written
        self.depends = []         # depends_on as written
        self.filename = None
        self.omit_revision = False
        self.omit_down = False
        self.syntax_error = None  # None or a kind of breakage


def _unique(rnd, taken, make):
    for _ in range(1000):
        v = make()
        if v not in taken:
            taken.add(v)
            return v
    raise RuntimeError("generator could not find a unique name")


def _make_id(rnd):
    r = rnd.random()
    if r < 0.40:
        return "%012x" % rnd.getrandbits(48)
    if r < 0.50:
        return "%0*x" % (rnd.choice((4, 6, 8)), rnd.getrandbits(32))
    if r < 0.60:
        return "guest_lockout_%03d" % rnd.randint(0, 999)
    if r < 0.68:
        return rnd.choice(WORDS)
    if r < 0.76:
        return "django_%04d" % rnd.randint(0, 9999)
    if r < 0.84:
        return "%s_%03d" % (rnd.choice(WORDS), rnd.randint(0, 999))
    if r < 0.88:
        return "%04d" % rnd.randint(0, 9999)
    if r < 0.91:
        return "v%d_%d" % (rnd.randint(1, 9), rnd.randint(0, 20))
    if r < 0.93:
        return "%032x" % rnd.getrandbits(128)     # exactly 32: the VARCHAR(32) edge
    if r < 0.95:
        return rnd.choice("abcdefghjkmnpqrstuvwxyz")  # one character
    if r < 0.97:
        return "r\u00e9vision_%02d" % rnd.randint(0, 99)  # UTF-8
    return "%s%d" % (rnd.choice(WORDS), rnd.randint(0, 99))


# --- planning the graph -----------------------------------------------------------
def _downs(r):
    if r.down is None:
        return []
    return [r.down] if isinstance(r.down, str) else list(r.down)


def _descendants(revs, rid):
    kids = {}
    for r in revs:
        for d in _downs(r):
            kids.setdefault(d, []).append(r.id)
    out, todo = set(), [rid]
    while todo:
        x = todo.pop()
        for k in kids.get(x, []):
            if k not in out:
                out.add(k)
                todo.append(k)
    return out


def plan(rnd, idx):
    """A random graph with its defects. Returns (revs, tags)."""
    tags = set()
    r = rnd.random()
    n = 0 if r < 0.01 else 1 if r < 0.05 else rnd.randint(2, 12)
    ids_taken = set()
    revs = []
    heads = []
    for i in range(n):
        rv = Rev(_unique(rnd, ids_taken, lambda: _make_id(rnd)))
        earlier = [x.id for x in revs]
        p = rnd.random()
        if i == 0 or p < 0.07:
            rv.down = None
            if i:
                tags.add("several-bases")
        elif p < 0.55:
            rv.down = heads[-1] if heads and rnd.random() < 0.8 else earlier[-1]
        elif p < 0.72:
            rv.down = rnd.choice(earlier)
            tags.add("branch")
        elif p < 0.93 and len(earlier) >= 2:
            pool = heads if len(heads) >= 2 and rnd.random() < 0.7 else earlier
            k = 3 if len(pool) >= 3 and rnd.random() < 0.3 else 2
            rv.down = rnd.sample(pool, min(k, len(pool)))
            tags.add("merge%d" % len(rv.down))
            if len(rv.down) < 2:
                rv.down = rv.down[0]
        elif p < 0.97:
            rv.down = [earlier[-1], earlier[-1]]
            tags.add("merge-same-parent")
        else:
            rv.down = earlier[-1]
        if rv.down is None:
            rv.base_form = rnd.choice([None, None, None, "()", "''", '""', "[]"])
        revs.append(rv)
        downs = _downs(rv)
        heads = [h for h in heads if h not in downs] + [rv.id]

    labels_taken = set(ids_taken)
    for rv in revs:
        if rnd.random() < 0.13:
            k = 2 if rnd.random() < 0.25 else 1
            rv.labels = [_unique(rnd, labels_taken, lambda: "%s_%d" % (rnd.choice(LABEL_WORDS),
                                                                      rnd.randint(0, 99)))
                         for _ in range(k)]
            tags.add("branch-labels")
    all_labels = [lab for rv in revs for lab in rv.labels]
    for i, rv in enumerate(revs):
        if i and rnd.random() < 0.14:
            k = 2 if rnd.random() < 0.25 else 1
            for _ in range(k):
                if all_labels and rnd.random() < 0.35:
                    rv.depends.append(rnd.choice(all_labels))
                    tags.add("depends-on-label")
                else:
                    rv.depends.append(rnd.choice(revs[:i]).id)
                    tags.add("depends-on-id")
            if rnd.random() < 0.1 and _downs(rv):
                rv.depends.append(_downs(rv)[0])  # depends on its own parent too
                tags.add("depends-on-parent")

    # Defects: most directories have none, some one or two.
    ndef = 0 if rnd.random() < 0.55 else 1 if rnd.random() < 0.8 else 2
    for _ in range(ndef):
        if not revs:
            break
        _defect(rnd, idx, revs, ids_taken, all_labels, tags)
    return revs, tags


def _defect(rnd, idx, revs, ids_taken, all_labels, tags):
    kinds = ["duplicate"] * 6 + ["dangling-down"] * 3 + ["dangling-dep"] * 2 + \
        ["self-loop"] * 2 + ["cycle"] * 3 + ["dep-cycle"] * 2 + ["label-clash"] * 2 + \
        ["down-is-label"] + ["missing-down", "no-revision", "illegal-id", "syntax-error",
                             "dep-self-loop", "label-twice", "label-is-id"]
    kind = rnd.choice(kinds)
    rv = rnd.choice(revs)
    if kind == "duplicate":
        src = rv
        cp = Rev(src.id)
        cp.down = src.down if not isinstance(src.down, list) else list(src.down)
        cp.base_form = src.base_form
        cp.labels = list(src.labels)
        cp.depends = list(src.depends)
        v = rnd.random()
        if v < 0.35:
            others = [x.id for x in revs if x.id != src.id]
            cp.down = rnd.choice(others) if others else None
            tags.add("duplicate-other-down")
        elif v < 0.45:
            cp.down = None
            tags.add("duplicate-base")
        elif v < 0.52:
            cp.down = "ghost_%d" % idx
            tags.add("duplicate-dangling")
        elif v < 0.6:
            cp.labels = ["dup_label_%d" % idx]
            tags.add("duplicate-label")
            others = [x for x in revs if x.id != src.id]
            if others and rnd.random() < 0.5:
                rnd.choice(others).depends.append(cp.labels[0])
                tags.add("depends-on-duplicate-label")
        elif v < 0.65:
            cp.depends = ["ghost_dep_%d" % idx]
            tags.add("duplicate-dangling-dep")
        elif v < 0.69 and all_labels:
            cp.down = rnd.choice(all_labels)
            tags.add("duplicate-down-is-label")
        cp.filename = "zz_copy_%d_of_%s.py" % (rnd.randint(0, 99), _safe(src.id))
        revs.insert(rnd.randint(0, len(revs)), cp)
        tags.add("duplicate")
    elif kind == "dangling-down":
        ghost = rnd.choice(["ghost_%d" % idx, "deleted_migration", rv.id[:max(1, len(rv.id) // 2)]
                            + "zz", "%012x" % rnd.getrandbits(48)])
        if any(x.id.startswith(ghost[:3]) for x in revs) and rnd.random() < 0.5:
            # a prefix of an existing id: Alembic does not resolve prefixes in the map
            cands = [x.id for x in revs if len(x.id) > 3]
            if cands:
                ghost = rnd.choice(cands)[:3]
        if ghost in ids_taken:
            ghost = "ghost_%d" % idx
        downs = _downs(rv)
        rv.down = (downs + [ghost]) if downs and rnd.random() < 0.4 else ghost
        tags.add("dangling-down")
    elif kind == "dangling-dep":
        rv.depends.append("ghost_dep_%d" % idx)
        tags.add("dangling-dep")
    elif kind == "self-loop":
        downs = _downs(rv)
        rv.down = downs + [rv.id] if downs and rnd.random() < 0.5 else rv.id
        tags.add("self-loop")
    elif kind == "dep-self-loop":
        rv.depends.append(rv.id)
        tags.add("dep-self-loop")
    elif kind == "cycle":
        desc = _descendants(revs, rv.id)
        if not desc:
            rv.down = rv.id
            tags.add("self-loop")
            return
        d = rnd.choice(sorted(desc))
        downs = _downs(rv)
        rv.down = downs + [d] if downs and rnd.random() < 0.5 else d
        tags.add("cycle")
    elif kind == "dep-cycle":
        desc = _descendants(revs, rv.id)
        if desc:
            rv.depends.append(rnd.choice(sorted(desc)))
            tags.add("dep-cycle")
    elif kind == "label-clash":
        others = [x for x in revs if x is not rv]
        if others:
            lab = rnd.choice(all_labels) if all_labels else "clash_%d" % idx
            a, b = rv, rnd.choice(others)
            for x in (a, b):
                if lab not in x.labels:
                    x.labels.append(lab)
            tags.add("label-clash")
    elif kind == "label-is-id":
        others = [x.id for x in revs]
        rv.labels.append(rnd.choice(others))
        tags.add("label-is-id")
    elif kind == "label-twice":
        lab = "twice_%d" % idx
        rv.labels += [lab, lab]
        tags.add("label-twice")
    elif kind == "down-is-label":
        if all_labels:
            rv.down = rnd.choice(all_labels)
            tags.add("down-is-label")
    elif kind == "missing-down":
        rv.omit_down = True
        tags.add("missing-down")
    elif kind == "no-revision":
        rv.omit_revision = True
        if rnd.random() < 0.6:
            # a legacy file: the name is a hex id, and Alembic takes it from there
            new = "%012x" % rnd.getrandbits(48)
            for x in revs:
                x.down = _rename(x.down, rv.id, new)
                x.depends = [new if d == rv.id else d for d in x.depends]
            rv.id = new
            rv.filename = new + ".py"
            tags.add("legacy-hex-name")
        else:
            tags.add("no-revision")
    elif kind == "illegal-id":
        new = rv.id + rnd.choice(["-2", "@x", "+1"])
        for x in revs:
            x.down = _rename(x.down, rv.id, new)
            x.depends = [new if d == rv.id else d for d in x.depends]
        rv.id = new
        tags.add("illegal-id")
    elif kind == "syntax-error":
        rv.syntax_error = rnd.choice(["unterminated", "unbalanced", "indent", "bad-token"])
        tags.add("syntax-error")


def _rename(down, old, new):
    if down is None:
        return None
    if isinstance(down, str):
        return new if down == old else down
    return [new if d == old else d for d in down]


def _safe(rid):
    return "".join(c if c.isalnum() or c == "_" else "_" for c in rid)


# --- rendering ----------------------------------------------------------------------
class Style:
    """The syntax choices for one file."""

    def __init__(self, rnd):
        self.rnd = rnd
        self.annotated = rnd.random() < 0.3
        self.quote = rnd.choice(["'", '"'])
        self.mixed_quotes = rnd.random() < 0.2
        self.fancy = rnd.random() < 0.45  # triple quotes, concatenation, prefixes...


def lit(st, s):
    """A Python expression for the str s, in one of many forms."""
    rnd = st.rnd
    q = rnd.choice(["'", '"']) if st.mixed_quotes else st.quote
    if not st.fancy:
        return q + s + q
    r = rnd.random()
    if r < 0.12:
        return q * 3 + s + q * 3
    if r < 0.30 and len(s) >= 2:
        # implicit concatenation of adjacent literals
        cuts = sorted(rnd.sample(range(1, len(s)), min(len(s) - 1, rnd.randint(1, 2))))
        parts = [s[a:b] for a, b in zip([0] + cuts, cuts + [len(s)])]
        toks = []
        for p in parts:
            pq = rnd.choice(["'", '"'])
            pre = rnd.choice(["", "", "r", "u", "R"]) if p.isascii() else ""
            toks.append(pre + pq + p + pq)
        sep = rnd.choice([" ", "", "  ", " \\\n    "])
        if rnd.random() < 0.4:
            return "(\n    " + "\n    ".join(toks) + "\n)"
        return sep.join(toks)
    if r < 0.38:
        return rnd.choice(["r", "u", "R", "U"]) + q + s + q
    if r < 0.44 and s.isascii():
        # escapes for some characters
        out = "".join("\\x%02x" % ord(c) if c.isalpha() and rnd.random() < 0.3 else c
                      for c in s)
        return q + out + q
    if r < 0.48:
        return "f" + q + s + q  # an f-string without fields is a plain str
    if r < 0.54:
        return "(" + q + s + q + ")"
    return q + s + q


def seq(st, items, multiline=None):
    rnd = st.rnd
    as_list = rnd.random() < 0.35
    o, c = ("[", "]") if as_list else ("(", ")")
    parts = [lit(st, x) for x in items]
    trailing = len(items) == 1 and not as_list or rnd.random() < 0.3
    if multiline is None:
        multiline = st.fancy and rnd.random() < 0.4
    if not as_list and len(items) >= 1 and st.fancy and rnd.random() < 0.12:
        # a bare tuple: down_revision = 'a', 'b'
        return ", ".join(parts) + ("," if trailing else "")
    if multiline:
        body = ""
        for k, p in enumerate(parts):
            com = "  # parent %d" % k if rnd.random() < 0.4 else ""
            comma = "," if k < len(parts) - 1 or trailing else ""
            body += "\n    " + p + comma + com
        if rnd.random() < 0.2:
            body += "\n    # the end of the list"
        return o + body + "\n" + c
    return o + ", ".join(parts) + ("," if trailing else "") + c


def value(st, v, base_form=None, kind="down"):
    """v is None, a str or a list."""
    rnd = st.rnd
    if v is None:
        if kind == "down" and base_form:
            return base_form
        return "None" if kind == "down" or rnd.random() < 0.8 else rnd.choice(["()", "[]"])
    if isinstance(v, str):
        r = rnd.random()
        if r < 0.12:
            return seq(st, [v])  # ('x',) or ['x']: the same as 'x'
        return lit(st, v)
    if not v:
        return "()"
    if len(v) == 1 and rnd.random() < 0.5:
        return lit(st, v[0])
    return seq(st, v)


ANN = {
    "revision": ["str"],
    "down_revision": ["Union[str, None]", "Union[str, Sequence[str], None]", "Optional[str]",
                      "str | None", "'Union[str, None]'", "Union[str, Tuple[str, ...], None]"],
    "branch_labels": ["Union[str, Sequence[str], None]", "Optional[Sequence[str]]"],
    "depends_on": ["Union[str, Sequence[str], None]", "Optional[Union[str, Sequence[str]]]"],
}


def assign(st, name, expr):
    rnd = st.rnd
    if st.annotated and rnd.random() < 0.9:
        head = "%s: %s = " % (name, rnd.choice(ANN[name]))
    else:
        head = "%s = " % name
    if st.fancy and rnd.random() < 0.08:
        head = head.rstrip() + " \\\n    "
    tail = ""
    if rnd.random() < 0.15:
        tail = rnd.choice(["  # noqa", "  # revision = 'not_this'", "  # type: ignore",
                           "  # down_revision = None"])
    return head + expr + tail


def render(rnd, rv, idx):
    st = Style(rnd)
    L = []
    if rnd.random() < 0.05:
        L.append("# -*- coding: utf-8 -*-")  # a comment before the docstring
    # the module docstring
    if rnd.random() < 0.85:
        doc_id = rv.id
        if rnd.random() < 0.1:
            doc_id = "fake%04d" % rnd.randint(0, 9999)  # a header that disagrees with the code
        downs = _downs(rv)
        dq = rnd.choice(['"""', "'''"])
        pre = rnd.choice(["", "", "r"])
        extra = ""
        if rnd.random() < 0.12:
            extra = "\nrevision = 'fake_in_docstring'\ndown_revision = 'nothing'\n"
        title = rnd.choice(["add table", "merge heads", "Fix it", "x"])
        L.append("%s%s%s %s\n\nRevision ID: %s\nRevises: %s\nCreate Date: 2026-11-20 "
                 "12:00:00.%06d\n%s\n%s" % (pre, dq, title, rv.id, doc_id, ", ".join(downs),
                                            rnd.randint(0, 999999), extra, dq))
    if rnd.random() < 0.3:
        L.append("from __future__ import annotations" if st.annotated and rnd.random() < 0.3
                 else "# -*- coding: utf-8 -*-")
    L.append("from typing import Optional, Sequence, Tuple, Union\n")
    L.append("from alembic import op")
    if rnd.random() < 0.5:
        L.append("import sqlalchemy as sa")
    L.append("")
    if rnd.random() < 0.15:
        L.append("_msg = %r" % "revision = 'fake_in_string'")
    if rnd.random() < 0.08:
        L.append("_tmpl = '''\nrevision = 'fake_triple'\ndown_revision = None\n'''")
    L.append(rnd.choice(["# revision identifiers, used by Alembic.", "",
                         "# revision = 'commented'"]))

    stmts = []  # (name, text)
    use_names = st.fancy and rnd.random() < 0.1
    if not rv.omit_revision:
        if use_names:
            stmts.append(("pre", "REVISION_ID = " + lit(st, rv.id)))
            expr = "REVISION_ID"
        else:
            expr = lit(st, rv.id)
        if rnd.random() < 0.04:
            stmts.append(("revision", "revision = rev_id = " + expr))
        else:
            stmts.append(("revision", assign(st, "revision", expr)))
    if rnd.random() < 0.04 or (rv.omit_down and rnd.random() < 0.5):
        # an annotation without a value binds nothing
        stmts.append(("pre", "down_revision: Optional[str]"))
    if not rv.omit_down:
        if use_names and isinstance(rv.down, str):
            stmts.append(("pre", "PARENT = " + lit(st, rv.down)))
            expr = "PARENT"
        else:
            expr = value(st, rv.down, rv.base_form, "down")
        stmts.append(("down_revision", assign(st, "down_revision", expr)))
    if rv.labels or rnd.random() < 0.7:
        labs = rv.labels
        if len(labs) == 1 and rnd.random() < 0.5:
            expr = lit(st, labs[0])
        elif labs:
            expr = seq(st, labs)
        else:
            expr = value(st, None, kind="labels")
        stmts.append(("branch_labels", assign(st, "branch_labels", expr)))
    if rv.depends or rnd.random() < 0.7:
        deps = rv.depends
        if len(deps) == 1 and rnd.random() < 0.5:
            expr = lit(st, deps[0])
        elif deps:
            expr = seq(st, deps)
        else:
            expr = value(st, None, kind="depends")
        stmts.append(("depends_on", assign(st, "depends_on", expr)))

    if rnd.random() < 0.1:
        # the statements in another order (names before their use)
        pre = [s for s in stmts if s[0] == "pre"]
        rest = [s for s in stmts if s[0] != "pre"]
        rnd.shuffle(rest)
        stmts = pre + rest

    # a later module-level reassignment overrides an earlier one
    late = []
    if rnd.random() < 0.1:
        victim = rnd.choice([s for s in stmts if s[0] != "pre"] or [("none", "")])
        if victim[0] in ("revision", "down_revision", "branch_labels", "depends_on"):
            fake = {"revision": "revision = 'overridden_%d'" % idx,
                    "down_revision": "down_revision = 'overridden_parent'",
                    "branch_labels": "branch_labels = ('overridden_label',)",
                    "depends_on": "depends_on = 'overridden_dep'"}[victim[0]]
            k = stmts.index(victim)
            if rnd.random() < 0.5:
                stmts.insert(k, ("fake", fake))     # earlier, overridden right away
            else:
                stmts[k] = ("fake", fake)             # earlier; the real one at the bottom
                late.append(victim[1])

    if st.fancy and rnd.random() < 0.05 and len(stmts) >= 2 and "\n" not in stmts[0][1] \
            and "\n" not in stmts[1][1] and "#" not in stmts[0][1]:
        stmts[0:2] = [("joined", stmts[0][1] + "; " + stmts[1][1])]

    for _, text in stmts:
        L.append(text)
        if rnd.random() < 0.1:
            L.append(rnd.choice(["", "# a comment between", "    # an indented comment"]))
    L.append("")

    if rnd.random() < 0.08:
        L.append("if False:\n    revision = 'fake_in_if'\n    down_revision = 'nothing'\n")
    if rnd.random() < 0.06:
        L.append("class _Meta:\n    revision = 'fake_in_class'\n    down_revision = 'x'\n")
    body = ["    pass"]
    if rnd.random() < 0.2:
        body = ["    revision = 'fake_in_upgrade'", "    down_revision = None",
                "    op.execute(\"UPDATE t SET revision = 'x'\")"]
    if rnd.random() < 0.1:
        body.append("    global_note = \"\"\"\nrevision = 'fake'\n\"\"\"")
    L.append("\ndef upgrade() -> None:" if st.annotated else "\ndef upgrade():")
    L.extend(body)
    L.append("\n")
    L.append("def downgrade() -> None:" if st.annotated else "def downgrade():")
    if rnd.random() < 0.1:
        L.append("    branch_labels = ('fake',)")
    L.append("    pass")
    if rnd.random() < 0.05:
        L.append("\n\ndef _helper(): revision = 'fake_one_line'")
    if late:
        L.append("")
        L.append("# the real values, at the bottom")
        L.extend(late)
    text = "\n".join(L) + "\n"
    if rv.syntax_error == "unterminated":
        text += "\nnote = 'this string never ends\n"
    elif rv.syntax_error == "unbalanced":
        text += "\n_x = (1, 2\n"
    elif rv.syntax_error == "indent":
        text = text.replace("\ndef upgrade", "\n  _oops = 1\ndef upgrade", 1) \
            if "\ndef upgrade" in text else text + "\n  _oops = 1\n"
    elif rv.syntax_error == "bad-token":
        text += "\n_y = 1 $ 2\n"
    return text


def _filename(rnd, rv, taken):
    if rv.filename:
        name = rv.filename
    else:
        r = rnd.random()
        slug = rnd.choice(["initial", "add_users", "merge_heads", "fix", "guest_lockout",
                           "x"])
        if r < 0.6:
            name = "%s_%s.py" % (_safe(rv.id), slug)
        elif r < 0.8:
            name = "%04d_%s.py" % (rnd.randint(0, 9999), slug)
        else:
            name = "%s_%d.py" % (slug, rnd.randint(0, 99999))
    while name in taken or name.startswith("__init__") or name.startswith(".#"):
        name = "x%d_%s" % (rnd.randint(0, 999), name)
    taken.add(name)
    return name


IGNORED = [
    ("__init__.py", "revision = 'init_fake'\ndown_revision = 'ghost_init'\n"),
    ("__init__.py", ""),
    ("__init__backup.py", "revision = 'init_backup'\ndown_revision = 'ghost'\n"),
    (".#0001_initial.py", "revision = 'emacs lock, broken\n"),
    ("notes.txt", "revision = 'txt'\ndown_revision = None\n"),
    ("README", "Generic single-database configuration.\n"),
    ("script.py.mako", "revision = ${repr(up_revision)}\ndown_revision = ${repr(down_revision)}\n"),
    ("old_migration.py.orig", "revision = 'orig'\ndown_revision = 'nothing'\n"),
    ("stale.pyc", "\x00\x01junk"),
    ("migration.py~", "revision = 'backup'\ndown_revision = 'ghost'\n"),
]


def gen_case(rnd, idx):
    """One directory: ({relative path: text}, tags)."""
    revs, tags = plan(rnd, idx)
    files = {}
    taken = set()
    for rv in revs:
        text = render(rnd, rv, idx)
        r = rnd.random()
        if r < 0.04:
            text = text.replace("\n", "\r\n")  # a Windows checkout
            tags.add("crlf")
        elif r < 0.06:
            text = "\ufeff" + text  # a byte order mark
            tags.add("bom")
        elif r < 0.10:
            text = text.rstrip("\n")  # no newline at the end
            tags.add("no-final-newline")
        files[_filename(rnd, rv, taken)] = text
    if rnd.random() < 0.35:
        for name, text in rnd.sample(IGNORED, rnd.randint(1, 3)):
            if name not in files:
                files[name] = text
                tags.add("ignored-files")
    if rnd.random() < 0.1:
        files["__pycache__/0001_initial.cpython-311.pyc"] = "\x00junk"
        files["__pycache__/cached.py"] = "revision = 'in_pycache'\ndown_revision = 'ghost'\n"
        tags.add("pycache")
    if rnd.random() < 0.04:
        files["old/0001_old.py"] = "revision = 'in_subdir'\ndown_revision = 'ghost'\n"
        tags.add("subdir")
    if rnd.random() < 0.25:
        _filesystem(rnd, revs, files, tags)
    if rnd.random() < 0.30:
        _config(rnd, files, tags)
    return files, tags


class Link:
    """A symbolic link to target (relative to the link's directory)."""

    def __init__(self, target):
        self.target = target

    def __repr__(self):
        return "-> %s" % self.target


class Dir:
    """An empty directory."""

    def __repr__(self):
        return "(directory)"


ENV = "!ALEMBIC_CONFIG"  # not a file: the ALEMBIC_CONFIG the case runs with


def _filesystem(rnd, revs, files, tags):
    """Symlinks (to files, to non-.py files, dangling, loops), directories
    named *.py and .pyc files: where Alembic releases differ in what they
    list."""
    py = [k for k, v in files.items() if isinstance(v, str) and k.endswith(".py") and "/" not in k]
    for _ in range(rnd.randint(1, 2)):
        r = rnd.random()
        if r < 0.2 and py:
            # the migration lives outside, under another name; linked in
            name = rnd.choice(py)
            files["../shared/real_%s" % name] = files.pop(name)
            files[name] = Link("../shared/real_%s" % name)
            tags.add("link-to-file")
        elif r < 0.35 and py:
            # linked to a file whose name does not end in .py
            name = rnd.choice(py)
            files["../shared/%s.txt" % name[:-3]] = files.pop(name)
            files[name] = Link("../shared/%s.txt" % name[:-3])
            tags.add("link-to-non-py")
        elif r < 0.45:
            files[rnd.choice(["gone.py", "gone_x"])] = Link(rnd.choice(["nothing.py",
                                                                        "nothing.txt"]))
            tags.add("link-dangling")
        elif r < 0.52:
            name = rnd.choice(["loop.py", "loop"])
            files[name] = Link(name)
            tags.add("link-loop")
        elif r < 0.65 and py:
            # a second name for a file already in the directory
            files["zz_again.py" if rnd.random() < 0.5 else "aa_again.py"] = Link(rnd.choice(py))
            tags.add("link-twice")
        elif r < 0.8:
            files[rnd.choice(["pkg.py", "0001_dir.py"])] = Dir()
            tags.add("dir-named-py")
        else:
            files["stale.pyc"] = "\x00junk"
            files["__pycache__/stale.cpython-311.pyc"] = "\x00junk"
            tags.add("pyc")


def _config(rnd, files, tags):
    """An alembic.ini, a pyproject.toml [tool.alembic], both, or an ini that
    ALEMBIC_CONFIG names; recursion written every way people write it. The
    versions folder is ./versions (script_location . and its default)."""
    rec = rnd.choice([None, "true", "True", "yes", "1", "false"])
    trec = rnd.choice([None, "true", "false", '"true"', '"false"'])
    mode = rnd.choice(["ini", "pyproject", "both", "both", "env"])
    tags.add("cfg-" + mode)
    if rec or trec:
        # something only recursion finds
        files["sub/zz_in_sub.py"] = ("revision = 'in_sub'\ndown_revision = %s\n"
                                     % rnd.choice(["None", "'ghost_sub'"]))
        tags.add("recursion")
    ini = "[alembic]\nscript_location = %s\n" % ("%(here)s/.." if mode == "env" else ".")
    if rec:
        ini += "recursive_version_locations = %s\n" % rec
    toml = '[tool.alembic]\nscript_location = "%(here)s"\n'
    if trec:
        toml += "recursive_version_locations = %s\n" % trec
    if mode == "ini":
        files["../alembic.ini"] = ini
    elif mode == "pyproject":
        files["../pyproject.toml"] = toml
    elif mode == "both":
        # the ini gives the location, the TOML may give the recursion
        files["../alembic.ini"] = ini
        files["../pyproject.toml"] = toml
    else:
        files["../conf/alembic.ini"] = ini
        files[ENV] = "conf/alembic.ini"


def write_case(versions, files):
    for rel, v in sorted(files.items(), key=lambda kv: isinstance(kv[1], Link)):
        if rel == ENV:
            continue
        path = os.path.join(versions, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if isinstance(v, Link):
            os.symlink(v.target, path)
        elif isinstance(v, Dir):
            os.makedirs(path, exist_ok=True)
        else:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(v)


if __name__ == "__main__":
    import sys
    seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
    rnd = random.Random(seed)
    files, tags = gen_case(rnd, 0)
    print("tags:", sorted(tags))
    for k, v in files.items():
        print("==== %s\n%s" % (k, v))
