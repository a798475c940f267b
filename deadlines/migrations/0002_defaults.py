"""Seed the working calendar from chinesecalendar, the default working hours and reminder
policy, and the time limits of RULES.md §6."""

from django.db import migrations


def forwards(apps, schema_editor):
    from deadlines import defaults

    defaults.seed_calendar(apps.get_model("deadlines", "CalendarYear"), apps.get_model("deadlines", "CalendarDay"))
    defaults.install(apps.get_model("deadlines", "TimeLimitRule"))
    apps.get_model("deadlines", "WorkingHours").objects.get_or_create(agency=None)
    apps.get_model("deadlines", "ReminderPolicy").objects.get_or_create(agency=None)


class Migration(migrations.Migration):
    dependencies = [("deadlines", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
