"""Fictional persons and organisations for the demo and for benchmarks.

Deterministic for a given seed. Names are plausible and ID numbers are valid
(Hubei region codes, real check digits), but every one of them is generated.
"""

import datetime
import random
from collections.abc import Iterator
from dataclasses import dataclass

from blacklist.registry.identity import make_credit_code, make_resident_id

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶"
    "程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛"
    "郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰辉鹏飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢"
    "阳建亮成倩婷雪琳晨博文志红梅萍燕丹雯佳然思诗梦欣悦晓云峰海东新金春国荣德永庆振卫伦涵睿"
)
# Wuhan's districts first (the demo's authority is Wuhan's bureau), then other Hubei cities.
HUBEI_REGIONS = (
    "420102", "420103", "420104", "420105", "420106", "420107", "420111", "420112",
    "420113", "420114", "420115", "420116", "420117", "420202", "420302", "420502",
    "420602", "420704", "420802", "420902", "421002", "421102", "421202", "421303",
)  # fmt: skip
COMPANY_WORDS = ("鑫达", "恒通", "汇联", "长盛", "楚信", "江城", "东湖", "九通", "华晟", "远航")
COMPANY_TRADES = ("通讯器材", "信息咨询", "电子商务", "网络科技", "商贸")


@dataclass(frozen=True)
class FictionalSubject:
    name: str
    id_number: str


def fictional_people(
    count: int, *, seed: int, born_from: int = 1965, born_to: int = 2002
) -> Iterator[FictionalSubject]:
    rng = random.Random(seed)
    used: set[str] = set()
    first, span = (
        datetime.date(born_from, 1, 1),
        (datetime.date(born_to, 12, 31) - datetime.date(born_from, 1, 1)).days,
    )
    while len(used) < count:
        number = make_resident_id(
            rng.choice(HUBEI_REGIONS),
            first + datetime.timedelta(days=rng.randrange(span + 1)),
            rng.randrange(1000),
        )
        if number in used:
            continue
        used.add(number)
        given = "".join(rng.choice(GIVEN) for _ in range(1 if rng.random() < 0.3 else 2))
        yield FictionalSubject(name=rng.choice(SURNAMES) + given, id_number=number)


def fictional_companies(count: int, *, seed: int) -> Iterator[FictionalSubject]:
    rng = random.Random(seed)
    for index in range(count):
        word, trade = rng.choice(COMPANY_WORDS), rng.choice(COMPANY_TRADES)
        org_code = f"{rng.randrange(10**8):08d}{index % 10}"
        yield FictionalSubject(
            name=f"武汉{word}{trade}有限公司(虚构)",
            id_number=make_credit_code(f"91{rng.choice(HUBEI_REGIONS[:13])}{org_code}"),
        )
