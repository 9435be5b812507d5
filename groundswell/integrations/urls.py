from django.urls import path

from groundswell.integrations import views

app_name = "integrations"
urlpatterns = [
    path("org/<slug:slug>/integrations/", views.settings_page, name="settings"),
    path("org/<slug:slug>/integrations/tokens/", views.create_token, name="create_token"),
    path(
        "org/<slug:slug>/integrations/tokens/<int:token_id>/revoke/",
        views.revoke_token,
        name="revoke_token",
    ),
    path("org/<slug:slug>/integrations/webhooks/", views.create_endpoint, name="create_endpoint"),
    path(
        "org/<slug:slug>/integrations/webhooks/<int:endpoint_id>/",
        views.endpoint_page,
        name="endpoint",
    ),
    path(
        "org/<slug:slug>/integrations/webhooks/<int:endpoint_id>/rotate/",
        views.rotate_secret,
        name="rotate_secret",
    ),
    path(
        "org/<slug:slug>/integrations/webhooks/<int:endpoint_id>/enable/",
        views.enable_endpoint,
        name="enable_endpoint",
    ),
    path(
        "org/<slug:slug>/integrations/webhooks/<int:endpoint_id>/delete/",
        views.delete_endpoint,
        name="delete_endpoint",
    ),
    path(
        "org/<slug:slug>/integrations/deliveries/<int:delivery_id>/redeliver/",
        views.redeliver,
        name="redeliver",
    ),
]
