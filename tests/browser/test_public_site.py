"""A citizen on a phone: search, read an entry, object, and the public pages around them."""

import re

import pytest
from django.utils import translation
from playwright.sync_api import expect

from blacklist.models import Entry, Objection

from .conftest import PHONE_WIDTH, Visit

pytestmark = pytest.mark.django_db(transaction=True)

# Simplified → traditional for common surnames and name characters that differ.
TRADITIONAL = str.maketrans(
    "刘张陈杨黄赵吴孙郑谢韩冯邓许罗叶萧钟卢蒋龙汤苏贺顾乔陆严丽华伟军国强红兰凤东义刚庆"
    "宝丰荣发贵财云飞鹏龙凯岚燕莲琼洁静颖伦辉涛顺达",
    "劉張陳楊黃趙吳孫鄭謝韓馮鄧許羅葉蕭鍾盧蔣龍湯蘇賀顧喬陸嚴麗華偉軍國強紅蘭鳳東義剛慶"
    "寶豐榮發貴財雲飛鵬龍凱嵐燕蓮瓊潔靜穎倫輝濤順達",
)
TERM = re.compile(r"\d{4}-\d{2}-\d{2} – \d{4}-\d{2}-\d{2}")


def traditional(name: str) -> str:
    return name.translate(TRADITIONAL)


def public_person_with_traditional_name() -> Entry:
    entries = (
        Entry.objects.currently_public()
        .filter(subject__kind="person")
        .select_related("subject", "notice__programme")
        .order_by("id")
    )
    for entry in entries:
        if traditional(entry.subject.name) != entry.subject.name:
            return entry
    raise AssertionError("no public person whose name differs in traditional")


def search_from_home(visit: Visit, live_server, text: str, name: str = "") -> None:
    page = visit.page
    page.goto(live_server.url + "/")
    page.locator("#id_q").fill(text)
    if name:
        page.locator("#id_name").fill(name)
    page.locator("form.search button[type=submit]").click()
    page.wait_for_url(re.compile(r"/search/"))


def assert_fits_phone(visit: Visit, step: str) -> None:
    width = visit.scroll_width()
    assert width <= PHONE_WIDTH, f"{step}: scrolls sideways ({width} px wide at {PHONE_WIDTH} px)"


def test_search_in_traditional_characters_read_entry_and_object(visit: Visit, live_server):
    entry = public_person_with_traditional_name()
    subject = entry.subject
    typed = traditional(subject.name)
    page = visit.page

    page.goto(live_server.url + "/")
    visit.step("home")
    assert_fits_phone(visit, "home")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")

    page.locator("#id_q").fill(typed)
    page.locator("form.search button[type=submit]").click()
    # the home form POSTs; a name search comes back as a shareable GET page
    page.wait_for_url(re.compile(r"/search/\?"))
    visit.step("search-results")
    assert_fits_phone(visit, "search results")
    expect(page.locator("#id_q")).to_have_value(typed)
    result = page.locator("li.result").filter(
        has=page.locator(f'a[href="/entries/{entry.public_id}/"]')
    )
    expect(result).to_have_count(1)
    expect(result.locator("strong")).to_have_text(entry.public_name())
    expect(result.locator(".idmask")).to_have_text(subject.id_masked)
    assert entry.public_name() != subject.name, "the name should show masked"

    result.locator("a").click()
    page.wait_for_url(f"**/entries/{entry.public_id}/")
    visit.step("entry")
    assert_fits_phone(visit, "entry")
    expect(page.locator("h1")).to_have_text(entry.public_name())
    expect(page.locator("dd.idmask")).to_have_text(subject.id_masked)
    term = f"{entry.term_start:%Y-%m-%d} – {entry.term_end:%Y-%m-%d}"
    expect(page.locator("dl.facts dd").filter(has_text=TERM)).to_have_text(term)

    form = page.locator("form.objection")
    form.locator("#id_name").fill("王小明")
    form.locator("#id_contact").fill("13800000000")
    form.locator("#id_reason").fill("我不是名单上的这个人，身份证号码也不是我的。")
    visit.step("objection-form")
    form.locator("button[type=submit]").click()
    page.wait_for_url(re.compile(r"/objections/[^/]+/$"))
    visit.step("objection-status")

    reference = page.locator(".reference").inner_text().strip()
    assert reference
    assert page.url.endswith(f"/objections/{reference}/")
    objection = Objection.objects.get(reference=reference)
    assert objection.entry_id == entry.pk
    assert (objection.name, objection.contact) == ("王小明", "13800000000")
    assert objection.reason.startswith("我不是名单上的这个人")
    with translation.override("zh-hans"):
        status = objection.get_status_display()
    expect(page.locator("dd.status")).to_have_text(status)
    expect(page.locator("dl.facts")).to_contain_text(subject.id_masked)
    visit.assert_no_errors()


