import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")
django_application = get_wsgi_application()

from groundswell.core.accesslog import AccessLog  # noqa: E402 (reads the URLconf)
from groundswell.core.edge import Admission, MicroCache, ResponseHeaders, warm_up  # noqa: E402 (needs the settings)
from groundswell.letters.writing.fastpath import FastWrite  # noqa: E402 (needs the apps)
from groundswell.petitions.fastpath import FastConfirm, FastSign  # noqa: E402 (needs the apps)

# Outside in: the access log (ACCESS_LOG), secrets in paths redacted; a shared copy of a
# public page, kept with the headers every answer carries (so that a copy is replayed as
# it is); those headers; a plain signature, a confirmation link or a supporter's letters,
# recorded in a batch; everything else queues for one of this process's slots in Django
# (docs/signing.md, "Serving").
application = AccessLog(
    MicroCache(ResponseHeaders(FastSign(FastConfirm(FastWrite(Admission(django_application))))))
)
warm_up()  # before the server hands this process its first visitor
