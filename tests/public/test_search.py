"""The public search: name variants, ID numbers, filters, refusals and what is never shown."""

import datetime
import re
from unittest import mock
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client

from blacklist.models import Programme
from blacklist.public import search as search_index
from blacklist.public.search import SearchRequest, entries_public_search, search_understand
from blacklist.registry import identity
from tests import factories
from tests.factories.people import (
    NOT_PUBLIC,
    Person,
    entry_of,
    person,
    publish,
    term_ended_yesterday,
    today,
)

pytestmark = pytest.mark.django_db

ONE_DAY = datetime.timedelta(days=1)
FULL_WIDTH = str.maketrans("0123456789xX", "０１２３４５６７８９ｘＸ")


def results(page: str) -> list[str]:
    """Public ids of the entries listed on a results page, in order."""
    return re.findall(r'<li class="result">\s*<a href="/entries/([^/"]+)/"', page)


def search(client, q: str, **params: str):
    return client.get("/search/", {"q": q, **params})


@pytest.mark.parametrize("typed", ["張三", "张三", "张 三", " 張 三 ", "张三\u3000"])
def test_traditional_simplified_and_spaced_spellings_find_the_same_person(client, typed):
    zhang = person("張三")
    publish([zhang])

    response = search(client, typed)

    assert response.status_code == 200
    assert results(response.content.decode()) == [entry_of(zhang).public_id]


@pytest.mark.parametrize("typed", ["Anna Li", "anna li", "ＡＮＮＡ ＬＩ", "ａｎｎａｌｉ"])
def test_latin_names_match_in_any_case_width_and_spacing(client, typed):
    anna = person("Anna Li")
    publish([anna])

    assert results(search(client, typed).content.decode()) == [entry_of(anna).public_id]


def test_a_name_one_character_different_does_not_match(client):
    zhang_san, zhang_shan = person("张三"), person("张山")
    publish([zhang_san, zhang_shan])

    assert results(search(client, "张三").content.decode()) == [entry_of(zhang_san).public_id]
    assert results(search(client, "张山").content.decode()) == [entry_of(zhang_shan).public_id]


def test_names_containing_the_query_follow_the_exact_match(client):
    # Listed first, so that only the exact-first rule can put 张三 ahead.
    longer, other, exact = person("张三丰"), person("王张三"), person("张三")
    publish([longer, other])
    publish([exact])

    found = results(search(client, "张三").content.decode())

    assert found[0] == entry_of(exact).public_id
    assert set(found[1:]) == {entry_of(longer).public_id, entry_of(other).public_id}


def test_results_are_ranked_exact_name_first_then_by_name_then_as_listed_across_pages(en):
    # listed in reverse and after the others, so that only the ranking puts them in order
    longer = [person(f"李华{given}") for given in "丁七万三上"]
    exact = [person("李华") for _ in range(18)]
    publish(exact)
    publish(list(reversed(longer)))
    term_ended_yesterday(person("李华东"))

    first = results(search(en, "李华").content.decode())
    second = results(search(en, "李华", page="2").content.decode())

    assert first[:18] == [entry_of(p).public_id for p in exact]
    assert first[18:] + second == [entry_of(p).public_id for p in longer]


def test_an_entry_revoked_after_the_ranking_is_left_out_of_the_page_read_after_it():
    shown, gone = person("李华"), person("李华")
    publish([shown, gone])
    request = SearchRequest(text="李华")
    ranked = entries_public_search(query=search_understand(request=request), request=request)

    factories.revoked(entry_of(gone), reason="错误列入")

    assert [e.public_id for e in ranked.entries[0:20]] == [entry_of(shown).public_id]


def test_ranked_results_read_as_a_whole_skip_an_entry_gone_and_keep_the_rest():
    first, gone, last = person("李华"), person("李华"), person("李华")
    publish([first, gone, last])
    request = SearchRequest(text="李华")
    ranked = entries_public_search(query=search_understand(request=request), request=request)

    factories.revoked(entry_of(gone), reason="错误列入")

    assert [e.public_id for e in ranked.entries] == [
        entry_of(first).public_id,
        entry_of(last).public_id,
    ]


