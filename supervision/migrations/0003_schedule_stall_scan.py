"""The background worker (django-q2) runs the stall scan (停滞督促) every hour: an item
without a progress report for its interval of working days is flagged and escalated once."""

from datetime import timedelta

from django.db import migrations
from django.utils import timezone

NAME = "supervision.scan_stalled"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if Schedule.objects.filter(name=NAME).exists():
        return
    now = timezone.now()
    Schedule.objects.create(name=NAME, func="supervision.tasks.scan_stalled", schedule_type="H", repeats=-1,
                            next_run=now.replace(minute=5, second=0, microsecond=0) + timedelta(hours=1))


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("supervision", "0002_events"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
