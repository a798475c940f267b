"""The background worker (django-q2) runs the reminder scan (催办, 逾期督促) every five
minutes: ``deadlines.tasks.scan_deadlines``."""

from django.db import migrations
from django.utils import timezone

NAME = "deadlines.scan_deadlines"
FUNC = "deadlines.tasks.scan_deadlines"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if Schedule.objects.filter(name=NAME).exists():
        return
    Schedule.objects.create(name=NAME, func=FUNC, schedule_type="I", minutes=5, repeats=-1,
                            next_run=timezone.now())


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("deadlines", "0002_defaults"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