def test_names_are_ranked_in_code_point_order_with_or_without_a_filter(en):
    if connection.vendor == "postgresql":
        # a database whose collation sorts by pinyin (丁 ding, 东 dong, 万 wan)
        with connection.cursor() as cursor:
            cursor.execute(
                "ALTER TABLE blacklist_subject "
                'ALTER COLUMN name_key TYPE varchar(200) COLLATE "zh-x-icu"'
            )
    people = [person(f"李华{given}", region="420102") for given in "东万丁"]
    publish(people)
    in_code_points = [entry_of(p).public_id for p in sorted(people, key=lambda p: p.name)]

    assert results(search(en, "李华").content.decode()) == in_code_points
    assert results(search(en, "李华", region="江岸").content.decode()) == in_code_points


def test_indexing_a_subject_again_replaces_what_the_index_held_for_it():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite's contentless FTS5 rows are replaced by reindex_subjects only")
    listed = person("张三丰")
    publish([listed])
    subject = entry_of(listed).subject

    # as a row another name left for this id would (a flush that kept the index)
    search_index.index_subjects([(subject.id, "李四光")])
    hidden = results(search(Client(), "张三").content.decode())
    search_index.index_subjects([(subject.id, subject.name_key)])

    assert hidden == []
    assert results(search(Client(), "张三").content.decode()) == [entry_of(listed).public_id]


def test_the_narrowing_hint_shows_when_either_kind_of_name_reached_its_bound(en, settings):
    settings.SEARCH_NAME_CANDIDATES = 3
    publish([person(f"李华{given}", region="420102") for given in "丁七万"])
    publish([person("王芳") for _ in range(3)])
    publish([person(f"张伟{given}") for given in "丁七"] + [person("张伟")])
    hint = "Type more of the name, or choose a region"

    assert hint in search(en, "李华").content.decode()  # three longer names, no exact one
    assert hint in search(en, "王芳").content.decode()  # three of exactly the name
    assert hint not in search(en, "张伟").content.decode()  # two and one: everyone considered
    # a filter considers everyone: nothing left to narrow
    assert hint not in search(en, "李华", region="江岸").content.decode()


@pytest.mark.parametrize("hide", NOT_PUBLIC)
def test_the_narrowing_hint_never_counts_a_person_not_shown(en, settings, hide):
    settings.SEARCH_NAME_CANDIDATES = 3
    publish([person(f"李华{given}") for given in "丁七"])
    hide(person("李华万", region="420102"))

    assert "Type more of the name" not in search(en, "李华").content.decode()


@pytest.mark.parametrize("hide", NOT_PUBLIC)
def test_people_not_shown_never_take_the_place_of_people_shown(en, settings, hide):
    settings.SEARCH_NAME_CANDIDATES = 3
    for name in ["王芳", "王芳", "王芳", "王芳丽", "王芳英", "王芳华"]:
        hide(person(name))  # first in every index's order
    shown = [person("王芳"), person("王芳明")]
    publish(shown)

    page = search(en, "王芳").content.decode()

    assert results(page) == [entry_of(p).public_id for p in shown]
    assert "Type more of the name" not in page


def test_an_id_number_with_full_width_digits_spaces_and_lower_case_x_finds_the_person(en):
    listed = person("刘洋", ends_with_x=True)
    publish([listed, person("刘洋")])
    number = listed.id_number
    typed = f"{number[:6]} {number[6:14]} {number[14:]}".translate(FULL_WIDTH).replace("Ｘ", "ｘ")

    response = en.post("/search/", {"q": typed, "name": "刘洋"})

    page = response.content.decode()
    assert response.status_code == 200
    assert results(page) == [entry_of(listed).public_id]
    assert f"1 entry in force for ID number {entry_of(listed).subject.id_masked}" in page


