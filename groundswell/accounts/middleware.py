"""What every signed-in request goes through: the two-factor requirement's redirect."""

from urllib.parse import urlencode

from django.shortcuts import redirect
from django.urls import reverse

from groundswell.accounts.access import TwoFactorRequired


class TwoFactorMiddleware:
    """A page refused for want of a second factor sends the person to give one (or set one
    up), and back to the page after. Anonymous visitors log in first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, TwoFactorRequired):
            return None
        where = "accounts:two_factor" if request.user.is_authenticated else "accounts:login"
        return redirect(f"{reverse(where)}?{urlencode({'next': request.get_full_path()})}")
