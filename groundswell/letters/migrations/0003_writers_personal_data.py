# Writers are found by their folded address for "My data" and erasure; anonymised_at marks
# those whose details were removed (docs/privacy.md, "Letters").

from django.db import migrations, models

from groundswell.core.email_address import normalise_email


def fold_existing_addresses(apps, schema_editor):
    Writer = apps.get_model("letters", "Writer")
    for writer in Writer.objects.exclude(email="").only("pk", "email").iterator():
        Writer.objects.filter(pk=writer.pk).update(email_normalised=normalise_email(writer.email))


class Migration(migrations.Migration):

    dependencies = [
        ("letters", "0002_write_to_your_official"),
    ]

    operations = [
        migrations.AddField(
            model_name="writer",
            name="anonymised_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="writer",
            name="email_normalised",
            field=models.CharField(blank=True, db_index=True, max_length=254),
        ),
        migrations.RunPython(fold_existing_addresses, migrations.RunPython.noop),
    ]
