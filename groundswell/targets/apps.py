from django.apps import AppConfig


class TargetsConfig(AppConfig):
    name = "groundswell.targets"
    label = "targets"
