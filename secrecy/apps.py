from django.apps import AppConfig


class SecrecyConfig(AppConfig):
    name = "secrecy"
    verbose_name = "密件管理"
