"""What every signed-in request goes through: its session's record, and the two-factor
requirement's redirect."""

from urllib.parse import urlencode

from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from groundswell.accounts import actions
from groundswell.accounts.access import TwoFactorRequired
from groundswell.accounts.models import AccountSession


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


class SessionRecordMiddleware:
    """Every logged-in browser has an AccountSession row, which its owner can see and end.

    A session whose row is gone was revoked (from the security page, or by a password
    change elsewhere): it is logged out here, at its next request.
    """

    TOUCH_SECONDS = 300  # how stale "last active" may be, to spare a write per request

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        record = None
        if request.user.is_authenticated:
            record_id = request.session.get(actions.SESSION_RECORD)
            if record_id is not None:
                record = AccountSession.objects.filter(pk=record_id, user=request.user).first()
                if record is None:
                    logout(request)
        response = self.get_response(request)
        self._keep(request, record)
        return response

    def _keep(self, request, record) -> None:
        session = request.session
        user = getattr(request, "user", None)
        current = session.get(actions.SESSION_RECORD) if user and user.is_authenticated else None
        if record is not None and record.pk != current:
            actions.forget_session_record(record=record)
            record = None
        if user is None or not user.is_authenticated:
            return
        if current is None:
            if session.session_key is None:
                session.save()
            session[actions.SESSION_RECORD] = actions.record_session(
                user=user,
                session_key=session.session_key,
                user_agent=request.META.get("HTTP_USER_AGENT", ""),
                ip=request.META.get("REMOTE_ADDR"),  # none under /help/: support.middleware
            )
        elif record is not None:
            now = timezone.now()
            stale = (now - record.last_seen_at).total_seconds() > self.TOUCH_SECONDS
            if stale or record.session_key != session.session_key:
                actions.touch_session_record(
                    record=record, session_key=session.session_key or record.session_key, now=now
                )
