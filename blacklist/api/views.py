"""API views: check the caller, call one selector, answer, and write the audit log."""

import base64
import binascii
import re
from typing import Any
from urllib import parse

from django.db.models import QuerySet
from django.http import Http404
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import NotAuthenticated, NotFound, ValidationError
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.pagination import CursorPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import APIView

from blacklist.api import serializers
from blacklist.api.errors import PayloadTooLarge
from blacklist.api.filters import EntryFilter
from blacklist.feed import selectors as feed
from blacklist.feed.changes import last_change_seq
from blacklist.models import (
    ApiClient,
    ApiScope,
    CheckPurpose,
    Notice,
    Programme,
    SnapshotAudience,
)
from blacklist.monitoring import selectors as monitors
from blacklist.monitoring import services as monitoring
from blacklist.monitoring.services import MAX_MONITORS, MonitorSubject
from blacklist.platforms import receipts, screening
from blacklist.platforms import selectors as platforms
from blacklist.platforms.clients import query_log_record
from blacklist.platforms.screening import MAX_CHECK_SUBJECTS, CheckSubject, Scoring
from blacklist.platforms.selectors import ENTRY_FIELDS
from blacklist.registry import redaction
from blacklist.snapshots import downloads
from blacklist.snapshots import services as snapshots

PAGE_SIZE = re.compile(r"[0-9]{1,4}")
# Keys change only when an operator rotates them; a client refetches on an unknown key id.
KEYS_MAX_AGE = 3600


class Cursor(CursorPagination):
    page_size = 100
    page_size_query_param = "page_size"
    max_page_size = 1000
    page_size_query_description = "results per page: 1 to 1,000, default 100"
    cursor_query_description = "where to go on: the `next` or `previous` link's cursor"
    invalid_cursor_message = gettext_lazy("The cursor is not valid: start again without one.")

    def get_page_size(self, request: Request) -> int:
        """A page size that is given must be a whole number from 1 to the maximum."""
        name = self.page_size_query_param
        raw = request.query_params.get(name)
        if raw is None:
            return self.page_size
        # ASCII digits only: str.isdigit() also takes ², which int() refuses
        if not PAGE_SIZE.fullmatch(raw) or not 1 <= int(raw) <= self.max_page_size:
            raise ValidationError(
                {
                    self.page_size_query_param: [
                        _("A whole number from 1 to %(max)d.") % {"max": self.max_page_size}
                    ]
                }
            )
        return int(raw)

    def decode_cursor(self, request: Request):
        raw = request.query_params.get(self.cursor_query_param)
        if raw is None:
            return None
        # DRF drops characters outside base64 and starts again at page one; a cursor that
        # is not one of ours must say so instead.
        try:
            decoded = base64.b64decode(raw.encode("ascii"), validate=True).decode("ascii")
        except (UnicodeError, binascii.Error):
            raise NotFound(self.invalid_cursor_message) from None
        if not {"o", "r", "p"} & set(parse.parse_qs(decoded, keep_blank_values=True)):
            raise NotFound(self.invalid_cursor_message)
        return super().decode_cursor(request)


class EntryCursor(Cursor):
    # Public ids are unique and never change; their time prefix keeps new entries last.
    ordering = "public_id"


class NoticeCursor(Cursor):
    ordering = ("-published_at", "-id")


class MonitorCursor(Cursor):
    ordering = "ref"  # unique per client


def _forget_data(response: Response) -> None:
    response.data = None


