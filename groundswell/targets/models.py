from django.db import models


class Target(models.Model):
    """A decision-maker a campaign is addressed to: a named person and their office."""

    name = models.CharField(max_length=150)
    role = models.CharField(
        max_length=200, help_text='e.g. "Director, Immigration and Customs Enforcement"'
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["name", "role"], name="one_target_per_name_and_role")
        ]

    def __str__(self) -> str:
        return f"{self.name}, {self.role}"
