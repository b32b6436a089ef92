"""The same import done with django-import-export's bulk mode: the benchmark's baseline.

It does the same per-row work as the portal's pipeline (validate the ID, seal, hash and mask
it, fold the name) in before_import_row, then lets the library create the rows in bulk.
"""

import datetime

import tablib
from django.conf import settings
from import_export import fields, resources, widgets

from blacklist.models import Entry, Notice, Subject, subject_hmac
from blacklist.registry import identity, naming


class SubjectResource(resources.ModelResource):
    class Meta:
        model = Subject
        fields = (
            "kind", "name", "name_key", "id_hmac", "id_encrypted", "id_masked", "gender",
            "region_code", "region_name",
        )  # fmt: skip
        import_id_fields = ("id_hmac",)
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        force_init_instance = True
        use_transactions = True

    def before_import_row(self, row: dict, **kwargs: object) -> None:
        ident = identity.parse_identity(row["身份证号"])
        row.update(
            kind=ident.kind.value,
            name=row["姓名"],
            name_key=naming.fold_name(row["姓名"]),
            id_hmac=subject_hmac(ident.number),
            id_encrypted=identity.encrypt_id(ident.number, keys=settings.FIELD_ENCRYPTION_KEYS),
            id_masked=identity.mask_id(ident.number),
            gender=ident.gender,
            region_code=ident.region_code,
            region_name=ident.region_name,
        )


class EntryResource(resources.ModelResource):
    subject = fields.Field(
        attribute="subject",
        column_name="id_hmac",
        widget=widgets.ForeignKeyWidget(Subject, "id_hmac"),
    )

    class Meta:
        model = Entry
        fields = ("notice", "subject", "offence", "measures", "term_start", "term_end")
        use_bulk = True
        batch_size = 1000
        skip_diff = True
        force_init_instance = True
        use_transactions = True

    def __init__(self, *, notice: Notice) -> None:
        super().__init__()
        self.notice = notice

    def before_import_row(self, row: dict, **kwargs: object) -> None:
        ident = identity.parse_identity(row["身份证号"])
        row.update(
            notice=self.notice.pk,
            id_hmac=subject_hmac(ident.number),
            offence=self.notice.programme.default_offence,
            measures=self.notice.programme.default_measures,
            term_start=row["惩戒起始日期"],
            term_end=row["惩戒终止日期"],
        )


def import_with_import_export(*, path: str, notice: Notice) -> dict[str, float]:
    started = datetime.datetime.now()
    with open(path, encoding="utf-8-sig") as handle:
        dataset = tablib.Dataset().load(handle.read(), format="csv")
    # the library checks headers before rows: give the derived columns a place
    derived = set(SubjectResource.Meta.fields) | {
        "notice",
        "offence",
        "measures",
        "term_start",
        "term_end",
    }
    for header in sorted(derived - set(dataset.headers)):
        dataset.append_col([None] * dataset.height, header=header)
    for resource in (SubjectResource(), EntryResource(notice=notice)):
        result = resource.import_data(dataset, dry_run=False, raise_errors=True)
        if result.has_errors() or result.has_validation_errors():
            raise RuntimeError("the baseline import reported errors")
    return {"total": (datetime.datetime.now() - started).total_seconds()}
