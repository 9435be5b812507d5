"""The admin behind the site's own login: its throttling and its second factor.

Django's admin has a login form of its own, which no rate limit watched and which asked for
no second factor (issue 12). Here it has none: ``/admin/login/`` sends people to
``/accounts/login/``, and the admin opens only for active staff in a session verified with
a second factor.
"""

from urllib.parse import urlencode

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig as BaseAdminConfig
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _


class AdminSite(admin.AdminSite):
    def has_permission(self, request) -> bool:
        return super().has_permission(request) and request.user.is_verified()

    def login(self, request, extra_context=None):
        """Never a form here: the site's login, or its second step, then back."""
        then = request.GET.get("next") or reverse("admin:index")
        user = request.user
        if user.is_authenticated and not user.is_staff:
            raise PermissionDenied(_("The admin is for staff."))
        where = "accounts:two_factor" if user.is_authenticated else "accounts:login"
        return redirect(f"{reverse(where)}?{urlencode({'next': then})}")


class AdminConfig(BaseAdminConfig):
    default_site = "groundswell.core.admin_site.AdminSite"
