"""The documentation against the binary and the code: every command and
option in `alembic-guard --help` and `alembic-guard COMMAND --help` is in the
man page and in docs/commands.md (in that command's section), and every
option they document exists; every finding code the code can emit is in
docs/findings.md, and every code there exists; the man page is clean under
groff's warnings; the README stays short and names the two commands."""
import glob
import os
import re
import shutil
import subprocess
import unittest

import harness

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
MAN = os.path.join(ROOT, "alembic-guard.1")
COMMANDS_MD = os.path.join(ROOT, "docs", "commands.md")
FINDINGS_MD = os.path.join(ROOT, "docs", "findings.md")
README = os.path.join(ROOT, "README.md")

GLOBAL = "(global)"
OPTION = re.compile(r"(?<![\w-])(--?[A-Za-z][A-Za-z0-9-]*)")


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def help_text(*args):
    r = harness.run_guard(*args, "--help")
    assert r.returncode == 0, "alembic-guard %s --help: exit %d: %s" % (
        " ".join(args), r.returncode, r.stderr)
    return r.stdout


def option_names(text):
    """The option names of --help text: lines whose first non-blank character
    is '-'; the names are in the part before the description (two blanks)."""
    names = set()
    for line in text.splitlines():
        s = line.strip()
        if not s.startswith("-"):
            continue
        head = re.split(r"\s{2,}", s, maxsplit=1)[0]
        names.update(OPTION.findall(head))
    return names


def commands_of(top):
    """The commands the top-level help lists: `  name   summary` lines."""
    return sorted(m.group(1) for m in re.finditer(r"(?m)^  ([a-z][a-z-]*)\s{2,}\S", top))


def help_options():
    """{command: options of its --help}, the global ones under GLOBAL."""
    top = help_text()
    cmds = commands_of(top)
    out = {}
    glob_opts = None
    for c in cmds:
        text = help_text(c)
        own, _, glob_part = text.partition("Global options")
        out[c] = option_names(own)
        g = option_names(glob_part)
        glob_opts = g if glob_opts is None else glob_opts & g
    out[GLOBAL] = (glob_opts or set()) | option_names(top)
    # `--version` before any command is in the top-level help's text.
    if "--version" in top:
        out[GLOBAL].add("--version")
    return top, cmds, out


def unroff(line):
    line = re.sub(r"\\f[BIRP]|\\f\(..|\\&|\\\(em", "", line)
    return line.replace("\\-", "-").replace('"', " ")


def man_sections():
    """{command: options of its .SS section under COMMANDS}, the GLOBAL
    OPTIONS section under GLOBAL; options are the .TP item lines."""
    out, cur, sect, take = {}, None, None, False
    for line in read(MAN).splitlines():
        if line.startswith(".SH"):
            sect = unroff(line[3:]).strip()
            cur = GLOBAL if sect == "GLOBAL OPTIONS" else None
            if cur:
                out.setdefault(cur, set())
            continue
        if line.startswith(".SS") and sect == "COMMANDS":
            cur = unroff(line[3:]).strip().split()[0]
            out.setdefault(cur, set())
            continue
        if line.startswith(".TP"):
            take = True
            continue
        if take:
            take = False
            if cur:
                out[cur].update(OPTION.findall(unroff(line)))
    return out


def md_sections():
    """{command: options in the first column of its section's table};
    sections are `## `name`` headings, `## Global options` is GLOBAL."""
    out, cur = {}, None
    for line in read(COMMANDS_MD).splitlines():
        m = re.match(r"^## (.*)$", line)
        if m:
            title = m.group(1).strip()
            c = re.match(r"^`([a-z][a-z-]*)`$", title)
            cur = c.group(1) if c else GLOBAL if title == "Global options" else None
            if cur:
                out.setdefault(cur, set())
            continue
        if cur and line.startswith("| `"):
            first = line.split(" | ")[0]
            for code in re.findall(r"`([^`]*)`", first):
                out[cur].update(OPTION.findall(code))
    return out


def emitted_codes():
    """Finding codes in lib/ and cmd/: the third argument of every
    ag_findings_add call (a string literal), and `.code = "..."` entries of a
    codes table if there is one."""
    codes, not_literal = set(), []
    for path in sorted(glob.glob(os.path.join(ROOT, "lib", "*.c")) +
                       glob.glob(os.path.join(ROOT, "cmd", "*.c"))):
        src = read(path)
        for m in re.finditer(r"\bag_findings_add\s*\(", src):
            args, depth, i, cur, in_str = [], 1, m.end(), "", False
            while depth and i < len(src):
                ch = src[i]
                if in_str:
                    cur += ch
                    if ch == "\\":
                        cur += src[i + 1]
                        i += 1
                    elif ch == '"':
                        in_str = False
                elif ch == '"':
                    in_str, cur = True, cur + ch
                elif ch in "([{":
                    depth, cur = depth + 1, cur + ch
                elif ch in ")]}":
                    depth -= 1
                    cur += ch if depth else ""
                elif ch == "," and depth == 1:
                    args.append(cur.strip())
                    cur = ""
                else:
                    cur += ch
                i += 1
            args.append(cur.strip())
            if len(args) < 3:
                continue  # the declaration's own parameter list
            lit = re.fullmatch(r'"([a-z0-9-]+)"', args[2])
            if lit:
                codes.add(lit.group(1))
            else:
                not_literal.append((os.path.relpath(path, ROOT), args[2]))
        codes.update(re.findall(r'\.code\s*=\s*"([a-z0-9-]+)"', src))
    return codes, not_literal


