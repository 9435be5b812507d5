from django.contrib.auth import views as auth_views
from django.urls import path

from groundswell.accounts import views

app_name = "accounts"
urlpatterns = [
    path("", views.home, name="home"),
    path("signup/", views.signup, name="signup"),
    path("signup/done/", views.signup_done, name="signup_done"),
    path("verify/<str:token>/", views.verify_email, name="verify_email"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("login/code/", views.login_code, name="login_code"),
    path("two-factor/", views.two_factor, name="two_factor"),
    path("unlock/<str:token>/", views.unlock, name="unlock"),
    path("password/reset/", views.password_reset, name="password_reset"),
    path("password/reset/sent/", views.password_reset_sent, name="password_reset_sent"),
    path(
        "password/reset/<str:token>/",
        views.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("security/", views.security, name="security"),
    path("security/password/", views.change_password, name="change_password"),
    path("security/email/", views.change_email, name="change_email"),
    path("security/email/<str:token>/", views.confirm_email_change, name="confirm_email_change"),
    path("security/sessions/<int:record_id>/end/", views.revoke_session, name="revoke_session"),
    path("security/sessions/end-others/", views.end_other_sessions, name="end_other_sessions"),
    path("security/two-factor/off/", views.turn_off_two_factor, name="turn_off_two_factor"),
    path("security/recovery-codes/", views.new_recovery_codes, name="new_recovery_codes"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/<slug:slug>/", views.organisation, name="organisation"),
    path("org/<slug:slug>/invite/", views.invite, name="invite"),
    path("org/<slug:slug>/retention/", views.retention, name="retention"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
