"""Demo data for `make run`: safe to run again, it adds nothing the second time."""

import base64
import random
from datetime import timedelta

from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django_otp.plugins.otp_totp.models import TOTPDevice

from groundswell.accounts.actions import (
    add_confirmed_authenticator,
    add_to_group,
    create_organisation,
    create_verified_account,
)
from groundswell.accounts.models import Organisation, User
from groundswell.letters.writing.demo import seed_writing_campaign
from groundswell.moderation.actions import moderators_group
from groundswell.petitions import actions
from groundswell.petitions.actions import ConfirmedSignatureInput, TargetInput
from groundswell.petitions.models import Petition
from groundswell.support.actions import create_programme
from groundswell.targets.actions import record_delivery_by_other_means, update_target

ORGANISER = ("organiser@example.org", "Dana Reyes")
MODERATOR = ("moderator@example.org", "Sam Okafor")
DEMO_PASSWORD = "groundswell-demo"  # noqa: S105 - a published demo login, for local use only
# Both demo users need two-factor login (staff; an owner who can export signers). Their
# authenticator key is published too, for local use only: add it to an authenticator app,
# or print the current code with `manage.py demo_code` (which works only with DEBUG on).
DEMO_TOTP_KEY = b"groundswell-demo-otp"  # 20 bytes, as django-otp's own keys
DEMO_TOTP_SECRET = base64.b32encode(DEMO_TOTP_KEY).decode()

# One real ZIP code in each of fifteen states, the first ones more often (weights), so
# the map has darker and lighter states; and a few signers abroad.
ZIPS = ["10001", "94103", "73301", "33101", "60601", "98101", "02108", "80202", "30301",
        "85001", "48201", "19103", "97201", "55401", "20001", "82001", "59601",
        "05602"]  # fmt: skip
ZIP_WEIGHTS = [14, 12, 9, 8, 8, 6, 6, 5, 5, 4, 4, 4, 3, 3, 3, 2, 2, 2]
ABROAD = [("CA", "K1A 0B1"), ("GB", "SW1A 1AA"), ("MX", "06000"), ("DE", "10117")]
# How signers arrived: the share channels, the embed, or a link without any (weights).
SOURCES = ["", "whatsapp", "facebook", "email", "x", "embed", "link", "qr", "mastodon"]
SOURCE_WEIGHTS = [30, 18, 14, 10, 7, 8, 7, 3, 3]
FIRST = ["Alex", "Maria", "James", "Wei", "Fatima", "Carlos", "Priya", "John", "Aisha", "Tom",
         "Elena", "Kofi", "Sara", "Luis", "Mei", "David", "Nadia", "Omar"]  # fmt: skip
LAST = ["Smith", "Garcia", "Chen", "Johnson", "Khan", "Lopez", "Patel", "Brown", "Nguyen",
        "Miller", "Okafor", "Rossi", "Kim", "Davis", "Haddad"]  # fmt: skip
COMMENTS = ["Officers need to be able to use their judgement.",
            "My brother is an officer. This matters.", "Fairness for the people who serve.",
            "Suspensions for discretion make no sense."]  # fmt: skip

