"""What a citizen types into the search box, shared by the load test's users and its
single-request baseline so that both time the same mix of queries."""

import random


def name_query(name: str, rng: random.Random | None = None) -> str:
    """A listed person's full name, or for a third of visitors its first two characters
    (a name search that matches more people)."""
    draw = (rng or random).random()
    return name[:2] if len(name) > 2 and draw < 1 / 3 else name
