"""Consent (征得同意权) taken over from `gradings` (whose 0003 renamed its table to tasks_consent): state only."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("organisations", "0003_person_minor_reveal_permission"),
        ("tasks", "0004_dispatchedteam_teamassignment_teammember_and_more"),
        ("gradings", "0003_move_consent_to_tasks"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Consent",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("consented", models.BooleanField(verbose_name="同意")),
                        ("decided_on", models.DateField(verbose_name="决定日期")),
                        ("signatories", models.CharField(max_length=300, verbose_name="签字人")),
                        ("reasons", models.TextField(verbose_name="理由")),
                        ("recorded_at", models.DateTimeField(default=django.utils.timezone.now,
                                                             verbose_name="登记时间")),
                        ("candidate", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                        related_name="consents", to="organisations.person",
                                                        verbose_name="拟任人选")),
                        ("recorded_by", models.ForeignKey(blank=True, null=True,
                                                          on_delete=django.db.models.deletion.PROTECT,
                                                          related_name="+", to=settings.AUTH_USER_MODEL,
                                                          verbose_name="登记人")),
                        ("team", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT,
                                                   related_name="consents", to="tasks.dispatchedteam",
                                                   verbose_name="下沉力量")),
                    ],
                    options={
                        "verbose_name": "征得同意",
                        "verbose_name_plural": "征得同意",
                        "ordering": ["-decided_on", "-id"],
                    },
                ),
            ],
        ),
    ]