PETITIONS = [
    {
        "title": "Let officers use their discretion without fear of suspension",
        "demand": "Issue written guidance that officers who use lawful discretion will not be "
        "suspended for it, and review every suspension made for that reason since January.",
        "reasons": "Officers are trained to weigh each case. **Punishing judgement** makes "
        "every decision slower and worse.\n\n- Clear guidance protects the public\n"
        "- It protects officers who act in good faith\n",
        # Its Spanish version: the page in Spanish (?lang=es, or the footer's switcher) shows
        # it; the other petitions say that they are only available in English.
        "title_es": "Permitan que los agentes usen su criterio sin temor a ser suspendidos",
        "demand_es": "Emitan una guía por escrito que asegure que los agentes que usan su "
        "criterio dentro de la ley no serán suspendidos por ello, y revisen cada suspensión "
        "impuesta por ese motivo desde enero.",
        "reasons_es": "Los agentes están capacitados para evaluar cada caso. **Castigar el "
        "buen juicio** hace que cada decisión sea más lenta y peor.\n\n"
        "- Una guía clara protege al público\n"
        "- Protege a los agentes que actúan de buena fe\n",
        "targets": [TargetInput("Jordan Blake", "Director, Immigration and Customs Enforcement")],
        "status": Petition.Status.OPEN,
        "signers": 420,
        "insights_public": True,  # its chart and map are on /p/<slug>/insights/
    },
    {
        "title": "Give federal officers a seat at the table",
        "demand": "Meet the union's elected president before the next budget is agreed.",
        "reasons": "Six weeks have passed since our letter without a reply.",
        "targets": [
            TargetInput("Pat Morgan", "Head of Government"),
            TargetInput("Chris Lee", "Senator, Homeland Security Committee"),
        ],
        "status": Petition.Status.CLOSED,
        "signers": 140,
    },
    {
        "title": "Publish the overtime rules",
        "demand": "Publish the rules used to assign mandatory overtime.",
        "reasons": "Nobody can plan their family life around rules they cannot read.",
        "targets": [TargetInput("Robin Hale", "Deputy Director, Field Operations")],
        "status": Petition.Status.IN_REVIEW,
        "signers": 0,
    },
]


def _with_demo_authenticator(user: User) -> User:
    if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        add_confirmed_authenticator(user=user, name="Demo authenticator", key=DEMO_TOTP_KEY.hex())
    return user


def _user(email: str, name: str, **fields) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = create_verified_account(email=email, password=DEMO_PASSWORD, name=name, **fields)
    return user


def _signers(n: int, rng: random.Random) -> list[ConfirmedSignatureInput]:
    now = timezone.now()
    rows = []
    for i in range(n):
        country, zip_code = "US", rng.choices(ZIPS, ZIP_WEIGHTS)[0]
        if rng.random() < 0.06:
            country, zip_code = rng.choice(ABROAD)
        first, last = rng.choice(FIRST), rng.choice(LAST)
        # A burst on launch day, then more on recent days, as a petition takes off.
        days_ago = 20 if i < n // 8 else int(rng.triangular(0, 21, 0))
        # The first five signers share their links; some later signers came through them.
        recruiter = rows[rng.randrange(5)].email if i >= 5 and rng.random() < 0.25 else ""
        rows.append(
            ConfirmedSignatureInput(
                name=f"{first} {last}",
                email=f"{first}.{last}.{i}@example.com".lower(),
                referred_by_email=recruiter,
                postcode=zip_code,
                country=country,
                source=rng.choices(SOURCES, SOURCE_WEIGHTS)[0],
                confirmed_at=now - timedelta(days=days_ago, minutes=rng.randrange(1440)),
                comment=rng.choice(COMMENTS) if rng.random() < 0.08 else "",
                show_name=rng.random() < 0.6,
                wants_updates=rng.random() < 0.5,
            )
        )
    return rows


