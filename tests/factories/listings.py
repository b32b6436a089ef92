"""Published lists with every kind of entry a page may show or must hide, built through the
officials' workflow: what a sweep over the public site or the API needs, without the demo."""

from dataclasses import dataclass

from django.conf import settings

from blacklist.models import Entry, Notice
from blacklist.objections import services as objections
from blacklist.publication import digests
from blacklist.registry import identity
from tests import factories
from tests.factories import people
from tests.factories.people import Person, company, person, publish

SOURCE_URL = "https://gaj.wuhan.gov.cn/notices/2026-7"
FORMULA_OFFENCE = '=HYPERLINK("http://example.com")'


@dataclass
class Listing:
    public: list[Person]  # currently public
    platform_only: Person  # listed, on a programme shown only to credit platforms
    hidden: list[Person]  # on a draft, scheduled or withdrawn notice, expired, revoked...
    organisation: Person
    formula_offence: str

    @staticmethod
    def public_ids(persons: list[Person]) -> set[str]:
        """Every entry of these persons, on any notice."""
        digests = [identity.lookup_hmac(p.id_number, key=settings.ID_LOOKUP_KEY) for p in persons]
        return set(
            Entry.objects.filter(subject__id_hmac__in=digests).values_list("public_id", flat=True)
        )


def every_kind() -> Listing:
    """Persons and an organisation in force, one person listed twice, one on a programme for
    platforms only, and one person for each way an entry exists but is not public."""
    zhang, li = person("张三丰"), person("李四")
    relisted = person("王小明")  # on two notices of public programmes
    organisation = company("-武汉某某科技有限公司", 1)
    notice = publish([zhang, li, relisted, organisation])
    Notice.objects.filter(pk=notice.pk).update(
        source_url=SOURCE_URL, document_number="武公告〔2026〕7号"
    )
    other = person("赵六")
    publish(
        [other, relisted], prog=factories.programme(code="two-cards-2"), offence=FORMULA_OFFENCE
    )
    platform_only = person("孙七")
    people.platform_only(platform_only)
    ways = [way for way in people.NOT_PUBLIC if way is not people.platform_only]
    hidden = [
        person(name) for name in ["周一", "吴二", "郑三", "冯四", "陈五", "褚六"][: len(ways)]
    ]
    for way, hidden_person in zip(ways, hidden, strict=True):
        way(hidden_person)
    return Listing(
        public=[zhang, li, relisted, organisation, other],
        platform_only=platform_only,
        hidden=hidden,
        organisation=organisation,
        formula_offence=FORMULA_OFFENCE,
    )


@dataclass
class Register:
    listing: Listing
    long_notice: Notice  # public, with more entries than two pages of a notice hold


def register_of_every_kind() -> Register:
    """`every_kind`, a long notice, a notice withdrawn by two officials, an objection in each
    state (received, under review, uphold asked, rejected, upheld) and last month's digest."""
    listing = every_kind()
    long_notice = factories.published_notice(count=110)
    factories.withdrawn(factories.published_notice(count=2))
    filed = [
        objections.objection_file(entry=entry, name=entry.subject.name, contact="138", reason="y")
        for entry in factories.entries_of(long_notice)[:5]
    ]
    _, review, uphold_asked, rejected, upheld = filed  # the first stays as received
    asks, confirms = factories.official("obj-asks"), factories.official("obj-confirms")
    objections.objection_start_review(objection=review, by=asks)
    objections.objection_uphold_request(objection=uphold_asked, reason="核实有误", by=asks)
    objections.objection_reject(objection=rejected, reason="核实无误", by=asks)
    objections.objection_uphold_request(objection=upheld, reason="核实有误", by=asks)
    objections.objection_uphold_confirm(objection=upheld, by=confirms)
    digests.digest_build(month=digests.previous_month())
    return Register(listing=listing, long_notice=long_notice)
