"""The public pages: languages, home, notices, entries, statistics, downloads, health."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from blacklist.models import Entry, Notice, Programme
from blacklist.publication import services as publication
from tests import factories
from tests.factories import people
from tests.factories.people import NOT_PUBLIC, draft_with, entry_of, person, publish, yesterday

pytestmark = pytest.mark.django_db

LANGUAGES = ["zh-hans", "zh-hant", "en"]
HOME_LINK = {"zh-hans": "首页", "zh-hant": "首頁", "en": "Home"}


def titled(notice: Notice, title: str) -> Notice:
    Notice.objects.filter(pk=notice.pk).update(title=title)
    notice.refresh_from_db()
    return notice


def facts(page: str) -> dict[str, str]:
    """The <dt>/<dd> pairs of a page's fact list, tags stripped."""
    pairs = re.findall(r"<dt>(.*?)</dt>\s*<dd[^>]*>(.*?)</dd>", page, flags=re.S)
    return {term: re.sub(r"<[^>]+>", "", value).strip() for term, value in pairs}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_public_page_renders_in_each_language(client, public_urls, language):
    for url in public_urls:
        response = client.get(url, HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200, url
        page = response.content.decode()
        assert f'<html lang="{language}">' in page, url
        current = ' aria-current="page"' if url == "/" else ""
        home_link = f'<a href="/"{current}>'
        assert f"{home_link}{HOME_LINK[language]}</a>" in page, url


def test_simplified_chinese_is_the_default_language(client, public_urls):
    page = client.get("/").content.decode()

    assert '<html lang="zh-hans">' in page


def test_the_language_switcher_keeps_the_choice_for_later_pages(client):
    response = client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/notices/"})

    assert response.status_code == 302
    assert response["Location"] == "/notices/"
    assert '<html lang="zh-hant">' in client.get("/stats/").content.decode()


def language_form(page: str) -> dict[str, str]:
    """The hidden fields and the selected language of the header's language switcher."""
    form = re.search(r'<form class="lang".*?</form>', page, flags=re.S).group(0)
    fields = dict(re.findall(r'<input[^>]* name="([^"]+)"[^>]* value="([^"]*)"', form))
    fields.update(
        re.findall(r'<(select) id="language".*?<option value="([^"]+)" selected', form, re.S)
    )
    return fields


def test_the_header_follows_the_language_of_each_request(client):
    for language in LANGUAGES * 2:
        page = client.get("/notices/", HTTP_ACCEPT_LANGUAGE=language).content.decode()

        assert f'<a href="/">{HOME_LINK[language]}</a>' in page
        assert language_form(page)["select"] == language


def test_the_language_switcher_carries_each_visitor_s_own_path_and_csrf_token():
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)

    on_notices = language_form(first.get("/notices/").content.decode())
    on_stats = language_form(second.get("/stats/").content.decode())
    switch = {"language": "en", "next": on_stats["next"]}

    assert (on_notices["next"], on_stats["next"]) == ("/notices/", "/stats/")
    token = on_stats["csrfmiddlewaretoken"]
    assert (
        second.post("/i18n/setlang/", {**switch, "csrfmiddlewaretoken": token}).status_code == 302
    )
    forged = {**switch, "csrfmiddlewaretoken": on_notices["csrfmiddlewaretoken"]}
    assert second.post("/i18n/setlang/", forged).status_code == 403


def test_the_home_page_lists_the_latest_public_notices_only(en):
    older = titled(publish([person("张三")]), "第一批公告")
    newer = titled(publish([person("李四")]), "第二批公告")
    Notice.objects.filter(pk=older.pk).update(published_at=timezone.now() - datetime.timedelta(9))
    titled(publish([person("王五")], prog=factories.programme(code="p", public=False)), "平台公告")
    titled(draft_with([person("赵六")]), "草稿公告")

    page = en.get("/").content.decode()

    assert page.index(newer.title) < page.index(older.title)
    assert "平台公告" not in page
    assert "草稿公告" not in page


def test_the_home_page_has_a_search_form_the_legal_basis_and_the_fiction_banner(en):
    publish([person("张三")])
    Programme.objects.update(legal_basis="《中华人民共和国反电信网络诈骗法》第三十一条")

    page = en.get("/").content.decode()

    assert re.search(r'<form class="search" action="/search/" method="post"', page)
    assert "《中华人民共和国反电信网络诈骗法》第三十一条" in page
    assert "The persons in it are fictional" in page


