"""The background worker (django-q2) brings the search index up to date every two
minutes: ``search.tasks.refresh_index`` (and after every write: search.indexing.schedule_refresh)."""

from django.db import migrations
from django.utils import timezone

NAME = "search.refresh_index"
FUNC = "search.tasks.refresh_index"


def create(apps, schema_editor):
    Schedule = apps.get_model("django_q", "Schedule")
    if Schedule.objects.filter(name=NAME).exists():
        return
    Schedule.objects.create(name=NAME, func=FUNC, schedule_type="I", minutes=2, repeats=-1,
                            next_run=timezone.now())


def remove(apps, schema_editor):
    apps.get_model("django_q", "Schedule").objects.filter(name=NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("search", "0002_fulltext"),
        ("django_q", "0019_alter_task_options_alter_ormq_key_alter_ormq_lock_and_more"),
    ]

    operations = [migrations.RunPython(create, remove)]
