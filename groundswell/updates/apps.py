from django.apps import AppConfig


class UpdatesConfig(AppConfig):
    name = "groundswell.updates"
    label = "updates"