def test_a_notice_page_counts_expired_and_revoked_entries(en):
    # the hidden two from other districts: a mask shows the district and the last four
    # characters, which two people of one district may share
    people = [person("张三", region="420102"), person("李四", region="110101")]
    people += [person(name) for name in ("王五", "赵六")]
    notice = publish(people)
    Entry.objects.filter(pk=entry_of(people[0]).pk).update(term_end=yesterday())
    publication.entries_expire_due()
    factories.revoked(entry_of(people[1]), reason="错误列入")

    page = en.get(f"/notices/{notice.pk}/").content.decode()

    counts = facts(page)
    assert (counts["Listed"], counts["In force"]) == ("4", "2")
    assert (counts["Expired"], counts["Revoked"]) == ("1", "1")
    assert entry_of(people[2]).subject.id_masked in page
    assert entry_of(people[0]).subject.id_masked not in page
    assert entry_of(people[1]).subject.id_masked not in page


def test_counts_kept_between_views_change_as_soon_as_the_feed_does(en):
    people = [person(name) for name in ("张三", "李四", "王五")]
    notice = publish(people)
    before = facts(en.get(f"/notices/{notice.pk}/").content.decode())
    home_before = en.get("/").content.decode()
    with CaptureQueriesContext(connection) as again:
        en.get(f"/notices/{notice.pk}/")
    assert not [q for q in again.captured_queries if "COUNT(" in q["sql"]]  # kept, not counted

    factories.revoked(entry_of(people[0]), reason="错误列入")

    after = facts(en.get(f"/notices/{notice.pk}/").content.decode())
    assert (before["In force"], before["Revoked"]) == ("3", "0")
    assert (after["In force"], after["Revoked"]) == ("2", "1")
    assert "<td>3 / 3</td>" in home_before
    assert "<td>2 / 3</td>" in en.get("/").content.decode()


def test_a_notice_page_does_not_count_a_term_that_ended_yesterday_as_in_force(en):
    ended, running = person("张三"), person("李四")
    notice = publish([ended, running])
    Entry.objects.filter(pk=entry_of(ended).pk).update(term_end=yesterday())

    counts = facts(en.get(f"/notices/{notice.pk}/").content.decode())

    assert counts["In force"] == "1"


def test_the_notice_list_shows_public_notices_only(en):
    public = titled(publish([person("张三")]), "公开公告")
    hidden = titled(
        publish([person("王五")], prog=factories.programme(code="p", public=False)), "平台公告"
    )
    draft = titled(draft_with([person("赵六")]), "草稿公告")
    withdrawn = titled(publish([person("钱七")]), "撤回公告")
    Notice.objects.filter(pk=withdrawn.pk).update(status="withdrawn", withdrawn_at=timezone.now())

    page = en.get("/notices/").content.decode()

    assert "公开公告" in page
    assert "平台公告" not in page and "草稿公告" not in page and "撤回公告" not in page
    assert en.get(f"/notices/{public.pk}/").status_code == 200
    for notice in (hidden, draft, withdrawn):
        assert en.get(f"/notices/{notice.pk}/").status_code == 404


def test_an_entry_page_shows_the_masked_listing_its_terms_and_an_objection_form(en):
    zhang = person("张三丰", region="420106")
    notice = titled(publish([zhang], offence="出租银行卡给诈骗团伙"), "第二批名单")
    entry = entry_of(zhang)

    page = en.get(f"/entries/{entry.public_id}/").content.decode()

    shown = facts(page)
    assert "<h1>张*丰</h1>" in page
    assert "张三丰" not in page
    assert shown["ID number"] == zhang.id_number[:6] + "********" + zhang.id_number[-4:]
    assert shown["Gender"] in {"male", "female"}
    assert shown["Region"] == "湖北省武汉市武昌区"
    assert shown["Offence"] == "出租银行卡给诈骗团伙"
    assert shown["Measures"] == "限制开户"
    assert shown["Term"] == f"{entry.term_start:%Y-%m-%d} – {entry.term_end:%Y-%m-%d}"
    assert shown["Notice"] == "第二批名单"
    assert f'href="/notices/{notice.pk}/"' in page
    assert f'action="/entries/{entry.public_id}/object/" method="post"' in page
    assert 'name="reason"' in page and 'type="file" name="attachment"' in page


def test_an_entry_page_asks_search_engines_not_to_index_it(client):
    zhang = person("张三")
    publish([zhang])

    response = client.get(f"/entries/{entry_of(zhang).public_id}/")

    assert "noindex" in response["X-Robots-Tag"]
    assert '<meta name="robots" content="noindex' in response.content.decode()


