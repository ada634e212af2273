"""The corpus itself is what its README says: every folder of MANIFEST.tsv
exists with both truth files, so the stages after this one judge real data."""
import csv
import json
import os
import unittest

from run import corpora_dir


class TestManifest(unittest.TestCase):
    def test_every_folder_has_its_truths(self):
        d = corpora_dir()
        with open(os.path.join(d, "MANIFEST.tsv"), newline="") as f:
            rows = list(csv.DictReader(f, delimiter="\t"))
        self.assertGreaterEqual(len(rows), 20)
        for row in rows:
            folder = os.path.join(d, row["name"])
            for v in ("1.8.1", "1.18.4"):
                p = os.path.join(folder, "TRUTH-alembic-%s.json" % v)
                with open(p) as f:
                    truth = json.load(f)
                self.assertIsInstance(truth, dict, p)
