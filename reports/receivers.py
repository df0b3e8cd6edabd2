"""Keeps the daily rollups in step with the case records, inside the transaction that changes them."""

from __future__ import annotations

from django.db.models.signals import post_save
from django.dispatch import receiver

from cases.models import Case
from cases.signals import case_written

from .services import rollup_refresh_case


@receiver(case_written, sender=Case, dispatch_uid="reports_rollup_case_written")
def refresh_after_case_service(sender, case_id: int, action: str, **kwargs) -> None:
    """Every case service call: recount the rollup cells of the case it moved."""
    rollup_refresh_case(case_id)


@receiver(post_save, sender=Case, dispatch_uid="reports_rollup_case_archived")
def refresh_after_archiving(sender, instance: Case, update_fields=None, **kwargs) -> None:
    """Archiving a case (core.services) takes it out of every figure."""
    if update_fields and "archived_at" in update_fields:
        rollup_refresh_case(instance.pk)
