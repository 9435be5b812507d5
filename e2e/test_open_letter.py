"""An open letter from start to answer, in Chromium, with mail through a real SMTP server:
alice writes it, a partner organisation co-signs (logo, email confirmation, alice's
approval), a supporter co-signs on a phone, alice sends it, and the director's office
answers through its private link. Screenshots of the letter page and of a requests log's
dashboard, on a phone (390x844) and a laptop (1280x800), go to e2e/artifacts/issue-16/."""

import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image
from playwright.sync_api import expect

from e2e.conftest import ARTIFACTS, _page
from e2e.test_signers_rights import only_message_to, path_in
from groundswell.letters import actions as letters
from groundswell.petitions import actions as petitions
from groundswell.petitions.actions import TargetInput
from groundswell.petitions.models import Petition
from groundswell.targets import actions as targets
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

SHOTS = ARTIFACTS / "issue-16"
DIRECTOR = "director@agency.example.gov"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
LAPTOP = {"viewport": {"width": 1280, "height": 800}}


def shoot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


@pytest.fixture
def laptop(browser):
    with _page(browser, **LAPTOP) as page:
        yield page


@pytest.fixture
def small_phone(browser):
    with _page(browser, **PHONE) as page:
        yield page


def log_in(page, url, user) -> None:
    page.goto(url + "/accounts/login/")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(lambda u: "/accounts/login/" not in u)


def logo_file(tmp_path):
    path = tmp_path / "logo.png"
    out = io.BytesIO()
    Image.new("RGB", (600, 300), (22, 101, 52)).save(out, "PNG")
    path.write_bytes(out.getvalue())
    return str(path)


