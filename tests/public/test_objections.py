"""Objecting to an entry: filing, following the status, the officials' decision, attachments."""

import datetime

import pytest
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from blacklist.models import ChangeEvent, ChangeKind, Objection
from blacklist.objections import services as objections
from tests import factories
from tests.factories.people import entry_of, person, publish

pytestmark = pytest.mark.django_db

# The smallest file every PDF reader opens: one empty page.
MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_HEADER = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"
REFUSED_TYPE = "Only PDF, JPEG or PNG files are accepted."


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> None:
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def zhang():
    listed = person("张三丰")
    # another district: a mask (district, last four characters) two neighbours may share
    notice = publish([listed, person("李四", region="110101")])
    return entry_of(listed), notice


def objection_data(**changes: object) -> dict[str, object]:
    return {"name": "张三丰", "contact": "13800000000", "reason": "我从未出租银行卡。"} | changes


def file_objection(client: Client, entry, **changes: object):
    return client.post(f"/entries/{entry.public_id}/object/", objection_data(**changes))


def decide(objection: Objection, *, uphold: bool) -> Objection:
    """Rejected by one reviewer; upheld as the portal asks, by one who asks and one who confirms."""
    officer = factories.official("reviewer")
    objections.objection_start_review(objection=objection, by=officer)
    if not uphold:
        return objections.objection_reject(objection=objection, reason="核实后决定", by=officer)
    objections.objection_uphold_request(objection=objection, reason="核实后决定", by=officer)
    return objections.objection_uphold_confirm(
        objection=objection, by=factories.official("second-reviewer")
    )


def test_filing_an_objection_gives_a_reference_whose_page_says_received(en, zhang):
    entry, _ = zhang

    response = file_objection(en, entry)

    objection = Objection.objects.get(entry=entry)
    assert response.status_code == 303
    assert response["Location"] == f"/objections/{objection.reference}/"
    page = en.get(response["Location"]).content.decode()
    assert objection.reference in page
    assert '<dd class="status">received</dd>' in page
    assert entry.subject.id_masked in page
    assert "13800000000" not in page  # only the officials see how to reach the objector


def test_the_reference_can_be_looked_up_in_any_case(en, zhang):
    entry, _ = zhang
    file_objection(en, entry)
    reference = Objection.objects.get().reference

    response = en.get("/objections/", {"reference": f" {reference.lower()} "}, follow=True)

    assert response.redirect_chain == [(f"/objections/{reference}/", 302)]
    assert response.status_code == 200


def test_an_upheld_objection_takes_the_entry_off_every_public_page(en, zhang):
    entry, notice = zhang
    file_objection(en, entry)

    decide(Objection.objects.get(), uphold=True)

    search = en.get("/search/", {"q": "张三丰"}).content.decode()
    assert f"/entries/{entry.public_id}/" not in search
    assert entry.subject.id_masked not in en.get(f"/notices/{notice.pk}/").content.decode()
    assert en.get(f"/entries/{entry.public_id}/").status_code == 404
    assert ChangeEvent.objects.filter(entry=entry, kind=ChangeKind.REVOKED).exists()
    status = en.get(f"/objections/{Objection.objects.get().reference}/").content.decode()
    assert "upheld: the entry was revoked" in status


def test_a_rejected_objection_leaves_the_entry_listed(en, zhang):
    entry, notice = zhang
    file_objection(en, entry)

    decide(Objection.objects.get(), uphold=False)

    search = en.get("/search/", {"q": "张三丰"}).content.decode()
    assert f"/entries/{entry.public_id}/" in search
    assert entry.subject.id_masked in en.get(f"/notices/{notice.pk}/").content.decode()
    assert en.get(f"/entries/{entry.public_id}/").status_code == 200
    assert not ChangeEvent.objects.filter(entry=entry, kind=ChangeKind.REVOKED).exists()
    status = en.get(f"/objections/{Objection.objects.get().reference}/").content.decode()
    assert '<dd class="status">rejected</dd>' in status
    assert "核实后决定" in status


def test_a_real_pdf_is_accepted_as_supporting_document(en, zhang):
    entry, _ = zhang
    pdf = SimpleUploadedFile("证明.pdf", MINIMAL_PDF, content_type="application/pdf")

    response = file_objection(en, entry, attachment=pdf)

    assert response.status_code == 303
    stream = objections.attachment_stream(objection=Objection.objects.get())
    assert b"".join(stream) == MINIMAL_PDF
    stream.close()


@pytest.mark.parametrize(
    ("filename", "content"),
    [
        ("证明.pdf", b"I am plain text pretending to be a PDF"),
        ("证明.pdf", PNG_HEADER),
        ("证明.png", MINIMAL_PDF),
        ("证明.html", b"<html><script>alert(1)</script></html>"),
        ("证明.exe", b"MZ\x90\x00"),
    ],
    ids=["text-as-pdf", "png-as-pdf", "pdf-as-png", "html", "exe"],
)
def test_an_attachment_whose_name_or_content_is_not_pdf_jpeg_or_png_is_refused(
    en, zhang, filename, content
):
    entry, _ = zhang

    response = file_objection(en, entry, attachment=SimpleUploadedFile(filename, content))

    assert response.status_code == 400
    assert REFUSED_TYPE in response.content.decode()
    assert not Objection.objects.exists()


