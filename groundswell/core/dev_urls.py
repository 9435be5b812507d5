"""Pages that exist only while DEBUG is on."""

from django.shortcuts import render
from django.urls import path

from groundswell.core.mail import read_mailbox


def mailbox(request):
    return render(request, "core/mailbox.html", {"messages_sent": read_mailbox()})


app_name = "dev"
urlpatterns = [path("mail/", mailbox, name="mail")]