def test_an_organisation_is_found_by_its_credit_code_typed_in_lower_case(en):
    company = Person("武汉楚信网络科技有限公司", identity.make_credit_code("91420106MA4KL8Q2X"))
    publish([company, person("刘洋")])

    page = en.post("/search/", {"q": company.id_number.lower()}).content.decode()

    assert results(page) == [entry_of(company).public_id]
    assert "武汉楚信网络科技有限公司" in page  # organisations' names are not masked


def test_an_id_number_with_a_wrong_check_digit_is_refused_with_an_explanation(en):
    listed = person("刘洋")
    publish([listed])
    wrong = listed.id_number[:17] + str((int(listed.id_number[17]) + 1) % 10)

    response = en.post("/search/", {"q": wrong})

    assert response.status_code == 400
    assert "This is not a valid ID number" in response.content.decode()


@pytest.mark.parametrize("typed", ["张", "張 ", "a"])
def test_a_single_character_is_refused_with_an_explanation(en, typed):
    publish([person("张三")])

    response = search(en, typed)

    assert response.status_code == 400
    page = response.content.decode()
    assert "at least two characters" in page
    assert results(page) == []


def test_the_last_four_characters_narrow_a_common_name(client):
    plain, with_x = person("王芳"), person("王芳", ends_with_x=True)
    publish([plain, with_x])

    by_digits = search(client, "王芳", last4=plain.id_number[-4:])
    by_full_width = search(client, "王芳", last4=plain.id_number[-4:].translate(FULL_WIDTH))
    by_lower_x = search(client, "王芳", last4=with_x.id_number[-4:].lower())

    assert results(by_digits.content.decode()) == [entry_of(plain).public_id]
    assert results(by_full_width.content.decode()) == [entry_of(plain).public_id]
    assert results(by_lower_x.content.decode()) == [entry_of(with_x).public_id]


def test_the_region_narrows_a_common_name(client):
    wuchang, jiang_an = person("王芳", region="420106"), person("王芳", region="420102")
    publish([wuchang, jiang_an])

    found = results(search(client, "王芳", region="武昌").content.decode())

    assert found == [entry_of(wuchang).public_id]


def test_the_programme_narrows_a_common_name(client):
    cards, other = person("王芳"), person("王芳")
    publish([cards])
    publish([other], prog=factories.programme(code="other-public"))

    found = results(search(client, "王芳", programme="other-public").content.decode())

    assert found == [entry_of(other).public_id]


def test_it_counts_every_match_and_shows_twenty_a_page(en):
    publish([person("李华") for _ in range(25)])

    first = search(en, "李华").content.decode()
    second = search(en, "李华", page="2").content.decode()

    assert "25 entries in force for “李华”" in first
    assert "Page 1 of 2" in first
    assert len(results(first)) == 20
    assert len(results(second)) == 5
    assert not set(results(first)) & set(results(second))


def test_the_next_page_link_keeps_the_search(en):
    publish([person("李华") for _ in range(25)])
    first = search(en, "李华", region="武昌").content.decode()

    href = re.search(r'<a href="([^"]*)"[^>]*>Next</a>', first).group(1).replace("&amp;", "&")

    assert parse_qs(urlsplit(href).query) == {"q": ["李华"], "region": ["武昌"], "page": ["2"]}


def test_no_match_shows_what_was_searched_and_what_not_listed_means(en):
    publish([person("张三")])

    response = search(en, "欧阳修")

    page = response.content.decode()
    assert response.status_code == 200
    assert "0 entries in force for “欧阳修”" in page
    assert "No entry in force was found for “欧阳修”" in page
    assert "“Not listed” means only that no penalty published on this portal" in page