def test_an_attachment_over_five_megabytes_is_refused(en, zhang, settings):
    entry, _ = zhang
    limit = settings.OBJECTION_MAX_ATTACHMENT_BYTES
    at_limit = MINIMAL_PDF + b" " * (limit - len(MINIMAL_PDF))

    too_big = file_objection(en, entry, attachment=SimpleUploadedFile("a.pdf", at_limit + b" "))
    just_fits = file_objection(en, entry, attachment=SimpleUploadedFile("b.pdf", at_limit))

    assert limit == 5 * 2**20
    assert too_big.status_code == 400
    assert "The file is larger than 5 MB." in too_big.content.decode()
    assert just_fits.status_code == 303
    assert Objection.objects.count() == 1


def test_an_objection_without_its_required_fields_is_sent_back(en, zhang):
    entry, _ = zhang

    response = file_objection(en, entry, reason="")

    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Objection.objects.exists()


def test_an_objection_posted_without_the_csrf_token_is_refused(zhang):
    entry, _ = zhang
    browser = Client(enforce_csrf_checks=True)

    refused = file_objection(browser, entry)
    form = browser.get(f"/entries/{entry.public_id}/object/")
    token = form.context["csrf_token"]
    accepted = file_objection(browser, entry, csrfmiddlewaretoken=str(token))

    assert refused.status_code == 403
    assert accepted.status_code == 303
    assert Objection.objects.count() == 1


def test_too_many_objections_from_one_address_are_refused_for_a_while(en, zhang, settings):
    settings.OBJECTION_RATE = "2/h"
    entry, _ = zhang

    statuses = [file_objection(en, entry).status_code for _ in range(3)]
    refused = file_objection(en, entry)

    assert statuses == [303, 303, 429]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "Please wait a moment" in refused.content.decode()
    assert Objection.objects.count() == 2
    assert en.get(f"/entries/{entry.public_id}/object/").status_code == 200


def test_an_unknown_reference_gets_a_not_found_page(en):
    response = en.get("/objections/ABCD-EFGH-JKMN/")

    assert response.status_code == 404
    assert "No objection has the reference ABCD-EFGH-JKMN." in response.content.decode()


def test_a_reference_typed_with_a_slash_gets_a_not_found_page(en):
    en.raise_request_exception = False

    response = en.get("/objections/", {"reference": "ABCD/EFGH"}, follow=True)

    assert response.status_code == 404


# --- attachments: sealed at rest, for reviewers only, deleted after the decision --------------

# A scan of an ID card, as far as the portal can tell: a PNG that spells out an ID number.
ID_CARD_SCAN = PNG_HEADER + b"420106199001011234 " * 2000


def official_client(*groups: str, username: str) -> Client:
    user = factories.official(username)
    for group in groups:
        user.groups.add(Group.objects.get(name=group))
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def with_scan(en, zhang) -> Objection:
    entry, _ = zhang
    scan = SimpleUploadedFile("420106199001011234 张三丰 身份证.png", ID_CARD_SCAN)
    assert file_objection(en, entry, attachment=scan).status_code == 303
    return Objection.objects.get()


def test_an_attachment_is_stored_sealed_under_a_name_that_tells_nothing(with_scan):
    name = with_scan.attachment.name
    with default_storage.open(name, "rb") as stored:
        at_rest = stored.read()

    assert ID_CARD_SCAN not in at_rest
    assert b"420106199001011234" not in at_rest
    assert "420106" not in name and "张三丰" not in name
    assert name.endswith(".png.sealed")


def test_a_reviewer_downloads_the_original_document_never_cached(with_scan):
    reviewer = official_client("objection reviewer", username="reviewer")
    url = f"/admin/blacklist/objection/{with_scan.pk}/change/attachment/"

    response = reviewer.get(url)

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == ID_CARD_SCAN
    assert response["Content-Type"] == "image/png"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="objection-{with_scan.reference}.png"'
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


@pytest.mark.parametrize("groups", [("auditor",), ("importer",), ("publisher",)])
def test_officials_who_do_not_decide_objections_cannot_download_attachments(with_scan, groups):
    outsider = official_client(*groups, username="outsider")

    response = outsider.get(f"/admin/blacklist/objection/{with_scan.pk}/change/attachment/")

    assert response.status_code == 403


def test_a_visitor_is_sent_to_the_login_page_instead_of_the_attachment(with_scan, en):
    response = en.get(f"/admin/blacklist/objection/{with_scan.pk}/change/attachment/")

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/")


def test_an_attachment_is_deleted_once_the_retention_after_the_decision_is_over(with_scan):
    decided = decide(with_scan, uphold=False)
    name = decided.attachment.name
    days = settings.OBJECTION_ATTACHMENT_RETENTION_DAYS
    assert days == 90

    kept = objections.objection_attachments_purge(
        now=decided.decided_at + datetime.timedelta(days=days - 1)
    )
    assert (kept, default_storage.exists(name)) == (0, True)
    purged = objections.objection_attachments_purge(
        now=decided.decided_at + datetime.timedelta(days=days + 1)
    )

    assert purged == 1
    assert not default_storage.exists(name)
    objection = Objection.objects.get(pk=decided.pk)
    assert (objection.attachment.name, objection.status, objection.decision_reason) == (
        "",
        "rejected",
        "核实后决定",
    )
    reviewer = official_client("objection reviewer", username="reviewer")
    gone = reviewer.get(f"/admin/blacklist/objection/{objection.pk}/change/attachment/")
    assert gone.status_code == 404
    assert (
        objections.objection_attachments_purge(now=timezone.now() + datetime.timedelta(days=999))
        == 0
    )


def test_an_open_objection_keeps_its_attachment_however_old(with_scan):
    later = timezone.now() + datetime.timedelta(days=1000)

    assert objections.objection_attachments_purge(now=later) == 0
    assert default_storage.exists(Objection.objects.get().attachment.name)
