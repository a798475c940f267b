from django.db import migrations


def install(apps, schema_editor):
    from flow.defaults import install as install_defaults

    install_defaults(apps.get_model("flow", "ProcessTemplate"), apps.get_model("flow", "NodeDefinition"))


class Migration(migrations.Migration):
    dependencies = [("flow", "0006_alter_activation_node_kind_alter_historyevent_action_and_more"),
                    ("documents", "0004_document_body_blocks_document_body_mode_and_more")]
    operations = [migrations.RunPython(install, migrations.RunPython.noop)]