@pytest.mark.parametrize("make_hidden", NOT_PUBLIC, ids=lambda make: make.__name__)
def test_it_never_shows_an_entry_that_is_not_currently_public(client, make_hidden):
    hidden, shown = person("赵钱孙"), person("赵钱孙")
    publish([shown])
    make_hidden(hidden)

    by_name = results(search(client, "赵钱孙").content.decode())
    by_id = results(
        client.post("/search/", {"q": hidden.id_number, "name": hidden.name}).content.decode()
    )

    assert by_name == [entry_of(shown).public_id]
    assert by_id == []


def test_an_entry_revoked_after_a_search_for_its_id_number_is_not_found_by_the_next(client):
    listed = person("刘洋")
    publish([listed])
    entry = entry_of(listed)

    before = results(
        client.post("/search/", {"q": listed.id_number, "name": listed.name}).content.decode()
    )
    factories.revoked(entry, reason="错误列入")
    after = results(
        client.post("/search/", {"q": listed.id_number, "name": listed.name}).content.decode()
    )

    assert before == [entry.public_id]
    assert after == []


def test_an_id_number_is_no_longer_found_the_day_after_its_term_ends(client):
    listed = person("刘洋")
    publish([listed], end=today())

    found_today = results(
        client.post("/search/", {"q": listed.id_number, "name": listed.name}).content.decode()
    )
    with mock.patch("django.utils.timezone.localdate", return_value=today() + ONE_DAY):
        page = client.post(
            "/search/", {"q": listed.id_number, "name": listed.name}
        ).content.decode()

    assert found_today == [entry_of(listed).public_id]
    assert results(page) == []


def test_the_filters_narrow_a_search_by_id_number_too(client):
    listed = person("刘洋")
    publish([listed])
    factories.programme(code="other-public")

    same_last4 = {"q": listed.id_number, "name": listed.name, "last4": listed.id_number[-4:]}
    other_programme = {"q": listed.id_number, "name": listed.name, "programme": "other-public"}

    assert results(client.post("/search/", same_last4).content.decode()) == [
        entry_of(listed).public_id
    ]
    assert results(client.post("/search/", other_programme).content.decode()) == []


def test_the_programme_list_follows_programmes_hidden_or_renamed_since_the_last_search(client):
    publish([person("王芳")])
    publish([person("王芳")], prog=factories.programme(code="other-public"))
    search(client, "王芳")

    Programme.objects.filter(code="other-public").update(public=False)
    Programme.objects.filter(code="two-cards").update(name="新名称")
    page = search(client, "王芳").content.decode()

    assert 'value="other-public"' not in page
    assert ">新名称</option>" in page


def test_the_empty_forms_of_the_home_page_and_an_id_answer_follow_programme_changes(client):
    listed = person("王芳")
    publish([listed])
    publish([person("李娜")], prog=factories.programme(code="other-public"))
    by_id = {"q": listed.id_number, "name": listed.name}
    for page in (client.get("/").content.decode(), client.post("/search/", by_id).content.decode()):
        assert 'value="other-public"' in page

    Programme.objects.filter(code="other-public").update(public=False)
    Programme.objects.filter(code="two-cards").update(name="新名称", code="two-cards-2")
    home = client.get("/").content.decode()
    answer = client.post("/search/", by_id).content.decode()

    for page in (home, answer):
        assert 'value="other-public"' not in page
        assert '<option value="two-cards-2">新名称</option>' in page
        assert 'value="two-cards"' not in page
    assert results(answer) == [entry_of(listed).public_id]
    assert listed.id_number not in answer


def test_the_empty_form_is_in_the_language_of_each_request(client):
    labels = {
        "zh-hans": "姓名/名称或证件号码",
        "zh-hant": "姓名／名稱或證件號碼",
        "en": "Name or ID number",
    }
    for _round in range(2):  # the second round is served from the rendered fragments
        for language, label in labels.items():
            page = client.get("/", HTTP_ACCEPT_LANGUAGE=language).content.decode()
            assert f'<label for="id_q">{label}</label>' in page


