"""The help programme's URLs. No receipt code is ever part of one: receipts are POSTed."""

from django.urls import path

from groundswell.support import views

app_name = "support"
urlpatterns = [
    path("", views.index, name="index"),
    # Seekers: no account. Their request is found from the session a receipt opened.
    path("return/", views.return_with_receipt, name="return"),
    path("receipt/", views.receipt, name="receipt"),
    path("request/", views.request_page, name="request"),
    path("request/accept/", views.request_accept, name="request_accept"),
    path("request/another/", views.request_another, name="request_another"),
    path("request/message/", views.request_message, name="request_message"),
    path("request/reveal/", views.request_reveal, name="request_reveal"),
    path("request/close/", views.request_close, name="request_close"),
    path("request/delete/", views.request_delete, name="request_delete"),
    path("request/leave/", views.request_leave, name="request_leave"),
    path("request/language/", views.request_language, name="request_language"),
    # Advisers: password and a second factor; the password also unwraps their key.
    path("adviser/", views.adviser_home, name="adviser_home"),
    path("adviser/login/", views.adviser_login, name="adviser_login"),
    path("adviser/logout/", views.adviser_logout, name="adviser_logout"),
    path("adviser/recover/", views.adviser_recover, name="adviser_recover"),
    path("adviser/join/<str:token>/", views.adviser_join, name="adviser_join"),
    path("adviser/setup/recovery/", views.adviser_recovery, name="adviser_recovery"),
    path("adviser/setup/two-factor/", views.adviser_two_factor, name="adviser_two_factor"),
    path("adviser/r/<str:code>/", views.adviser_match, name="adviser_match"),
    path("adviser/r/<str:code>/accept/", views.adviser_accept, name="adviser_accept"),
    path("adviser/r/<str:code>/decline/", views.adviser_decline, name="adviser_decline"),
    path("adviser/r/<str:code>/hand-back/", views.adviser_hand_back, name="adviser_hand_back"),
    path("adviser/r/<str:code>/message/", views.adviser_message, name="adviser_message"),
    # Coordinators: members of the organisation running a programme; counts, never content.
    path("coordinate/", views.coordinate_home, name="coordinate_home"),
    path("coordinate/<slug:slug>/", views.coordinate_programme, name="coordinate_programme"),
    path("coordinate/<slug:slug>/edit/", views.coordinate_edit, name="coordinate_edit"),
    path("coordinate/<slug:slug>/invite/", views.coordinate_invite, name="coordinate_invite"),
    path(
        "coordinate/<slug:slug>/advisers/<int:adviser_id>/",
        views.coordinate_adviser,
        name="coordinate_adviser",
    ),
    # Last: a programme's own pages.
    path("<slug:slug>/", views.programme, name="programme"),
    path("<slug:slug>/ask/", views.intake, name="intake"),
]
