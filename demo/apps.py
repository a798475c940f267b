from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "demo"
    verbose_name = "演示机关"

    def ready(self):
        # org's check for the published demo password (org/checks.py) looks at the demo's own
        # login names too; org does not import the demo, so the demo hands them over.
        from org import security

        from .office import ADMINS, PEOPLE

        security.DEMO_LOGINS.update(spec.username for spec in [*PEOPLE, *ADMINS])
