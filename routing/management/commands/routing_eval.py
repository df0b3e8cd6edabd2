"""`python manage.py routing_eval`: train a fresh classifier on a file of labelled messages and score it.

    routing_eval --train TRAIN --test TEST [--categories LIST]      one train/test run
    routing_eval --xlsx FILE --fixed-split [--categories LIST]      the complaints set's fixed split
    routing_eval --xlsx FILE --cv 5 [--categories LIST]             k-fold cross-validation on the whole file
    routing_eval --split-from FILE [--out DIR]                      write train.csv and test.csv of the split

TRAIN, TEST and FILE are .xlsx in the layout of the complaints set (附件2.xlsx) or .csv with `text,label`
(optional `title`, `id`). LIST is a category list: .xlsx with 一级/二级/三级 columns (附件1.xlsx, the layout
the category importer reads) or .csv with `label,text`; its sub-category names become label documents.
Prints one JSON object. Nothing is read from or written to the database.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from routing import evaluation


class Command(BaseCommand):
    help = "Train a fresh routing classifier on labelled messages and print its figures as one JSON object."

    def add_arguments(self, parser):
        parser.add_argument("--train", help="training messages (.xlsx or .csv)")
        parser.add_argument("--test", help="test messages (.xlsx or .csv)")
        parser.add_argument("--xlsx", help="one file of messages, split by --fixed-split or --cv")
        parser.add_argument("--fixed-split", action="store_true", help="the complaints set's fixed split")
        parser.add_argument("--cv", type=int, default=0, help="k-fold cross-validation on the whole --xlsx file")
        parser.add_argument("--seed", type=int, default=0, help="shuffling seed of the cross-validation")
        parser.add_argument("--split-from", help="write the fixed split of this file as train.csv and test.csv")
        parser.add_argument("--out", help="folder for --split-from (default: a new temporary folder)")
        parser.add_argument("--categories", help="category list whose names become label documents")

    def handle(self, *args, **opts):
        try:
            result = self._run(opts)
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(json.dumps(result, ensure_ascii=False))

    def _run(self, opts) -> dict:
        if opts["split_from"]:
            messages = evaluation.read_messages(opts["split_from"])
            train, test = evaluation.fixed_split(messages)
            out = Path(opts["out"] or tempfile.mkdtemp(prefix="routing-split-"))
            out.mkdir(parents=True, exist_ok=True)
            evaluation.write_csv(train, out / "train.csv")
            evaluation.write_csv(test, out / "test.csv")
            return {"train": str(out / "train.csv"), "test": str(out / "test.csv"),
                    "n_train": len(train), "n_test": len(test)}
        label_docs = evaluation.read_label_docs(opts["categories"]) if opts["categories"] else None
        if opts["xlsx"]:
            messages = evaluation.read_messages(opts["xlsx"])
            if opts["cv"]:
                if opts["cv"] < 2:
                    raise CommandError("--cv needs at least 2 folds")
                return evaluation.cross_validate(messages, folds=opts["cv"], seed=opts["seed"], label_docs=label_docs)
            if not opts["fixed_split"]:
                raise CommandError("--xlsx needs --fixed-split or --cv K")
            train, test = evaluation.fixed_split(messages)
            return evaluation.evaluate(train, test, label_docs=label_docs)
        if not (opts["train"] and opts["test"]):
            raise CommandError("give --train and --test, or --xlsx with --fixed-split or --cv, or --split-from")
        train = evaluation.read_messages(opts["train"])
        test = evaluation.read_messages(opts["test"])
        if not train or not test:
            raise CommandError("no labelled messages in the training or the test file")
        return evaluation.evaluate(train, test, label_docs=label_docs)