class Command(BaseCommand):
    help = "Load demo data: one organisation, three petitions, a few hundred signatures."

    @transaction.atomic
    def handle(self, *args, **options):
        organiser = _with_demo_authenticator(_user(*ORGANISER))
        moderator = _with_demo_authenticator(_user(*MODERATOR, is_staff=True))
        # The staff home and every staff power.
        add_to_group(user=moderator, group=moderators_group())
        organisation = Organisation.objects.filter(slug="federal-officers-union").first()
        if organisation is None:
            organisation = create_organisation(
                name="Federal Officers Union", owner=organiser, slug="federal-officers-union"
            )
        rng = random.Random(2026)
        for spec in PETITIONS:
            if organisation.petitions.filter(title=spec["title"]).exists():
                continue
            petition = actions.create_petition(
                organisation=organisation,
                created_by=organiser,
                title=spec["title"],
                demand=spec["demand"],
                reasons=spec["reasons"],
                targets=spec["targets"],
                title_es=spec.get("title_es", ""),
                demand_es=spec.get("demand_es", ""),
                reasons_es=spec.get("reasons_es", ""),
            )
            for target in petition.targets.filter(email=""):
                # Demo offices have addresses, so "Deliver now" works (mail goes to var/mail/).
                local = slugify(target.name).replace("-", ".")
                update_target(target=target, email=f"office.of.{local}@example.org")
            if spec["status"] != Petition.Status.DRAFT:
                actions.submit_for_review(petition=petition)
            if spec["status"] in Petition.PUBLIC:
                actions.approve_petition(petition=petition, reviewer=moderator)
                actions.import_confirmed_signatures(
                    petition=petition, rows=_signers(spec["signers"], rng)
                )
            if spec.get("insights_public"):
                actions.set_insights_public(petition=petition, public=True)
            if spec["status"] == Petition.Status.OPEN:
                # One signer changed their mind: the dashboard and count show it.
                first = petition.signatures.confirmed().order_by("pk").first()
                actions.withdraw_signature(token=first.withdraw_token())
            if spec["status"] == Petition.Status.CLOSED:
                # Its dashboard says when signers' personal data will be removed.
                actions.close_petition(petition=petition)
        seed_letters(organisation, organiser, moderator, rng)
        if not organisation.help_programmes.exists():
            create_programme(
                organisation=organisation,
                by=organiser,
                name="Next Step: confidential career help",
                description="Free and confidential help to find another job, from a vetted "
                "volunteer adviser (an MBA, a career counsellor or a recruiter).",
                languages=["en", "es"],
            )
        self.stdout.write(
            f"Write to your official: {seed_writing_campaign(organisation).get_absolute_url()}"
        )
        self.stdout.write(
            self.style.SUCCESS(
                "Demo data ready. Invite help-programme advisers at /help/coordinate/.\n"
                "  Open letters and the requests log: /letters/\n"
                "  Signers' rights: /my-data/ (every page's footer links to it), and a\n"
                "  withdraw link in every confirmation and update email.\n"
                f"  Organiser login: {ORGANISER[0]} / {DEMO_PASSWORD}\n"
                f"  Moderator (staff) login: {MODERATOR[0]} / {DEMO_PASSWORD}\n"
                f"  Both ask for a two-factor code: add the key {DEMO_TOTP_SECRET} to an\n"
                "  authenticator app, or run `.venv/bin/python manage.py demo_code`."
            )
        )


# --- Letters (groundswell/letters, docs/letters.md) -------------------------------------------

LETTER_TITLE = "Six weeks without an answer: give officers a seat at the table"
LOG_TITLE = "Springfield public records requests, spring 2026"
PARTNERS = [
    ("Coalition for Fair Work", "https://fairwork.example.org", (22, 101, 52)),
    ("Border Communities Network", "https://bordercommunities.example.org", (160, 60, 20)),
]


def _demo_logo(colour: tuple[int, int, int]):
    """A plain coloured badge, written anew as any uploaded logo is (core/images.py)."""
    from io import BytesIO

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    from groundswell.core.images import reencode
    from groundswell.letters.forms import resized_logo

    image = Image.new("RGB", (480, 240), "white")
    ImageDraw.Draw(image).rounded_rectangle((20, 40, 460, 200), radius=40, fill=colour)
    out = BytesIO()
    image.save(out, "PNG")
    return resized_logo(reencode(SimpleUploadedFile("logo.png", out.getvalue())))


def _existing_or_new(name: str, role: str) -> TargetInput:
    from groundswell.targets.models import Target

    found = Target.objects.filter(name=name, role=role).order_by("pk").first()
    return TargetInput.existing(found) if found else TargetInput(name, role)


def seed_letters(organisation, organiser, moderator, rng) -> None:
    """An open letter past its deadline with two partners; a requests log of 88 requests."""
    from groundswell.petitions.models import Petition as Letter

    if not Letter.objects.letters().filter(title=LETTER_TITLE).exists():
        _seed_open_letter(organisation, organiser, moderator, rng)
    if not organisation.requests_logs.filter(title=LOG_TITLE).exists():
        _seed_requests_log(organisation, organiser, rng)