def test_the_empty_form_carries_each_visitors_own_csrf_token():
    publish([person("王芳")])
    visitors = [Client(enforce_csrf_checks=True) for _ in range(2)]
    tokens = []
    for visitor in visitors:
        page = visitor.get("/").content.decode()
        form = page[page.index('<form class="search"') :]
        tokens.append(re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1])

    own = visitors[1].post("/search/", {"q": "王芳", "csrfmiddlewaretoken": tokens[1]})
    foreign = visitors[1].post("/search/", {"q": "王芳", "csrfmiddlewaretoken": tokens[0]})

    assert own.status_code == 303
    assert foreign.status_code == 403


def test_a_name_posted_from_the_home_page_redirects_to_a_shareable_address(client):
    zhang = person("张三", region="420106")
    publish([zhang])

    response = client.post("/search/", {"q": "张三", "region": "武昌"})

    assert response.status_code == 303
    location = urlsplit(response["Location"])
    assert location.path == "/search/"
    assert parse_qs(location.query) == {"q": ["张三"], "region": ["武昌"]}
    followed = client.get(response["Location"]).content.decode()
    assert results(followed) == [entry_of(zhang).public_id]


def test_an_id_number_posted_from_the_home_page_is_answered_without_echoing_it(client):
    listed, other = person("刘洋"), person("陈静")
    publish([listed, other])

    response = client.post("/search/", {"q": listed.id_number, "name": listed.name})

    page = response.content.decode()
    assert response.status_code == 200
    assert results(page) == [entry_of(listed).public_id]
    assert entry_of(listed).subject.id_masked in page
    factories.assert_no_full_ids(page, [listed.id_number, other.id_number])
    assert f'value="{listed.id_number}"' not in page


def test_an_id_number_posted_with_a_malformed_filter_is_not_echoed(client):
    listed = person("刘洋")
    publish([listed])

    response = client.post("/search/", {"q": listed.id_number, "name": listed.name, "last4": "12"})

    assert response.status_code == 400
    factories.assert_no_full_ids(response.content.decode(), [listed.id_number])


def test_an_id_number_not_listed_says_so_with_the_masked_number(en):
    absent = person("刘洋")
    publish([person("陈静")])

    page = en.post("/search/", {"q": absent.id_number, "name": absent.name}).content.decode()

    masked = absent.id_number[:6] + "********" + absent.id_number[-4:]
    assert f"No entry in force was found for the ID number {masked}" in page


def test_too_many_searches_from_one_address_get_a_friendly_refusal(en, settings):
    settings.SEARCH_RATE = "3/h"
    publish([person("张三")])

    statuses = [search(en, "张三").status_code for _ in range(3)]
    refused = en.post("/search/", {"q": "张三"})

    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) > 0
    assert "each visitor may search only so often" in refused.content.decode()
    assert Client(REMOTE_ADDR="10.0.0.2").get("/search/", {"q": "张三"}).status_code == 200


def test_a_broad_name_considers_a_bounded_number_of_people_exact_names_first(client, settings):
    settings.SEARCH_NAME_CANDIDATES = 3
    exact = [person("王伟") for _ in range(4)]
    longer = [person(f"王伟{given}") for given in "丽刚明华军"]
    elsewhere = person("王伟英", region="420102")
    publish([*longer, *exact, elsewhere])
    en = Client(HTTP_ACCEPT_LANGUAGE="en")

    page = search(en, "王伟").content.decode()
    shown = results(page)

    # people of exactly the name first; of each kind no more than the search considers
    assert set(shown[:3]) <= {entry_of(p).public_id for p in exact}
    assert len(shown) == 3 + 3
    assert "Type more of the name, or choose a region" in page

    # a region considers everyone there; a full name is found whatever the cap
    by_region = results(search(en, "王伟", region="江岸").content.decode())
    assert by_region == [entry_of(elsewhere).public_id]
    assert results(search(en, "王伟丽").content.decode()) == [entry_of(longer[0]).public_id]
    settings.SEARCH_NAME_CANDIDATES = 100
    page = search(en, "王伟").content.decode()
    assert len(results(page)) == 10
    assert "Type more of the name" not in page
