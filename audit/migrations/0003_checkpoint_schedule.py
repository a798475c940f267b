"""The background worker (django-q2) writes a signed checkpoint of the audit chain outside
the database (``audit.tasks.scheduled_checkpoint``). The schedule looks every five minutes;
the function writes when ``AUDIT_CHECKPOINT_MINUTES`` (default 60) have passed."""

from django.db import migrations
from django.utils import timezone

NAME = "audit.scheduled_checkpoint"
FUNC = "audit.tasks.scheduled_checkpoint"


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
        ("audit", "0002_audit_head"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
