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
from blacklist.platforms import receipts, screening
from blacklist.platforms import selectors as platforms
from blacklist.platforms.clients import query_log_record
from blacklist.platforms.screening import MAX_CHECK_SUBJECTS, CheckSubject
from blacklist.platforms.selectors import ENTRY_FIELDS
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
            subjects=[
                CheckSubject(ref=s["ref"], id_number=s.get("id_number", ""), name=s.get("name", ""))
                for s in data["subjects"]
            ],
            as_of=data.get("as_of"),
        )
        results = [result.__dict__ for result in outcome.results]
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
