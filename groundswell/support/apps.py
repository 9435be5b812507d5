from django.apps import AppConfig


class SupportConfig(AppConfig):
    name = "groundswell.support"
    label = "support"
