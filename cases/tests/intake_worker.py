"""A separate process that takes in one case with a phone photo, for `test_killed_worker.py`.

    python -m cases.tests.intake_worker hold|complete IDEMPOTENCY_KEY REGION_CODE

(`DATABASE_URL` and `GONGZHI_MEDIA_ROOT` come from the test.) With `hold` it stops inside the intake's
transaction, once the case, its event, reporter, audit row and photo row are written and nothing is
committed, prints {"inside": case id, "attachments": n} and waits to be killed. With `complete` it takes
the case in and prints {"case": id, "created": bool}.
"""

from __future__ import annotations

import json
import os
import sys
import threading

import django

# How long a held worker waits before giving up by itself, should the test never kill it.
HOLD_SECONDS = 120


def main(mode: str, key: str, region: str) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")
    django.setup()

    from django.core.files.uploadedfile import SimpleUploadedFile

    from accounts.models import User
    from cases import services
    from cases.models import Channel, Kind
    from cases.services import intake
    from cases.tests.images import phone_jpeg

    if mode == "hold":
        store = intake._store_photos

        def store_then_hold(case, photos, **kwargs):
            # The intake's last write before its commit: stop here, inside the transaction.
            stored = store(case, photos, **kwargs)
            print(json.dumps({"inside": case.pk, "attachments": len(stored)}), flush=True)
            threading.Event().wait(HOLD_SECONDS)
            os._exit(3)

        intake._store_photos = store_then_hold

    case, created = services.case_submit(
        actor=User.objects.get(username="community"), channel=Channel.OPINION_WINDOW, kind=Kind.PROBLEM,
        title="井盖缺失", description="东街3号楼前的井盖丢了", region=region, contact_name="张大爷",
        contact_phone="13912345678", idempotency_key=key,
        photos=[SimpleUploadedFile("IMG_0001.jpg", phone_jpeg(), content_type="image/jpeg")],
    )
    print(json.dumps({"case": case.pk, "created": created}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
