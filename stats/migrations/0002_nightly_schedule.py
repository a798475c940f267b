"""The nightly recomputation of the monthly statistics, as a django-q2 schedule."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import migrations
from django.utils import timezone

NAME = "stats.compute_recent"
FUNC = "stats.tasks.compute_recent"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if Schedule.objects.filter(name=NAME).exists():
        return
    shanghai = ZoneInfo("Asia/Shanghai")
    today = timezone.now().astimezone(shanghai).date()
    # 01:30 local, when nobody is working: the first run is the coming night.
    first = datetime.combine(today + timedelta(days=1), time(1, 30), tzinfo=shanghai)
    Schedule.objects.create(name=NAME, func=FUNC, schedule_type="D", repeats=-1, next_run=first)


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("stats", "0001_monthly_stats"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