@pytest.mark.parametrize("make_hidden", NOT_PUBLIC, ids=lambda make: make.__name__)
def test_an_entry_that_is_not_currently_public_is_not_found(en, make_hidden):
    hidden = person("张三")
    make_hidden(hidden)
    public_id = entry_of(hidden).public_id

    page = en.get(f"/entries/{public_id}/")
    form = en.get(f"/entries/{public_id}/object/")

    assert page.status_code == 404
    assert form.status_code == 404
    assert "no longer shown" in page.content.decode()


def test_an_unknown_entry_or_notice_is_not_found(client):
    assert client.get("/entries/not-a-real-id/").status_code == 404
    assert client.get("/notices/999999/").status_code == 404


def test_the_statistics_match_the_entries_currently_public_per_programme(en):
    publish([person("陈静"), person("刘洋"), person("黄磊")])
    publish([person("王芳")], prog=factories.programme(code="phone-cards"))
    people.platform_only(person("孙七"))
    factories.revoked(Entry.objects.currently_public().first(), reason="错误列入")

    page = en.get("/stats/").content.decode()

    assert "<svg" in page
    for programme in Programme.objects.filter(public=True):
        count = Entry.objects.currently_public().filter(notice__programme=programme).count()
        assert f"<tr><td>{programme.name}</td><td>{count}</td></tr>" in page
    for programme in Programme.objects.filter(public=False):
        assert programme.name not in page


def test_the_downloads_page_says_nothing_has_been_published_yet(en):
    publish([person("张三")])

    response = en.get("/exports/")

    assert response.status_code == 200
    assert "No file has been published yet." in response.content.decode()


def test_the_health_check_answers_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.parametrize(
    ("url", "current"),
    [
        ("/", "/"),
        ("/search/", "/search/"),
        ("/notices/", "/notices/"),
        ("/stats/", "/stats/"),
        ("/exports/", "/exports/"),
        ("/objections/", "/objections/"),
    ],
)
def test_the_nav_marks_the_page_the_visitor_is_on(client, url, current):
    page = client.get(url).content.decode()
    nav = re.search(r"<nav[^>]*>(.*?)</nav>", page, flags=re.S)
    assert nav is not None

    marked = re.findall(r'<a href="([^"]+)" aria-current="page">', nav.group(1))
    assert marked == [current]
    # the language switch is one whole form inside the nav, sending back to this path only
    assert nav.group(1).count("<form") == nav.group(1).count("</form>") == 1
    assert f'<input name="next" type="hidden" value="{url}">' in nav.group(1)


def test_a_page_outside_the_nav_marks_none_of_its_links(client):
    listed = person("陈静")
    publish([listed])

    page = client.get(f"/entries/{entry_of(listed).public_id}/").content.decode()

    assert 'aria-current="page"' not in page


def test_the_charts_have_axes_labels_values_and_words_for_those_who_cannot_see_them(en):
    publish([person("陈静"), person("刘洋"), person("黄磊")])
    publish([person("王芳")], prog=factories.programme(code="phone-cards"))

    page = en.get("/stats/").content.decode()

    chart = re.search(
        r'<svg class="chart"[^>]*aria-labelledby="programme-chart-title programme-chart-desc"'
        r".*?</svg>",
        page,
        flags=re.S,
    )
    assert chart is not None
    svg = chart.group(0)
    assert '<title id="programme-chart-title">Listed today, by programme</title>' in svg
    assert (
        '<desc id="programme-chart-desc">phone-cards programme: 1; two-cards programme: 3</desc>'
        in svg
    )
    # the scale (0, the middle, the top), a label under each bar and the value above it
    assert re.findall(r'class="tick"[^>]*>(\d+)</text>', svg) == ["0", "1", "3"]
    assert re.findall(r'class="label"[^>]*>([^<]+)</text>', svg) == [
        "phone-cards programme",
        "two-cards programme",
    ]
    assert re.findall(r'class="value">(\d+)</text>', svg) == ["1", "3"]


def test_the_month_table_shows_the_months_with_something_in_them_and_folds_the_rest(en):
    publish([person("陈静"), person("刘洋")])
    this_month = timezone.localdate().strftime("%Y-%m")

    page = en.get("/stats/").content.decode()

    section = page[page.index('id="by-month"') : page.index('id="digests"')]
    shown, folded = section.split("<details>")
    assert re.findall(r"<tr><td>(\d{4}-\d\d)</td>", shown) == [this_month]
    assert len(re.findall(r"<tr><td>(\d{4}-\d\d)</td>", folded)) == 24
    desc = re.search(r'<desc id="month-chart-desc">([^<]*)</desc>', section).group(1)
    assert f"{this_month}: listed 2, expired 0" in desc