def test_an_open_letter_goes_from_organiser_to_partner_to_supporter_to_target_and_back(
    live_server, alice, mo, laptop, small_phone, smtp_server, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    url = live_server.url

    # alice writes the letter.
    log_in(laptop, url, alice)
    laptop.goto(url + "/letters/new/")
    laptop.get_by_label("Title", exact=True).fill("A seat at the table")
    laptop.get_by_label("In one or two sentences", exact=True).fill(
        "Meet the union's elected president."
    )
    laptop.get_by_label("The letter", exact=True).fill(
        "Dear Director,\n\nWe have **waited six weeks**."
    )
    first = laptop.locator(".target-row").first
    first.get_by_label("Or someone new: name").fill("Jordan Blake")
    first.get_by_label("Role and office").fill("Director, Immigration and Customs Enforcement")
    first.get_by_label("Their email (optional)").fill(DIRECTOR)
    laptop.get_by_label("Answer due within (days)").fill("14")
    laptop.get_by_role("button", name="Save the draft").click()
    expect(laptop.get_by_role("status")).to_contain_text("Your letter is saved")
    laptop.get_by_role("button", name="Submit for review").click()
    letter = Petition.objects.get(title="A seat at the table")
    petitions.approve_petition(petition=letter, reviewer=mo)  # the moderator's part
    laptop.goto(url + f"/letters/{letter.slug}/manage/")
    invitation = laptop.get_by_label("Invitation link").input_value()

    # A partner organisation co-signs through the invitation and confirms by email.
    small_phone.goto(url + re.sub(r"^https?://[^/]+", "", invitation))
    small_phone.get_by_label("Organisation name").fill("Coalition for Fair Work")
    small_phone.get_by_label("Website").fill("https://fairwork.example.org")
    small_phone.get_by_label("Logo").set_input_files(logo_file(tmp_path))
    small_phone.get_by_label("Your name").fill("Rosa Diaz")
    small_phone.get_by_label("Your email").fill("rosa@fairwork.example.org")
    small_phone.get_by_role("button", name="Co-sign for our organisation").tap()
    expect(small_phone.get_by_role("heading", level=1)).to_have_text(
        "Nearly done: check your email"
    )
    message = only_message_to(smtp_server, "rosa@fairwork.example.org")
    small_phone.goto(url + path_in(message, "/letters/cosigners/confirm/"))
    expect(small_phone.get_by_role("heading", level=1)).to_contain_text(
        "your signature is confirmed"
    )

    # alice approves it; it shows on the letter with its logo.
    laptop.goto(url + f"/letters/{letter.slug}/manage/")
    laptop.get_by_role("button", name="Approve Coalition for Fair Work").click()
    expect(laptop.get_by_role("status")).to_contain_text("is shown on the letter")

    # A supporter co-signs on a phone and confirms.
    small_phone.goto(url + letter.get_absolute_url())
    partners = small_phone.get_by_role("region", name="Co-signing organisations")
    expect(partners.get_by_role("link", name="Coalition for Fair Work")).to_be_visible()
    small_phone.get_by_role("textbox", name="Name").fill("Sam Supporter")
    small_phone.get_by_role("textbox", name="Email").fill("sam@example.net")
    small_phone.get_by_role("textbox", name="ZIP or postcode").fill("10001")
    small_phone.get_by_role("checkbox", name="Email me the answer and updates").check()
    small_phone.get_by_role("button", name="Co-sign", exact=True).tap()
    expect(small_phone.get_by_role("heading", level=1)).to_have_text(
        "Nearly done: check your email"
    )
    small_phone.goto(url + path_in(only_message_to(smtp_server, "sam@example.net"), "/p/confirm/"))
    small_phone.goto(url + letter.get_absolute_url())
    # Read again within a second, the page comes from the phone's own cache (max-age=1);
    # reloading asks the server, as a person would.
    small_phone.reload()
    expect(small_phone.locator(".count-number")).to_have_text("1")

    # alice sends it to the director: the PDF and a private answer link, by the worker.
    laptop.goto(url + f"/letters/{letter.slug}/manage/")
    laptop.get_by_role("link", name="Send the letter to its addressees").click()
    expect(laptop.locator("#id_deliver-answer_within_days")).to_have_value("14")
    laptop.get_by_role("button", name=f"Send to {DIRECTOR}").click()
    delivery = only_message_to(smtp_server, DIRECTOR)
    [pdf] = [p for p in delivery.iter_attachments() if p.get_content_type() == "application/pdf"]
    assert pdf.get_content()[:5] == b"%PDF-"
    small_phone.goto(url + letter.get_absolute_url())
    # The phone may have read this page within the second, before it was sent: as above.
    small_phone.reload()
    expect(small_phone.get_by_role("region", name="Status")).to_contain_text(
        "Sent 0 days ago · answer due in 14 days"
    )

    # The director's office answers through the link; the page and the supporter hear it.
    small_phone.goto(url + path_in(delivery, f"/p/{letter.slug}/respond/"))
    small_phone.get_by_role("textbox", name="Your answer").fill(
        "The director will meet the union's president on Monday."
    )
    small_phone.get_by_role("button", name="Publish our answer").tap()
    expect(small_phone).to_have_url(re.compile(re.escape(letter.get_absolute_url()) + "#answers$"))
    answers = small_phone.get_by_role("region", name="Answers")
    expect(answers).to_contain_text(re.compile(r"Answered on \d+ \w+ \d{4}"))
    expect(answers).to_contain_text("meet the union's president on Monday")
    bodies = [
        m.get_body(preferencelist=("plain",)).get_content()
        for m in smtp_server.messages
        if m["To"] == "sam@example.net"
    ]
    assert any("meet the union's president on Monday" in body for body in bodies)
    shoot(small_phone, "letter-390x844")
    laptop.goto(url + letter.get_absolute_url())
    shoot(laptop, "letter-1280x800")


def test_the_requests_log_dashboard_on_a_phone_and_a_laptop(
    live_server, alice, union, laptop, small_phone
):
    log = letters.create_requests_log(
        organisation=union,
        created_by=alice,
        title="Springfield information requests",
        description="Requests to the City Clerk with 14-day and 3-day deadlines.",
    )
    today = date.today()
    clerk = TargetInput("Dana Whitfield", "City Clerk, Springfield")
    plan = [
        (20, 14, 5, False),
        (18, 3, 9, False),
        (15, 3, 2, True),
        (25, 14, None, False),
        (2, 14, None, False),
        (10, 3, 1, False),
    ]
    for n, (ago, days, answered_after, refused) in enumerate(plan, start=1):
        sent_on = today - timedelta(days=ago)
        item = letters.add_request(
            log=log,
            by=alice,
            request=letters.RequestInput(
                subject="Use-of-force reports",
                text="We request ...",
                target=clerk,
                sent_on=sent_on,
                deadline=sent_on + timedelta(days=days),
                method="post",
                reference=f"R-{n:03d}",
            ),
        )
        clerk = TargetInput.existing(item.letter.targets.get())
        if answered_after is not None:
            targets.record_outside_answer(
                delivery=item.delivery,
                by=alice,
                source="letter",
                received_on=sent_on + timedelta(days=answered_after),
                text="Refused: not signed by a judge." if refused else "Records enclosed.",
                declined=refused,
                email_signers=False,
            )
    for page, name in ((small_phone, "requests-log-390x844"), (laptop, "requests-log-1280x800")):
        page.goto(live_server.url + log.get_absolute_url())
        table = page.get_by_role("table")
        expect(table).to_contain_text("Answered late")
        expect(table).to_contain_text("Refused")
        expect(table).to_contain_text("No answer, past the deadline")
        shoot(page, name)
    laptop.goto(live_server.url + f"{log.get_absolute_url()}embed/")
    expect(laptop.get_by_role("table")).to_contain_text("Answered in time")
