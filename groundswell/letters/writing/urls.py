from django.urls import path

from groundswell.letters.writing import views

app_name = "writing"

urlpatterns = [
    path("answer/<str:token>/", views.answer, name="answer"),
    path("<slug:slug>/", views.campaign, name="campaign"),
    path("<slug:slug>/letters/", views.write, name="write"),
    path("<slug:slug>/confirm/<str:token>/", views.confirm, name="confirm"),
    path("<slug:slug>/sent/<str:ref>/", views.handoff, name="handoff"),
]
