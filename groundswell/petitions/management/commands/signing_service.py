"""Run the signing service: the one writer of every web process's signatures.

``bin/serve`` starts it beside the web server, restarts it if it dies, and points the web
processes at its socket (``SIGN_WRITER_SOCKET``). petitions/service.py says why.
"""

import signal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from groundswell.core.edge import warm_up_services
from groundswell.petitions.service import SigningService


class Command(BaseCommand):
    help = "Write the signatures and confirmations of every web process, in batches."

    def handle(self, *args, **options):
        path = settings.SIGN_WRITER_SOCKET
        if not path:
            raise CommandError("Set SIGN_WRITER_SOCKET to the path of the service's socket.")
        service = SigningService(path)
        warm_up_services()  # its first batch must not import redis-py while signers wait
        service.bind()
        signal.signal(signal.SIGTERM, lambda *_: service.stop())
        signal.signal(signal.SIGINT, lambda *_: service.stop())
        self.stdout.write(f"The signing service is at {path}")
        service.serve_forever()
