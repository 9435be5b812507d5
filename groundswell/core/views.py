from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from groundswell.petitions.models import Petition


def home(request):
    petitions = (
        Petition.objects.public()
        .petitions()
        .select_related("organisation")
        .with_targets()
        .order_by("status", "-published_at")[:20]
    )
    return render(request, "core/home.html", {"petitions": petitions})


@never_cache
def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
