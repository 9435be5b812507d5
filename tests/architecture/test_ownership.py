"""Each app's rows are written by that app's actions; other apps call them (CONTRIBUTING.md)."""

import textwrap

import pytest

from tests.architecture.ownership import check_source, check_tree

# A module of the updates app, as someone might write it one day.
UPDATES = "groundswell.updates.planted"

WRITES_FROM_ANOTHER_APP = {
    "an update through the manager, with F()": """
        from django.db.models import F
        from groundswell.petitions.models import Petition

        def bump(pk):
            Petition.objects.filter(pk=pk).update(delivery_threshold=F("delivery_threshold") + 1)
    """,
    "a save of a parameter annotated with the model": """
        from groundswell.petitions.models import Petition

        def rename(*, petition: Petition, title: str) -> None:
            petition.title = title
            petition.save(update_fields=["title"])
    """,
    "a model imported under another name": """
        from groundswell.petitions import models as pm

        def forget(pk):
            pm.Signature.objects.filter(pk=pk).delete()
    """,
    "a row reached through a foreign key": """
        from groundswell.petitions.models import Signature

        def close_its_petition(pk):
            signature = Signature.objects.select_related("petition").get(pk=pk)
            signature.petition.save()
    """,
    "a related manager": """
        from groundswell.petitions.models import Petition

        def unsubscribe_everyone(slug):
            petition = Petition.objects.get(slug=slug)
            petition.signatures.filter(wants_updates=True).update(wants_updates=False)
    """,
    "rows in a loop": """
        from groundswell.petitions.models import Signature

        def drop(ids):
            for signature in Signature.objects.filter(pk__in=ids):
                signature.delete()
    """,
    "the row of get_or_create": """
        from groundswell.petitions.models import Petition

        def ensure(slug):
            petition, _ = Petition.objects.get_or_create(slug=slug)
            return petition
    """,
    "a bulk insert": """
        from groundswell.petitions.models import CounterShard

        def shards(petition_id):
            CounterShard.objects.bulk_create([CounterShard(petition_id=petition_id, shard=0)])
    """,
    "a row an access function returned": """
        from groundswell.petitions.access import petition_for_edit

        def close(user, slug):
            petition = petition_for_edit(user, slug)
            petition.delete()
    """,
    "a model looked up by name": """
        from django.apps import apps

        def wipe():
            apps.get_model("petitions", "Signature").objects.all().delete()
    """,
    "an account made directly": """
        from groundswell.accounts.models import User

        def adviser(email):
            return User.objects.create_user(email, "secret")
    """,
    "a two-factor device, which the accounts app looks after": """
        from django_otp.plugins.otp_totp.models import TOTPDevice

        def authenticator(user):
            return TOTPDevice.objects.create(user=user, name="Help programme")
    """,
    "raw SQL on another app's table": """
        from django.db import connection

        def zero():
            with connection.cursor() as cursor:
                cursor.execute("UPDATE petitions_signature SET wants_updates = false")
    """,
}


@pytest.mark.parametrize("source", WRITES_FROM_ANOTHER_APP.values(), ids=WRITES_FROM_ANOTHER_APP)
def test_a_write_to_another_apps_model_is_found(source):
    found = check_source(textwrap.dedent(source), module=UPDATES)

    assert len(found) == 1, found
    assert found[0].owner in ("petitions", "accounts")


def test_an_apps_own_rows_are_written_by_its_actions_and_nowhere_else():
    source = textwrap.dedent(WRITES_FROM_ANOTHER_APP["a bulk insert"])

    assert check_source(source, module="groundswell.petitions.actions") == []
    assert len(check_source(source, module="groundswell.petitions.views")) == 1


def test_reading_another_apps_models_is_allowed():
    source = textwrap.dedent("""
        from groundswell.petitions.models import Petition

        def titles(ids):
            petition = Petition.objects.filter(pk__in=ids).first()
            titles = [p.title for p in Petition.objects.filter(pk__in=ids)]
            return titles, petition.signatures.count()
    """)

    assert check_source(source, module=UPDATES) == []


def test_no_module_writes_another_apps_models():
    """If this fails, call the owning app's action (add one at the end of its actions.py)."""
    assert [str(violation) for violation in check_tree()] == []
