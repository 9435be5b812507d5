from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "groundswell.core"
    label = "core"

    def ready(self) -> None:
        from groundswell.core import checks  # noqa: F401  (registers the checks)
