"""The letters app's pages. Each section below owns the paths it declares."""

from django.urls import include, path

from groundswell.letters import views

app_name = "letters"

# Open letters and requests logs (docs/letters.md). A letter's slug is a petition's
# (petitions.models.RESERVED_SLUGS keeps "new", "logs" and "cosigners" free).
urlpatterns: list = [
    path("letters/", views.index, name="index"),
    path("letters/new/", views.new, name="new"),
    path("letters/cosigners/confirm/<str:token>/", views.confirm_cosigner, name="confirm_cosigner"),
    path("letters/logs/new/", views.new_log, name="new_log"),
    path("letters/logs/<slug:slug>/", views.log, name="log"),
    path("letters/logs/<slug:slug>/embed/", views.log_embed, name="log_embed"),
    path("letters/logs/<slug:slug>/requests.csv", views.log_csv, name="log_csv"),
    path("letters/logs/<slug:slug>/add/", views.add_request, name="add_request"),
    path("letters/<slug:slug>/", views.letter, name="letter"),
    path("letters/<slug:slug>/manage/", views.manage, name="manage"),
    path("letters/<slug:slug>/join/<str:code>/", views.join, name="join"),
    path("letters/<slug:slug>/cosigners/<int:pk>/<str:decision>/", views.decide, name="decide"),
    path(
        "letters/<slug:slug>/deliveries/<int:pk>/answer/",
        views.record_answer,
        name="record_answer",
    ),
]

# Write to your official (groundswell/letters/writing/).
urlpatterns += [path("write/", include("groundswell.letters.writing.urls"))]
