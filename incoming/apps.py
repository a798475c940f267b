from django.apps import AppConfig


class IncomingConfig(AppConfig):
    name = "incoming"
    verbose_name = "收文"
