"""Quiet on healthy projects: every project of the corpus, linted with its
own configuration and `--target heads`, gets no error and at most one
warning per 100 migration files across the set. Each remaining warning is
printed with its file, so a reader can judge whether a maintainer would want
it.

A project's own configuration is its alembic.ini where it has one (run from
the directory its script_location is relative to, as its maintainers run
Alembic), with --versions from MANIFEST.tsv's versions_path when the ini
names no location (Flask-Migrate layouts: the Flask app passes the
directory); else --versions from versions_path. `recursive` = yes adds
--recursive.
"""
import configparser
import csv
import glob
import json
import os
import subprocess
import unittest

from run import ROOT, corpora_dir

BIN = os.environ.get("AG_BIN") or os.path.join(ROOT, "build", "alembic-guard")

# Projects that need more than their files say, and why.
DEFINES = {
    # branch_labels = (constants.EXPAND_BRANCH,) from neutron_lib, which
    # neutron-db-manage imports; the values are neutron_lib's.
    "neutron-fwaas": ["constants.EXPAND_BRANCH=expand", "constants.CONTRACT_BRANCH=contract"],
}
SECTIONS = {
    # The second Alembic environment of onyx's backend/alembic.ini.
    "onyx-tenants": "schema_private",
}
# Warnings per 100 migration files the whole set may carry.
BUDGET = 1.0


def invocation(corpora, row):
    """(argv after the binary, cwd) linting one project as its maintainers
    configure it."""
    name = row["name"]
    folder = os.path.join(corpora, name)
    section = SECTIONS.get(name, "alembic")
    args = ["lint", "--target", "heads", "--format", "json"]
    if name in SECTIONS:
        args += ["-n", section]
    cwd = folder
    location = None
    inis = sorted(glob.glob(os.path.join(folder, "**", "alembic.ini"), recursive=True))
    if inis:
        ini = inis[0]
        cp = configparser.ConfigParser(interpolation=None)
        cp.read(ini)
        location = cp.get(section, "script_location", fallback=None)
        cwd = os.path.dirname(ini)
        if location and "%(here)s" not in location and not os.path.isabs(location):
            # Relative to where Alembic runs: the nearest directory from
            # the ini up to the project's top that has it.
            while not os.path.isdir(os.path.join(cwd, location)) and cwd != folder:
                cwd = os.path.dirname(cwd)
        args += ["-c", os.path.relpath(ini, cwd)]
    if not location:
        for v in row["versions_path"].split():
            args += ["--versions", os.path.relpath(os.path.join(folder, v), cwd)]
    if row["recursive"] == "yes":
        args.append("--recursive")
    for d in DEFINES.get(name, []):
        args += ["--define", d]
    return args, cwd


class TestQuiet(unittest.TestCase):
    def test_healthy_projects_are_quiet(self):
        corpora = corpora_dir()
        with open(os.path.join(corpora, "MANIFEST.tsv"), newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        self.assertGreaterEqual(len(rows), 20)
        files = 0
        errors, warnings = [], []
        for row in rows:
            args, cwd = invocation(corpora, row)
            r = subprocess.run([BIN, *args], cwd=cwd, capture_output=True, text=True,
                               timeout=120, env=dict(os.environ, NO_COLOR="1"))
            self.assertTrue(r.stdout.strip(), "%s: no report (%s): %s" % (row["name"], " ".join(args),
                                                                         r.stderr))
            doc = json.loads(r.stdout)
            self.assertNotEqual(doc["verdict"], "error",
                                "%s: %s (%s)" % (row["name"], doc.get("error"), " ".join(args)))
            # The guard read the project: as many revisions as Alembic.
            self.assertEqual(doc["repository"]["revision_count"], int(row["revision_count"]),
                             row["name"])
            files += int(row["file_count"])
            for f in doc["findings"]:
                where = "%s: %s:%s" % (row["name"], f.get("file") or "-", f.get("line") or "-")
                line = "%s: %s %s: %s" % (where, f["severity"], f["code"], f["message"])
                if f["severity"] == "error":
                    errors.append(line)
                elif f["severity"] == "warning":
                    warnings.append(line)
        print("\n%d projects, %d migration files, %d errors, %d warnings (%.2f per 100 files)"
              % (len(rows), files, len(errors), len(warnings), 100.0 * len(warnings) / files))
        for line in errors + warnings:
            print("  " + line)
        self.assertEqual(errors, [], "errors on healthy projects")
        self.assertLessEqual(len(warnings), files * BUDGET / 100.0,
                             "%d warnings over %d files" % (len(warnings), files))


if __name__ == "__main__":
    unittest.main()
