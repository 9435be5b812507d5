import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "groundswell.settings")

from groundswell.core.edge import Admission, MicroCache

# A cached page skips admission; everything else queues for a slot (core/edge.py).
application = MicroCache(Admission(get_wsgi_application()))
