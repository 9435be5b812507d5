import logging
import os
from pathlib import Path

from django.apps import AppConfig

log = logging.getLogger(__name__)


class CoreConfig(AppConfig):
    name = "groundswell.core"
    label = "core"

    def ready(self) -> None:
        from groundswell.core import checks  # noqa: F401  (registers the checks)

        say_started()


def say_started() -> None:
    """Create ``GROUNDSWELL_STARTED_FILE``, if set and not there yet: bin/serve starts the web
    server once each background process it starts has loaded Django (each about a second of
    CPU), so that their starts are not taken out of a surge's first seconds. Under DEBUG's
    autoreloader Django loads twice; the file says when it first had."""
    path = os.environ.get("GROUNDSWELL_STARTED_FILE")
    if path:
        try:
            Path(path).touch(exist_ok=False)
        except FileExistsError:
            pass
        except OSError:
            log.warning("could not say this process has started: %s", path)
