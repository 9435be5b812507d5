"""Upgrading: addresses organisations could set before the fix become theirs alone, and
leave the directory until staff adopt them."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

# Other apps stay where they are: their tables keep their columns while these go back.
BEFORE = [
    ("targets", "0004_email_leases"),
    ("petitions", "0005_signature_email_lease"),
    ("accounts", "0003_signer_retention"),
]
AFTER = [("targets", "0005_organisation_contacts_and_no_merging_by_name")]


@pytest.fixture
def executor(transactional_db):
    """Migrations to run by hand; the database ends at the latest ones whatever happens, or
    every test after this one would meet old tables."""
    executor = MigrationExecutor(connection)
    yield executor
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


def test_an_address_in_use_becomes_the_address_of_the_organisations_that_use_it(executor):
    executor.migrate(BEFORE)
    old = executor.loader.project_state(BEFORE).apps
    Organisation = old.get_model("accounts", "Organisation")
    User = old.get_model("accounts", "User")
    Target = old.get_model("targets", "Target")
    Petition = old.get_model("petitions", "Petition")
    PetitionTarget = old.get_model("petitions", "PetitionTarget")
    user = User.objects.create(email="dana@example.org", name="Dana")
    union, club = (Organisation.objects.create(name=n, slug=n) for n in ("union", "club"))
    jordan = Target.objects.create(name="Jordan", role="Director", email="set@first.example")
    lonely = Target.objects.create(name="Lonely", role="Staff", email="staff@set.example")
    for n, organisation in enumerate((union, club)):
        petition = Petition.objects.create(organisation=organisation, created_by=user,
                                           slug=f"p{n}", title="T", demand="D")  # fmt: skip
        PetitionTarget.objects.create(petition=petition, target=jordan, position=0)

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new = executor.loader.project_state(AFTER).apps
    Target = new.get_model("targets", "Target")
    TargetContact = new.get_model("targets", "TargetContact")
    assert Target.objects.get(pk=jordan.pk).email == ""
    assert Target.objects.get(pk=lonely.pk).email == "staff@set.example"
    assert sorted(TargetContact.objects.values_list("organisation_id", "email")) == [
        (union.pk, "set@first.example"), (club.pk, "set@first.example")
    ]  # fmt: skip

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
