"""`python manage.py routing_train`: train a new classifier version on the deployment's confirmed cases.

    routing_train                    train on closed (and person-classified) cases, activate the new version
    routing_train --no-activate      train and keep the current version active
    routing_train --min-cases 30     confirmed cases a category needs to be learned (default: settings)
    routing_train --activate VERSION make an earlier version active again (roll back)
    routing_train --list             list the versions

Serving processes pick the new active version up within GONGZHI_ROUTING_RELOAD_SECONDS, without a
restart. With too little history the keyword model stays in use and the command says so.
"""

from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError

from routing.models import RoutingModel
from routing.selectors import routing_models
from routing.services import TooLittleHistory, routing_activate, routing_train


class Command(BaseCommand):
    help = "Train a new routing classifier on confirmed cases (or activate / list versions)."

    def add_arguments(self, parser):
        parser.add_argument("--min-cases", type=int, default=None, help="confirmed cases a category needs")
        parser.add_argument("--no-activate", action="store_true", help="keep the current version active")
        parser.add_argument("--activate", metavar="VERSION", help="make this existing version active")
        parser.add_argument("--list", action="store_true", help="list the trained versions")

    def handle(self, *args, **opts):
        if opts["list"]:
            for row in routing_models():
                metrics = row.metrics or {}
                self.stdout.write(
                    f"{'*' if row.active else ' '} {row.version}  n_train={row.n_train}  labels={len(row.labels)}"
                    f"  macro_f1={metrics.get('macro_f1')}  top3={metrics.get('top3_accuracy')}  {row.path}"
                )
            return
        if opts["activate"]:
            row = RoutingModel.objects.filter(version=opts["activate"]).first()
            if row is None:
                raise CommandError(f"no routing model version {opts['activate']}")
            routing_activate(actor=None, model=row)
            self.stdout.write(f"active version: {row.version}")
            return
        if opts["min_cases"] is not None and opts["min_cases"] < 1:
            raise CommandError("--min-cases must be at least 1")
        try:
            row = routing_train(actor=None, min_cases=opts["min_cases"], activate=not opts["no_activate"])
        except TooLittleHistory as exc:
            self.stdout.write(str(exc))
            return
        self.stdout.write(json.dumps({
            "version": row.version, "active": row.active, "n_train": row.n_train, "labels": len(row.labels),
            "train_seconds": row.train_seconds, "size_bytes": row.size_bytes, "path": row.path,
            "metrics": {key: row.metrics.get(key) for key in ("macro_f1", "accuracy", "top3_accuracy", "temperature")},
            "left_out": row.metrics.get("left_out", {}),
        }, ensure_ascii=False))
