"""Signals other apps listen to; sent only after the transaction that wrote the change has committed.

`case_changed(sender=Case, case_id, action, event_ids)`: one call per service call that changed a case;
an intake (`action="submit"`) also passes the new `case` (with its region, category and creator), which
receivers use instead of reading it back.
Notifications (staff inbox, SMS to reporters) and caches hook in here, so a rolled-back move never
notifies anyone and the services stay free of delivery concerns.
"""

from django.dispatch import Signal

case_changed = Signal()

# `case_written(sender=Case, case_id, action)`: sent at the end of every service call that moved a case,
# inside its transaction, for stored figures that must change together with the records (rollups).
case_written = Signal()
