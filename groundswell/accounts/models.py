from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from groundswell.accounts import tokens
from groundswell.core.slugs import unique_slug


class UserManager(BaseUserManager):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> "User":
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> "User":
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """A person with an account: organisers, their colleagues, moderators.

    Supporters who sign petitions have no account. A new user is inactive until they
    follow the link in their verification email.
    """

    username = None
    first_name = None
    last_name = None
    email = models.EmailField("email address", unique=True)
    name = models.CharField(max_length=150)
    email_verified_at = models.DateTimeField(null=True, blank=True)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = ["name"]

    objects = UserManager()

    def __str__(self) -> str:
        return self.name or self.email

    def get_full_name(self) -> str:
        return self.name

    def get_short_name(self) -> str:
        return self.name

    def verification_token(self) -> str:
        return tokens.make("verify", self.pk, self.verification_state())

    def password_reset_token(self) -> str:
        return tokens.make("reset", self.pk, self.password_reset_state())

    def password_reset_state(self) -> str:
        """Setting a new password (or a new address) spends the reset link."""
        return f"{self.email}|{self.password}"

    def email_change_token(self, new_email: str) -> str:
        return tokens.make("email", self.pk, self.email, new=new_email)

    def needs_two_factor(self) -> bool:
        """Staff and moderators, and whoever can export signers or coordinate help: not
        optional for them."""
        return (
            self.is_staff
            or self.groups.exists()  # the Moderators group holds every staff power
            or self.user_permissions.exists()
            or self.memberships.filter(role__in=Membership.CAN_EXPORT).exists()
        )

    def has_two_factor(self) -> bool:
        from django_otp.plugins.otp_totp.models import TOTPDevice

        return TOTPDevice.objects.filter(user=self, confirmed=True).exists()

    def unlock_token(self, generation: int) -> str:
        return tokens.make("unlock", self.pk, str(generation))

    def verification_state(self) -> str:
        """What following the verification link changes: it works once."""
        return f"{self.email}|{self.email_verified_at}"


VERIFY_MAX_AGE = 3 * 24 * 3600
RESET_MAX_AGE = 3600
EMAIL_CHANGE_MAX_AGE = 24 * 3600


class AccountSession(models.Model):
    """One logged-in browser, so that its owner can see it and end it (accounts/security/).

    Kept while the session lives: deleted at logout, on revocation, when the password
    changes, and by the periodic purge once the session would have expired. It holds the
    browser's description and the address it logged in from, nothing else (docs/privacy.md).
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="account_sessions")
    session_key = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)
    last_seen_at = models.DateTimeField(auto_now_add=True)
    user_agent = models.CharField(max_length=200, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        ordering = ["-last_seen_at"]
        indexes = [models.Index(fields=["last_seen_at"], name="account_session_seen")]

    def __str__(self) -> str:
        return f"{self.user} on {self.browser}"

    @property
    def browser(self) -> str:
        """A short name for the browser and system, from the user agent."""
        agent = self.user_agent
        names = ("Edg", "Firefox", "Chrome", "Safari")
        browser = next((n for n in names if n in agent), "A browser")
        systems = ("Android", "iPhone", "iPad", "Windows", "Mac OS", "Linux")
        system = next((s for s in systems if s in agent), "")
        browser = {"Edg": "Edge", "Mac OS": "macOS"}.get(browser, browser)
        return f"{browser} on {system.replace('Mac OS', 'macOS')}" if system else browser


class Organisation(models.Model):
    name = models.CharField(max_length=150)
    slug = models.SlugField(max_length=80, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    members = models.ManyToManyField(User, through="Membership", related_name="organisations")
    # Signers' names, emails, postcodes and comments are removed this many months after a
    # petition closes (groundswell.petitions.actions.remove_expired_personal_data).
    signer_retention_months = models.PositiveSmallIntegerField(
        "keep signers' personal data for (months after a petition closes)",
        default=6,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("accounts:organisation", args=[self.slug])

    @staticmethod
    def unique_slug(name: str) -> str:
        return unique_slug(Organisation.objects, name, fallback="organisation")

    def role_of(self, user) -> str | None:
        if not user.is_authenticated:
            return None
        membership = self.memberships.filter(user=user).first()
        return membership.role if membership else None


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("Owner")
        EDITOR = "editor", _("Editor")

    # Owners manage members; editors and owners run campaigns.
    CAN_MANAGE_MEMBERS = {Role.OWNER}
    # Who can download signers' names and emails (petitions/access.petition_for_export)
    # and coordinate the help programme: they must log in with a second factor.
    CAN_EXPORT = {Role.OWNER, Role.EDITOR}

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.EDITOR)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "organisation"], name="one_membership")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organisation} ({self.role})"


class Invitation(models.Model):
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="invitations"
    )
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Membership.Role.choices)
    invited_by = models.ForeignKey(User, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)

    MAX_AGE = 14 * 24 * 3600
    SALT = "accounts.invitation"

    def __str__(self) -> str:
        return f"{self.email} to {self.organisation}"

    def token(self) -> str:
        return signing.dumps(self.pk, salt=self.SALT)

    def get_accept_path(self) -> str:
        return reverse("accounts:accept_invitation", args=[self.token()])
