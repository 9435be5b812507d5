"""The letters app's pages. Each section below owns the paths it declares."""

app_name = "letters"

urlpatterns: list = []

# --- Write to your official (groundswell/letters/writing/) ---
from django.urls import include, path  # noqa: E402

urlpatterns += [path("write/", include("groundswell.letters.writing.urls"))]
