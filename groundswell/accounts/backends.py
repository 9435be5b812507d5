"""How a session finds its user, and who may try to log in."""

from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    """Email and password, like ModelBackend, with two differences.

    - An account that has never confirmed its email may get as far as the login form's
      check, so that the form can say "confirm your email" instead of "wrong password".
    - A deactivated account authenticates nowhere, and its sessions end at their next
      request: ``get_user`` finds no active user, so the session is anonymous from then on.
    """

    def user_can_authenticate(self, user) -> bool:
        return user.is_active or user.email_verified_at is None

    def get_user(self, user_id):
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None
