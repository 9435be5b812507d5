from django.urls import path

from groundswell.letters.writing import views

app_name = "writing"

# A campaign's slug is never one of RESERVED_SLUGS ("new", "answer"): see models.py.
urlpatterns = [
    path("answer/<str:token>/", views.answer, name="answer"),
    path("new/", views.new, name="new"),
    path("<slug:slug>/", views.campaign, name="campaign"),
    path("<slug:slug>/manage/", views.manage, name="manage"),
    path("<slug:slug>/edit/", views.edit, name="edit"),
    path("<slug:slug>/open/", views.move, {"to": "open"}, name="open"),
    path("<slug:slug>/close/", views.move, {"to": "close"}, name="close"),
    path("<slug:slug>/letters/", views.write, name="write"),
    path("<slug:slug>/confirm/<str:token>/", views.confirm, name="confirm"),
    path("<slug:slug>/sent/<str:ref>/", views.handoff, name="handoff"),
]
