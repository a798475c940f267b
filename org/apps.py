from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "org"
    verbose_name = "组织机构"

    def ready(self):
        from . import checks  # noqa: F401  (registers the demo-password check, org.E001)
