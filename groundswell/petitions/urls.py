from django.urls import path

from groundswell.petitions import rights, views

app_name = "petitions"
urlpatterns = [
    path("new/", views.new, name="new"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
    path("withdraw/<str:token>/", rights.withdraw, name="withdraw"),
    path("<slug:slug>/", views.detail, name="detail"),
    path("<slug:slug>/sign/", views.sign, name="sign"),
    path("<slug:slug>/thanks/", views.thanks, name="thanks"),
    path("<slug:slug>/qr.svg", views.qr, name="qr"),
    path("<slug:slug>/share/mastodon/", views.share_mastodon, name="share_mastodon"),
    path("<slug:slug>/embed/", views.embed, name="embed"),
    path("<slug:slug>/dashboard/", views.dashboard, name="dashboard"),
    path("<slug:slug>/insights/", views.insights_page, name="insights"),
    path(
        "<slug:slug>/insights/visibility/",
        views.insights_visibility,
        name="insights_visibility",
    ),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/submit/", views.submit, name="submit"),
    path("<slug:slug>/close/", views.close, name="close"),
    path("<slug:slug>/signatures.csv", views.export_csv, name="export_csv"),
]
