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
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("org/<slug:slug>/", views.organisation, name="organisation"),
    path("org/<slug:slug>/invite/", views.invite, name="invite"),
    path("org/<slug:slug>/retention/", views.retention, name="retention"),
    path("invitation/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