class PlatformView(generics.GenericAPIView):
    """Every API view: one scope it needs, and one audit row per answered request."""

    required_scope: str = ApiScope.LOOKUP
    shows_identities = False  # for the OpenAPI description (see PlatformAutoSchema)
    client: ApiClient | None = None

    def perform_authentication(self, request: Request) -> None:
        user = request.user
        self.client = user if isinstance(user, ApiClient) else None
        self.audit: dict[str, Any] = {}

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)
        # Django keeps the last of a repeated parameter; a caller who sent two meant one.
        query = request.query_params
        repeated = sorted(name for name in query if len(query.getlist(name)) > 1)
        if repeated:
            raise ValidationError({name: [_("Give this parameter once.")] for name in repeated})

    @property
    def caller(self) -> ApiClient:
        """The client calling; HasScope lets only clients reach a view's handler."""
        if self.client is None:
            raise NotAuthenticated
        return self.client

    @property
    def reveal(self) -> bool:
        return self.client is not None and self.client.has_scope(ApiScope.IDENTITY)

    def finalize_response(self, request: Request, response: Response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        if self.client is not None:
            query_log_record(
                client=self.client,
                endpoint=self.get_view_name_for_log(),
                method=request.method or "",
                status_code=response.status_code,
                **getattr(self, "audit", {}),
            )
        # Once rendered, the answer is bytes. Its data (a check's tens of thousands of dicts)
        # goes at once, not when a full garbage collection finds the view, its request and
        # its response, which refer to each other.
        if isinstance(response, Response):  # not a file download
            response.add_post_render_callback(_forget_data)
        return response

    def get_view_name_for_log(self) -> str:
        match = self.request.resolver_match
        return match.url_name if match and match.url_name else type(self).__name__


class ProgrammeList(PlatformView, generics.ListAPIView):
    """Every programme, including those shown only to credit platforms."""

    serializer_class = serializers.ProgrammeSerializer
    pagination_class = None

    def get_queryset(self) -> QuerySet[Programme]:
        return platforms.programmes_for_platforms()


class NoticeList(PlatformView, generics.ListAPIView):
    """Published notices, newest first. Drafts, scheduled and withdrawn notices never show."""

    serializer_class = serializers.NoticeSerializer
    pagination_class = NoticeCursor

    def get_queryset(self) -> QuerySet[Notice]:
        return platforms.notices_for_platforms()


class NoticeDetail(PlatformView, generics.RetrieveAPIView):
    """One published notice."""

    serializer_class = serializers.NoticeSerializer

    def get_queryset(self) -> QuerySet[Notice]:
        return platforms.notices_for_platforms()


class EntryList(PlatformView):
    """Entries of published notices, in a stable order, one cursor page at a time.

    Entries of withdrawn notices are not shown: follow `changes/` to learn of withdrawals.
    To screen customers by ID number use `POST checks/`, which keeps ID numbers out of URLs.
    """

    shows_identities = True
    pagination_class = EntryCursor
    filter_backends = [DjangoFilterBackend]
    filterset_class = EntryFilter

    def get_queryset(self):
        return platforms.entries_for_platforms()

    @extend_schema(responses=serializers.EntrySerializer(many=True))
    def get(self, request: Request) -> Response:
        entries = self.filter_queryset(self.get_queryset())  # refuses invalid filters
        screening.entries_lookup_admit(
            client=self.caller,
            id_number=request.query_params.get("id_number", ""),
            name=request.query_params.get("name", ""),
        )
        # dict rows: the cursor reads its position (public_id) from them by name
        page = self.paginate_queryset(entries.values(*ENTRY_FIELDS))
        rows = [tuple(row[name] for name in ENTRY_FIELDS) for row in page or []]
        documents = platforms.entry_documents(rows, reveal=self.reveal, today=timezone.localdate())
        self.audit = screening.lookup_audit(
            id_number=request.query_params.get("id_number", ""),
            name=request.query_params.get("name", ""),
            documents=documents,
        )
        return self.get_paginated_response(documents)


class EntryDetail(PlatformView):
    """One entry of a published notice, by its public id."""

    shows_identities = True

    def get_queryset(self):
        return platforms.entries_for_platforms()

    @extend_schema(responses=serializers.EntrySerializer)
    def get(self, request: Request, public_id: str) -> Response:
        row = (
            self.get_queryset()
            .filter(public_id=public_id)
            .values_list(*ENTRY_FIELDS, "subject__id_hmac")
            .first()
        )
        if row is None:
            raise Http404
        (document,) = platforms.entry_documents(
            [row], reveal=self.reveal, today=timezone.localdate()
        )
        # whose record was read, as a keyed hash
        self.audit = {"subjects": 1, "hits": int(document["listed"]), "identifiers": [row[-1]]}
        return Response(document)


class Checks(PlatformView):
    """Screen up to 1,000 customers at once, by ID number and/or name.

    One result per subject, in the order asked. A valid ID number is matched exactly and
    decides alone (a name given beside it only sets `name_agrees`); an invalid one gets the
    subject an `error` (`id_checksum`, `id_birth_date`, `id_length` …) while the others are
    answered. A name alone is matched on the full name folded (either script, spaces and
    full-width letters ignored) and never answers `listed` (null): a match sets `match` to
    `name` with a `note` that a name is not an identification, and lists the entries only
    for clients with the `identity` scope. A subject with neither gets the error
    `nothing_to_check`. With `as_of`, `listed` answers for the end of that day, from terms
    and the history of publication, revocation and withdrawal; the entries' `status` and
    `listed` still describe today.

    Every subject counts against the client's daily quota (`quota_exceeded`). For clients
    without `identity`, ID numbers that share the mask of a listed person, names tried
    against one ID number and names one character apart are counted per day; a check that
    tries out what a mask hides is refused whole (`enumeration_suspected`) until midnight,
    and the portal's officials are alerted. A real screening stays far below the limits,
    which grow with the client's volume of the day.

    `match_mode: scored` (clients with `identity` only; others are answered in exact mode)
    adds to each subject with a name its `candidates`: listed subjects the name may mean
    (pinyin, homophones, traditional characters, former names and aliases, organisations'
    legal forms), each with a `score` and an `explanation` per feature, at least `threshold`
    and at most `limit` of them. `birth_date`, `gender` and `region` are compared too.
    """

    shows_identities = True
    serializer_class = serializers.CheckSerializer

    @extend_schema(
        request=serializers.CheckSerializer,
        responses={200: serializers.CheckResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        body = request.data if isinstance(request.data, dict) else {}
        subjects = body.get("subjects")
        # A refused check is logged with what it asked for, as far as that can be read.
        self.audit = {
            "purpose": body["purpose"] if body.get("purpose") in CheckPurpose.values else "",
            "subjects": len(subjects) if isinstance(subjects, list) else 0,
        }
        if isinstance(subjects, list) and len(subjects) > MAX_CHECK_SUBJECTS:
            raise PayloadTooLarge(_too_many_subjects(len(subjects)), code="too_many_subjects")
        asked = serializers.CheckSerializer(data=request.data)
        asked.is_valid(raise_exception=True)
        data = asked.validated_data
        # read before the lookups: the answer includes every change up to it
        last_seq = last_change_seq()
        outcome = screening.checks_run(
            client=self.caller,
            subjects=[CheckSubject(**subject) for subject in data["subjects"]],
            as_of=data.get("as_of"),
            scoring_asked=Scoring(data["match_mode"], data["threshold"], data["limit"]),
        )
        results = [result.as_dict() for result in outcome.results]
        receipt = receipts.receipt_issue(
            purpose=data["purpose"],
            as_of=data.get("as_of"),
            last_seq=last_seq,
            checked_at=timezone.localtime(),
            subjects=body["subjects"],  # as sent: the caller can hash them again
            results=results,
        )
        self.audit = {
            "purpose": data["purpose"],
            "subjects": len(outcome.results),
            "hits": outcome.hits,
            "identifiers": outcome.identifiers,
            "receipt": receipt,
        }
        return Response(
            {
                "purpose": data["purpose"],
                "as_of": data["as_of"].isoformat() if data.get("as_of") else None,
                "checked_at": receipt["checked_at"],
                **serializers.scoring_applied(outcome.scoring),
                "results": results,
                "receipt": receipt,
            }
        )


def _too_many_subjects(count: int) -> str:
    return _("At most %(max)d subjects per check; this one has %(count)d.") % {
        "max": MAX_CHECK_SUBJECTS,
        "count": count,
    }


class Keys(APIView):
    """The public keys that verify the receipts of `checks/`: the key that signs now, then
    retired keys whose receipts still verify. Public: no API key needed.

    A receipt names its key by `key_id`. Verify its `signature` (Ed25519, base64url) over
    the canonical JSON of the receipt without `signature`: keys sorted, no spaces, text as
    UTF-8. Keep the keys you fetched; fetch again when a receipt names a key you do not hold.
    """

    authentication_classes: list[type] = []
    permission_classes: list[type] = []
    throttle_classes: list[type] = []

    @extend_schema(
        operation_id="keys_list",
        auth=[],
        responses=OpenApiResponse(
            serializers.KeyListSerializer, description="The keys, the current one first."
        ),
        parameters=[
            OpenApiParameter(
                "Cache-Control",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description=f"public, max-age={KEYS_MAX_AGE}",
            )
        ],
    )
    def get(self, request: Request) -> Response:
        response = Response({"keys": receipts.key_documents(receipts.published_keys())})
        patch_cache_control(response, public=True, max_age=KEYS_MAX_AGE)
        return response


class Monitors(PlatformView):
    """A platform's customers, watched for listings: registered, listed and removed here;
    their hits go out as `monitor.hit` webhooks (blacklist.monitoring)."""

    required_scope = ApiScope.FEED
    pagination_class = MonitorCursor
    serializer_class = serializers.MonitorRegistrationSerializer  # what OPTIONS describes

    @extend_schema(
        operation_id="monitors_list",
        parameters=[serializers.MonitorQuerySerializer],
        responses=serializers.MonitorSerializer(many=True),
    )
    def get(self, request: Request) -> Response:
        """Your monitors, by `ref` (cursor pages): each customer's `ref`, `kind` and when it
        was registered. Whether one is listed is not shown here: registering answers that,
        and `monitor.hit` tells every change after."""
        query = serializers.MonitorQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        found = monitors.monitors_of(client=self.caller, ref=query.validated_data.get("ref"))
        page = self.paginate_queryset(found)
        return self.get_paginated_response(serializers.MonitorSerializer(page, many=True).data)

    @extend_schema(
        operation_id="monitors_register",
        request=serializers.MonitorRegistrationSerializer,
        responses={200: serializers.MonitorRegistrationResponseSerializer},
    )
    def post(self, request: Request) -> Response:
        """Watch up to 100,000 customers (`ref` and ID number or credit code): from now on a
        `monitor.hit` webhook tells you, by your own `ref`, whenever one of them is listed or
        leaves the list (expired, revoked, withdrawn). The answer says which of them are
        listed now.

        All are registered, or none: a request with an invalid ID number, a `ref` given
        twice or a `ref` that holds the ID number is refused (400, each problem named by its
        path, `subjects[3].id_number`, and the item's `ref`). Registering a `ref` again
        changes nothing; with another ID number it watches that one from now on. The portal
        keeps only your `ref` and a keyed hash of the number, never the number.

        Like a check, every customer counts against the client's daily quota
        (`quota_exceeded`), and for clients without `identity` the ID numbers are counted by
        the screening guard (`enumeration_suspected`); a refused registration keeps nothing.

        Hits go to the client's webhook subscriptions that take `monitor.hit` (an official
        subscribes the client): `data` is `{"hits": [{"ref", "kind", "seq", "entry",
        "notice", "id_number_masked"}]}`, at most 1,000 hits per delivery, in feed order,
        once for each customer and change event after `last_seq`. `kind` is the change
        (`listed`, `expired`, `revoked`, `withdrawn`), `seq` its number on `changes/`,
        `entry` the entry's public id. A disabled client's monitors are all removed."""
        subjects = _body_list(request, "subjects")
        # A refused registration is logged with what it asked for, as far as that can be read.
        self.audit = {"purpose": CheckPurpose.ONGOING_MONITORING, "subjects": len(subjects)}
        _at_most_max(subjects, "subjects")
        asked = serializers.MonitorRegistrationSerializer(data=request.data)
        errors = {} if asked.is_valid() else _per_item(asked.errors, "subjects")
        # The items that are well formed are checked too, so one answer names every problem.
        positions = [i for i, s in enumerate(subjects) if i not in errors]
        parsed, problems = monitoring.subjects_parse(
            [
                MonitorSubject(ref=subjects[i]["ref"], id_number=subjects[i]["id_number"])
                for i in positions
            ]
        )
        errors |= {positions[i]: found for i, found in problems.items()}
        if errors:
            raise ValidationError({"subjects": _item_errors(errors, subjects)})
        outcome = monitoring.monitors_register(client=self.caller, subjects=parsed)
        self.audit |= {"hits": len(outcome.already_listed), "identifiers": outcome.identifiers}
        return Response(
            {
                "registered": outcome.registered,
                "updated": outcome.updated,
                "unchanged": outcome.unchanged,
                "already_listed": outcome.already_listed,
                "last_seq": outcome.since_seq,
            }
        )

    @extend_schema(
        operation_id="monitors_remove",
        request=serializers.MonitorRemovalSerializer,
        responses={200: serializers.MonitorRemovalResponseSerializer},
    )
    def delete(self, request: Request) -> Response:
        """Stop watching customers, by `ref` (`{"refs": [...]}`, up to 100,000): their
        monitors are deleted. Refs you did not monitor are named in `unknown`. (A tool that
        cannot send a body with DELETE can use `DELETE monitors/{ref}/`.)"""
        refs = _body_list(request, "refs")
        _at_most_max(refs, "refs")
        asked = serializers.MonitorRemovalSerializer(data=request.data)
        if not asked.is_valid():
            raise ValidationError({"refs": _item_errors(_per_item(asked.errors, "refs"), refs)})
        removal = monitoring.monitors_remove(client=self.caller, refs=asked.validated_data["refs"])
        return Response({"removed": removal.removed, "unknown": removal.unknown})


class MonitorDetail(PlatformView):
    """Stop watching one customer, by your `ref` (percent-encoded in the path); 404 if you
    do not monitor it."""

    required_scope = ApiScope.FEED

    @extend_schema(
        operation_id="monitors_remove_one",
        request=None,
        responses={200: serializers.MonitorRemovalResponseSerializer},
    )
    def delete(self, request: Request, ref: str) -> Response:
        # No stored ref holds a NUL or is longer (and PostgreSQL cannot compare with a NUL).
        if "\x00" in ref or len(ref) > 100:
            raise Http404
        removal = monitoring.monitors_remove(client=self.caller, refs=[ref])
        if not removal.removed:
            raise Http404
        return Response({"removed": removal.removed, "unknown": []})


MAX_ITEM_ERRORS = 1000  # items named in one 400; a list that is wrong throughout needs no more


def _body_list(request: Request, name: str) -> list[Any]:
    """The body's list `name` as sent, or an empty one if it is not a list."""
    body = request.data if isinstance(request.data, dict) else {}
    items = body.get(name)
    return items if isinstance(items, list) else []


def _at_most_max(items: list[Any], name: str) -> None:
    """Past the maximum the request is refused (413) before anything in it is read."""
    if len(items) > MAX_MONITORS:
        raise PayloadTooLarge(
            _("At most %(max)d items in `%(name)s`; this request has %(count)d.")
            % {"max": MAX_MONITORS, "name": name, "count": len(items)},
            code="too_many_subjects",
        )


def _per_item(errors: dict[str, Any], name: str) -> dict[int, Any]:
    """The errors of the list's items by position; errors of the request as a whole (a
    field missing, unknown or not a list) are raised as they are."""
    found = errors.get(name)
    if set(errors) != {name} or not isinstance(found, dict):
        raise ValidationError(errors)
    return dict(found)


def _item_errors(errors: dict[int, Any], items: list[Any]) -> dict[Any, Any]:
    """The items' errors by position, each message naming the item's ref where it has one;
    the first MAX_ITEM_ERRORS items, and how many more there are."""
    named: dict[Any, Any] = {}
    for index in sorted(errors)[:MAX_ITEM_ERRORS]:
        item = items[index]
        ref = item.get("ref") if isinstance(item, dict) else item
        problems = errors[index]
        if isinstance(ref, str) and ref:
            problems = _with_ref(problems, ref)
        named[index] = problems
    if len(errors) > MAX_ITEM_ERRORS:
        named[api_settings.NON_FIELD_ERRORS_KEY] = [
            _("%(count)d more items have errors; the first %(shown)d are named.")
            % {"count": len(errors) - MAX_ITEM_ERRORS, "shown": MAX_ITEM_ERRORS}
        ]
    return named


def _with_ref(problems: Any, ref: str) -> Any:
    if isinstance(problems, dict):
        return {field: _with_ref(found, ref) for field, found in problems.items()}
    if isinstance(problems, list):
        return [_with_ref(found, ref) for found in problems]
    # masked: the answer does not repeat an ID number a ref was refused for holding
    return _("ref %(ref)s: %(problem)s") % {
        "ref": redaction.redact_id_numbers(ref),
        "problem": problems,
    }


class Changes(PlatformView):
    """The change feed: every listing, update, expiry, revocation and withdrawal, oldest first.

    Sequence numbers start at 1, have no gaps and are handed out in commit order: reading
    `after` the last number you applied never skips an event that commits later. Pass
    `next_after` as the next `after`; it equals `after` when there is nothing new. An
    `after` beyond `last_seq` is refused (400), since no feed has handed it out.
    """

    required_scope = ApiScope.FEED
    shows_identities = True

    @extend_schema(
        operation_id="changes_list",
        parameters=[serializers.ChangesQuerySerializer],
        responses=serializers.ChangePageSerializer,
    )
    def get(self, request: Request) -> Response:
        query = serializers.ChangesQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = feed.changes_after(
            after=query.validated_data["after"],
            limit=query.validated_data["limit"],
            reveal=self.reveal,
        )
        return Response(
            {"events": page.events, "next_after": page.next_after, "last_seq": page.last_seq}
        )


class Exports(PlatformView):
    """The newest snapshot of each format (CSV, JSON, FollowTheMoney) with its checksum.

    Every file holds the entries in force, programmes shown only to platforms included: the
    same entries `changes/` covers. Clients with the `identity` scope get the `identity`
    files, with full names and ID numbers; every other client the `platform` files, with
    names and ID numbers masked as `entries/` shows them. The `public` files of the portal's
    own site are not served here. Load one, then follow `changes/` from its `last_seq`.
    """

    required_scope = ApiScope.FEED
    pagination_class = None

    @extend_schema(responses=serializers.SnapshotSerializer(many=True), operation_id="exports_list")
    def get(self, request: Request) -> Response:
        latest = snapshots.snapshots_latest(audience=self.audience)
        return Response(
            serializers.SnapshotSerializer(latest, many=True, context={"request": request}).data
        )

    @property
    def audience(self) -> str:
        return SnapshotAudience.IDENTITY if self.reveal else SnapshotAudience.PLATFORM


class AnyAccept(BaseContentNegotiation):
    """A file is sent as what it is, whatever the client accepts; errors stay JSON."""

    def select_renderer(self, request: Request, renderers: list, format_suffix=None):
        return renderers[0], renderers[0].media_type


class ExportDownload(Exports):
    """One snapshot file, streamed: only the newest of its format for the client's audience
    (`identity` with that scope, else `platform`; an older file may still hold entries
    revoked since), else 404."""

    content_negotiation_class = AnyAccept

    @extend_schema(
        operation_id="exports_download",
        responses={
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.BINARY,
                description="The file, in its format's media type: CSV (UTF-8 with a BOM), "
                "the JSON document, or FollowTheMoney entities as JSON lines.",
            ),
            (200, "application/json"): serializers.SnapshotDocumentSerializer,
            (200, "application/x-ndjson"): OpenApiTypes.BINARY,
            304: OpenApiResponse(
                description="Not modified: `If-None-Match` named this file's ETag."
            ),
        },
        parameters=[
            OpenApiParameter(
                "If-None-Match",
                str,
                OpenApiParameter.HEADER,
                required=False,
                description="the ETag of the file you hold: 304 if it is still this one",
            ),
            OpenApiParameter(
                "ETag",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="the file's SHA-256 in quotes",
            ),
            OpenApiParameter(
                "Content-Disposition",
                str,
                OpenApiParameter.HEADER,
                response=[200],
                description="attachment, with the file name",
            ),
        ],
    )
    def get(self, request: Request, pk: int) -> HttpResponseBase:  # type: ignore[override]
        snapshot = snapshots.snapshot_offered(pk=pk, audience=self.audience)
        if snapshot is None:
            raise Http404
        self.audit = {"subjects": snapshot.count}  # the whole list, as of this snapshot
        return downloads.snapshot_response(snapshot, request=request)


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def not_found(request: Request, rest: str = "") -> Response:
    """Any other path under /api/v1/ gets a JSON 404 like the rest of the API."""
    raise NotFound
