from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core import signing
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

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
        return signing.dumps(self.pk, salt=VERIFY_SALT)


VERIFY_SALT = "accounts.verify-email"
VERIFY_MAX_AGE = 3 * 24 * 3600


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
        OWNER = "owner", "Owner"
        EDITOR = "editor", "Editor"

    # Owners manage members; editors and owners run campaigns.
    CAN_MANAGE_MEMBERS = {Role.OWNER}

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