def _seed_open_letter(organisation, organiser, moderator, rng) -> None:
    from groundswell.letters import actions as letters

    letter = letters.create_letter(
        organisation=organisation,
        created_by=organiser,
        title=LETTER_TITLE,
        summary="We ask for a seat at the meetings where decisions about our work are made.",
        text="Dear Prime Minister,\n\nSix weeks ago the union's president wrote to you and to "
        "the eight senators of the Homeland Security Committee asking for **a seat at your "
        "meetings**. We have had no reply.\n\nThe officers we represent carry out the "
        "decisions made there. We ask you to:\n\n- meet the union's elected president;\n"
        "- invite the union to the working group on field guidance.\n\nYours sincerely,",
        targets=[_existing_or_new("Pat Morgan", "Head of Government")],
        answer_within_days=14,
        remind_every_days=7,
    )
    actions.submit_for_review(petition=letter)
    actions.approve_petition(petition=letter, reviewer=moderator)
    actions.import_confirmed_signatures(petition=letter, rows=_signers(85, rng))
    for name, website, colour in PARTNERS:
        cosigner = letters.cosign_as_organisation(
            letter=letter.letter,
            organisation=letters.OrganisationInput(
                name=name,
                website=website,
                signed_by="Demo partner",
                email=f"letters@{website.split('//')[1]}",
            ),
            logo=_demo_logo(colour),
        )
        letters.confirm_cosigner(token=cosigner.confirmation_token())
        letters.approve_cosigner(cosigner=cosigner, by=organiser)
    # Sent by post six weeks ago with 14 days to answer: "overdue by 28 days".
    record_delivery_by_other_means(
        petition=letter,
        target=letter.targets.get(),
        method="post",
        delivered_on=timezone.localdate() - timedelta(days=42),
        by=organiser,
        answer_within_days=14,
    )


def _seed_requests_log(organisation, organiser, rng) -> None:
    """PRODUCT.md situation 5: 88 requests with 14- and 3-day deadlines over three months;
    the city refuses those not signed by a judge."""
    from groundswell.letters import actions as letters
    from groundswell.targets.actions import record_outside_answer

    log = letters.create_requests_log(
        organisation=organisation,
        created_by=organiser,
        title=LOG_TITLE,
        description="88 requests for records to the City Clerk, with 14-day and 3-day "
        "deadlines. The city refuses every request not signed by a judge.",
    )
    today = timezone.localdate()
    clerk = _existing_or_new("Dana Whitfield", "City Clerk, Springfield")
    for n in range(1, 89):
        days = 3 if n % 3 == 0 else 14
        sent_on = today - timedelta(days=rng.randint(1, 90))
        request = letters.add_request(
            log=log,
            by=organiser,
            request=letters.RequestInput(
                reference=f"R-{n:03d}",
                subject=rng.choice(REQUEST_SUBJECTS),
                text="Under the public records law we request copies of the records named "
                "in the subject.",
                target=clerk,
                sent_on=sent_on,
                deadline=sent_on + timedelta(days=days),
                method="post",
            ),
        )
        if n == 1:
            entry = request.letter.targets.get()
            if not entry.email:
                update_target(target=entry, email="clerk@springfield.example.gov")
            clerk = TargetInput.existing(entry)
        roll = rng.random()
        waited = (today - sent_on).days
        if roll < 0.2:  # not signed by a judge
            answer_after, declined = rng.randint(1, 3), True
        elif roll < 0.65:
            answer_after, declined = rng.randint(1, days), False
        elif roll < 0.85:
            answer_after, declined = days + rng.randint(1, 20), False
        else:
            continue  # no answer
        if answer_after > waited:
            continue  # not yet
        record_outside_answer(
            delivery=request.delivery,
            by=organiser,
            source="letter",
            received_on=sent_on + timedelta(days=answer_after),
            text="Refused: the request is not signed by a judge."
            if declined
            else "The records are enclosed.",
            declined=declined,
            email_signers=False,
        )


REQUEST_SUBJECTS = [
    "Use-of-force reports",
    "Overtime assignments",
    "Body camera retention policy",
    "Complaints against officers",
    "Detention facility inspections",
    "Contracts with private operators",
]