class Docs(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.top, cls.cmds, cls.help = help_options()

    def test_help_lists_commands_and_options(self):
        # The parse itself must find something, or every check below is empty.
        self.assertGreaterEqual(len(self.cmds), 11, self.top)
        for c in ("init", "check", "release", "lint", "backfill"):
            self.assertIn(c, self.cmds)
        self.assertIn("--on-ahead", self.help["release"])
        self.assertIn("--write", self.help["init"])
        self.assertIn("--config", self.help[GLOBAL])

    def check_both_ways(self, documented, where):
        for c in self.cmds + [GLOBAL]:
            self.assertIn(c, documented, "%s has no section for %s" % (where, c))
            missing = self.help[c] - documented[c]
            self.assertFalse(missing, "%s, %s: not documented: %s" % (where, c, sorted(missing)))
            extra = documented[c] - self.help[c]
            if c != GLOBAL:
                extra -= self.help[GLOBAL]  # a global option named again is fine
            self.assertFalse(extra, "%s, %s: documented but not in --help: %s" % (
                where, c, sorted(extra)))
        stray = set(documented) - set(self.cmds) - {GLOBAL}
        self.assertFalse(stray, "%s documents commands --help lacks: %s" % (where, sorted(stray)))

    def test_man_page_matches_help(self):
        self.check_both_ways(man_sections(), "alembic-guard.1")

    def test_commands_md_matches_help(self):
        self.check_both_ways(md_sections(), "docs/commands.md")

    def test_command_lists_name_every_command(self):
        md, man = read(COMMANDS_MD), read(MAN)
        for c in self.cmds:
            self.assertRegex(md, r"\| `%s[ `]" % re.escape(c), "docs/commands.md's table lacks " + c)
            self.assertIn(".SS %s\n" % c.replace("-", "\\-"), man)

    def test_man_page_is_clean(self):
        groff = shutil.which("groff")
        self.assertIsNotNone(groff, "groff is missing: apt-get install groff-base (tests/deps.sh)")
        r = subprocess.run([groff, "-man", "-ww", "-z", MAN], capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C.UTF-8"))
        self.assertEqual((r.returncode, r.stderr), (0, ""))
        # An error in the markup can also show as a stray request in the text.
        r = subprocess.run([groff, "-man", "-Tutf8", MAN], capture_output=True, text=True,
                           env=dict(os.environ, LC_ALL="C.UTF-8"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("alembic-guard init", r.stdout.replace("\u2010", "-"))
        self.assertNotRegex(r.stdout, r"(?m)^\s*\.[A-Z]{2}\b")

    def test_findings_md_matches_the_code(self):
        codes, not_literal = emitted_codes()
        # Copies of findings (f->code) and the definition itself aside, a code
        # that is not a literal would be invisible here: name it in a table.
        hidden = [a for a in not_literal if a[1] != "f->code" and not a[1].startswith("const char")]
        self.assertFalse(hidden, "finding codes this test cannot see (not literals): %s" % hidden)
        self.assertGreaterEqual(len(codes), 30, sorted(codes))
        for c in ("cycle", "unknown-db-revision", "uuid-type-mismatch", "repair-refused"):
            self.assertIn(c, codes)
        doc = read(FINDINGS_MD)
        documented = set(re.findall(r"(?m)^\| `([a-z0-9-]+)` \|", doc))
        self.assertFalse(codes - documented, "not in docs/findings.md: %s" % sorted(codes - documented))
        self.assertFalse(documented - codes,
                         "docs/findings.md documents codes the code never emits: %s"
                         % sorted(documented - codes))

    def test_readme_is_short_and_names_the_two_commands(self):
        text = read(README)
        self.assertLess(len(text.splitlines()), 250)
        self.assertIn("make demo", text)
        self.assertIn("make test", text)
        # The first screen is for a user: the buildpack and the Procfile line
        # come before the development commands.
        self.assertLess(text.index("heroku buildpacks:add"), text.index("make demo"))
        self.assertLess(text.index("release: bin/alembic-guard release"), text.index("make test"))
        # Every docs/ file it links to exists.
        for link in re.findall(r"\]\((docs/[^)#]+)", text):
            self.assertTrue(os.path.exists(os.path.join(ROOT, link)), link)


if __name__ == "__main__":
    unittest.main()
