"""Included at the site root: each path is spelled out in full."""

from django.urls import path

from groundswell.targets import views

app_name = "targets"
urlpatterns = [
    path("targets/", views.directory, name="directory"),
    path("targets/<int:pk>/", views.target, name="target"),
    path("targets/addresses/", views.addresses, name="addresses"),
    path("targets/addresses/<int:pk>/adopt/", views.adopt_address, name="adopt_address"),
    path("targets/<int:pk>/edit/", views.edit_target, name="edit"),
    path("p/<slug:slug>/deliveries/", views.manage, name="manage"),
    path("p/<slug:slug>/deliver/", views.deliver, name="deliver"),
    path("p/<slug:slug>/targets/<int:pk>/address/", views.delivery_address, name="address"),
    path("p/<slug:slug>/deliver/other/", views.deliver_other_way, name="deliver_other"),
    path("p/<slug:slug>/delivery-plan/", views.delivery_plan, name="plan"),
    path("p/<slug:slug>/delivery.pdf", views.delivery_pdf, name="pdf"),
    path("p/<slug:slug>/outcome/", views.outcome, name="outcome"),
    path("p/<slug:slug>/deliveries/<int:pk>/answer/", views.record_answer, name="record_answer"),
    path("p/<slug:slug>/respond/<str:token>/", views.respond, name="respond"),
]
