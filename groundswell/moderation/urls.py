from django.urls import path

from groundswell.moderation import views

app_name = "moderation"
urlpatterns = [
    path("", views.home, name="home"),
    path("review/", views.queue, name="queue"),
    path("review/<slug:slug>/", views.review, name="review"),
    path("reports/", views.reports, name="reports"),
    path("reports/<str:kind>/<int:object_id>/dismiss/", views.dismiss, name="dismiss"),
    path("hide/<str:kind>/<int:object_id>/", views.hide, name="hide"),
    path("hidden/", views.hidden, name="hidden"),
    path("hidden/<int:pk>/restore/", views.restore, name="restore"),
    path("invalidations/", views.invalidations, name="invalidations"),
    path("invalidations/<int:pk>/", views.invalidation, name="invalidation"),
    path("audit/", views.audit, name="audit"),
]

# Public: anyone may report, without an account.
public_urlpatterns = [
    path("report/<str:kind>/<int:object_id>/", views.report, name="report"),
]
