import pytest
from django.contrib.auth import get_user_model

from blacklist.models import ChangeEvent, Entry, Notice, Subject
from tests import factories
from tests.factories import assert_no_full_ids
from tests.factories.people import person, publish

pytestmark = pytest.mark.django_db

MODELS = ["authority", "programme", "notice", "subject", "entry", "changeevent"]


@pytest.fixture
def official_client(client):
    """A published notice of seven people, a draft beside it, and an official logged in."""
    publish([person(name) for name in ["刘伟", "张三丰", "王小明", "李四", "赵六", "孙七", "周一"]])
    factories.draft_notice(batch=2)
    user = get_user_model().objects.create_superuser("official", password="pw-not-used")
    client.force_login(user)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_each_list_page_shows_only_masked_ids(official_client, full_id_numbers, model):
    response = official_client.get(f"/admin/blacklist/{model}/")
    assert response.status_code == 200
    assert_no_full_ids(response.content.decode(), full_id_numbers)


def test_detail_pages_show_only_masked_ids(official_client, full_id_numbers):
    subject = Subject.objects.first()
    pages = [
        f"/admin/blacklist/subject/{subject.pk}/change/",
        f"/admin/blacklist/entry/{Entry.objects.first().pk}/change/",
        f"/admin/blacklist/notice/{Notice.objects.first().pk}/change/",
        f"/admin/blacklist/changeevent/{ChangeEvent.objects.first().pk}/change/",
    ]
    for page in pages:
        response = official_client.get(page)
        assert response.status_code == 200, page
        assert_no_full_ids(response.content.decode(), full_id_numbers)
    assert subject.id_masked in official_client.get(pages[0]).content.decode()


def test_an_official_finds_a_subject_by_full_id_number(official_client):
    subject = Subject.objects.order_by("id")[5]
    number = subject.id_number()
    spaced = f"{number[:6]} {number[6:14]} {number[14:].lower()}"
    response = official_client.get("/admin/blacklist/subject/", {"q": spaced})
    assert list(response.context["cl"].result_list) == [subject]


def test_an_official_finds_a_simplified_name_typed_in_traditional(official_client):
    target = Subject.objects.get(name="刘伟")
    response = official_client.get("/admin/blacklist/entry/", {"q": "劉偉"})
    assert [entry.subject_id for entry in response.context["cl"].result_list] == [target.pk]


def test_officials_cannot_edit_listings_by_hand(official_client):
    entry = Entry.objects.first()
    response = official_client.post(
        f"/admin/blacklist/entry/{entry.pk}/change/", {"status": "revoked"}
    )
    assert response.status_code == 403
    assert official_client.get("/admin/blacklist/entry/add/").status_code == 403


def test_a_programme_keeps_its_code_and_name_mask_once_it_has_published_notices(official_client):
    fresh = factories.programme(code="fresh")
    used = factories.published_notice(count=1).programme

    def editable(programme) -> set[str]:
        page = official_client.get(f"/admin/blacklist/programme/{programme.pk}/change/")
        return set(page.context["adminform"].form.fields)

    assert {"code", "name_mask", "public"} <= editable(fresh)
    assert "public" in editable(used)
    assert not {"code", "name_mask"} & editable(used)
