from django.db import migrations


def install(apps, schema_editor):
    from flow.defaults import install as install_defaults

    install_defaults(apps.get_model("flow", "ProcessTemplate"), apps.get_model("flow", "NodeDefinition"))


class Migration(migrations.Migration):
    dependencies = [("flow", "0001_initial")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