def test_a_full_id_number_search_never_shows_the_number(visit: Visit, live_server):
    entry = public_person_with_traditional_name()
    number = entry.subject.id_number()
    search_from_home(visit, live_server, number, name=entry.subject.name)
    html = visit.step("search-by-id")
    assert number not in visit.page.url
    assert number not in html
    expect(visit.page.locator("#id_q")).to_have_value("")
    expect(visit.page.locator("h2[aria-live]")).to_contain_text(entry.subject.id_masked)
    expect(visit.page.locator(f'li.result a[href="/entries/{entry.public_id}/"]')).to_have_count(1)
    visit.assert_no_errors()


def test_an_id_number_without_the_right_name_reads_as_not_found(visit: Visit, live_server):
    entry = public_person_with_traditional_name()
    number = entry.subject.id_number()
    search_from_home(visit, live_server, number, name="欧阳无此人")
    html = visit.step("search-by-id-wrong-name")
    assert number not in visit.page.url
    assert number not in html
    expect(visit.page.locator("li.result")).to_have_count(0)
    expect(visit.page.locator(f'a[href="/entries/{entry.public_id}/"]')).to_have_count(0)
    visit.assert_no_errors()


def test_a_single_character_is_refused_with_an_explanation(visit: Visit, live_server):
    visit.expect_console(r"status of 400")
    search_from_home(visit, live_server, "刘")
    visit.step("search-refused")
    error = visit.page.locator("form.search p.error[role=alert]")
    expect(error).to_be_visible()
    expect(error).to_contain_text(re.compile("two characters|两个字|兩個字"))
    expect(visit.page.locator("li.result")).to_have_count(0)
    visit.assert_no_errors()


def test_no_match_explains_what_not_listed_means(visit: Visit, live_server):
    search_from_home(visit, live_server, "欧阳无此人")
    visit.step("no-match")
    assert_fits_phone(visit, "no match")
    visit.assert_no_errors()
    no_match = visit.page.locator(".no-match")
    expect(no_match).to_be_visible()
    expect(no_match).to_contain_text("欧阳无此人")
    expect(no_match.locator("p")).to_have_count(2)
    expect(no_match).to_contain_text(re.compile("Not listed|未列入|不在名单"))


def test_notices_notice_detail_and_stats(visit: Visit, live_server):
    page = visit.page
    page.goto(live_server.url + "/notices/")
    visit.step("notices")
    links = page.locator("table a[href^='/notices/']")
    expect(links.first).to_be_visible()
    title = links.first.inner_text()
    links.first.click()
    page.wait_for_url(re.compile(r"/notices/\d+/$"))
    visit.step("notice-detail")
    expect(page.locator("h1")).to_have_text(title)

    page.goto(live_server.url + "/stats/")
    visit.step("stats")
    assert_fits_phone(visit, "stats")
    expect(page.locator("svg.chart")).to_have_count(2)
    visit.assert_no_errors()


def test_language_switch_to_english_works_without_javascript(visit_without_js: Visit, live_server):
    page = visit_without_js.page
    page.goto(live_server.url + "/stats/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    page.locator("#language").select_option("en")
    page.locator("form.lang button[type=submit]").click()
    page.wait_for_url("**/stats/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Statistics")
    visit_without_js.step("stats-en")
    page.goto(live_server.url + "/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    visit_without_js.step("home-en")
    visit_without_js.assert_no_errors()
