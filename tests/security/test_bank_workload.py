"""A real bank's screening is never refused: the guard's false-refusal rate, measured.

100,000 random valid customers in five counties where 2,000 listed people live, checked
1,000 a call with their names, as a bank without the `identity` scope does. Many of them
share a mask with a listed person (that is how masks are: about 11,000 per county), which
is exactly what the guard counts, so the figures show how far the bank stays from a limit.
"""

import datetime
import json
import random

import pytest
from django.conf import settings
from django.db.models import Count, Max

from blacklist.guard import services as guard
from blacklist.models import Guess, ProbeFamily
from blacklist.registry import identity
from tests.api.conftest import Platform
from tests.factories.people import Person, publish

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

COUNTIES = ("420102", "420103", "420104", "420105", "420106")
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华玉萍红建文辉力永健世广志义"
CUSTOMERS = 100_000
PER_CALL = 1_000
LISTED = 2_000


def random_person(rng: random.Random, counties: tuple[str, ...], sequences: int) -> Person:
    born = datetime.date(1950, 1, 1) + datetime.timedelta(days=rng.randrange(20_000))
    number = identity.make_resident_id(rng.choice(counties), born, rng.randrange(sequences))
    name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
    return Person(name, number)


@pytest.mark.parametrize(
    ("counties", "sequences"),
    [
        pytest.param(COUNTIES, 1000, id="five-counties"),
        # one county, and only the low sequence numbers that stations hand out first:
        # the densest a real customer base gets
        pytest.param(COUNTIES[:1], 300, id="one-county-low-sequences"),
    ],
)
def test_a_bank_screening_a_hundred_thousand_customers_is_never_refused(
    bank: Platform, counties: tuple[str, ...], sequences: int
):
    rng = random.Random(20261203)
    publish([random_person(rng, counties, sequences) for _ in range(LISTED)])
    customers = [random_person(rng, counties, sequences) for _ in range(CUSTOMERS)]

    refused_calls, refused_subjects, hits = 0, 0, 0
    for start in range(0, CUSTOMERS, PER_CALL):
        batch = customers[start : start + PER_CALL]
        response = bank.check(
            [{"ref": str(n), "id_number": p.id_number, "name": p.name} for n, p in enumerate(batch)]
        )
        if response.status_code == 429:
            refused_calls += 1
            refused_subjects += len(batch)
        else:
            assert response.status_code == 200, response.content
            hits += sum(1 for r in response.json()["results"] if r["listed"])

    counted = Guess.objects.filter(actor=f"client:{bank.client.pk}", family=ProbeFamily.ID_MASK)
    per_mask = counted.values("pattern").annotate(n=Count("id"))
    figures = {
        "customers": CUSTOMERS,
        "calls": CUSTOMERS // PER_CALL,
        "listed_people": LISTED,
        "counties": len(counties),
        "sequence_numbers_in_use": sequences,
        "refused_calls": refused_calls,
        "false_refusal_rate": refused_subjects / CUSTOMERS,
        "customers_sharing_a_listed_mask": counted.count(),
        "most_customers_sharing_one_mask": per_mask.aggregate(m=Max("n"))["m"],
        "limit_per_mask_at_the_end": settings.GUARD_LIMITS["api"]["id_mask"]
        + guard.mask_allowance(CUSTOMERS),
        "hits": hits,
    }
    out = settings.VAR_DIR / "bench"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"bank-workload-{len(counties)}-{sequences}.json").write_text(json.dumps(figures))
    print(json.dumps(figures))

    assert refused_calls == 0
    assert figures["customers_sharing_a_listed_mask"] > 1_000  # the guard really counted them
