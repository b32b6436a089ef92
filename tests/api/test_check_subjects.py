"""Subjects of a check as validated: the quick check of plain subjects gives what the fields'
own validation gives, and leaves everything else to it."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rest_framework import serializers

from blacklist.api.serializers import CheckSubjectSerializer, ClosedSerializer, _plain_subject

VALUES = (
    st.text(max_size=5)
    | st.text(min_size=35, max_size=45)
    | st.text(min_size=95, max_size=105)
    | st.text(min_size=195, max_size=260)
    | st.sampled_from(
        ["", "M", "F", "X", "m", "张伟", "420106197501010017", "\ud800", "1990-01-01"]
    )
    | st.none()
    | st.integers()
    | st.booleans()
    | st.lists(st.text(max_size=2), max_size=2)
)
SUBJECTS = st.fixed_dictionaries(
    {"ref": st.text(min_size=1, max_size=3) | VALUES},
    optional={
        key: VALUES for key in ("id_number", "name", "region", "gender", "birth_date", "idnumber")
    },
)


def fields_validation(data: object) -> dict | None:
    try:
        return dict(ClosedSerializer.to_internal_value(CheckSubjectSerializer(), data))
    except serializers.ValidationError:
        return None


@settings(max_examples=3000, deadline=None)
@given(SUBJECTS | VALUES)
def test_a_plain_subject_is_what_the_fields_would_return_and_nothing_else_is_plain(data):
    plain = _plain_subject(data)

    if plain is not None:
        assert plain == fields_validation(data)


def test_common_subjects_are_plain_and_errors_are_left_to_the_fields():
    assert _plain_subject({"ref": "1", "id_number": "420106197501010017", "name": "张伟"})
    assert _plain_subject({"ref": "1", "name": "Zhang Wei", "gender": "M", "region": "4201"})
    for wrong in ({"ref": ""}, {"ref": 1}, {"ref": "1", "gender": "X"}, {"ref": "1", "nme": "张"},
                  {"ref": "1", "birth_date": "1990-01-01"}, {"name": "张伟"}, ["ref"]):  # fmt: skip
        assert _plain_subject(wrong) is None


@pytest.mark.parametrize(
    ("field", "longest"), [("ref", 100), ("id_number", 40), ("name", 200), ("region", 100)]
)
def test_each_text_is_plain_up_to_the_length_its_field_allows(field, longest):
    for length in (longest - 1, longest, longest + 1):
        data = {"ref": "1", field: "字" * length}
        assert _plain_subject(data) == fields_validation(data)


@pytest.mark.parametrize("gender", ["", "M", "F", "X", "m", "male"])
def test_a_gender_is_plain_when_its_field_accepts_it(gender):
    data = {"ref": "1", "gender": gender}
    assert _plain_subject(data) == fields_validation(data)
