"""Snapshot files as HTTP downloads: one answer for the public site and the API alike."""

from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.utils.cache import get_conditional_response
from django.utils.http import content_disposition_header

from blacklist.models import Snapshot
from blacklist.snapshots import services as snapshots


def snapshot_response(snapshot: Snapshot, *, request: HttpRequest) -> HttpResponseBase:
    """The file as an attachment, streamed (a sealed file is opened chunk by chunk); 304
    when the caller already holds it (`If-None-Match` with the file's ETag)."""
    etag = f'"{snapshot.sha256}"'
    not_modified = get_conditional_response(request, etag=etag)
    if not_modified is not None:
        return not_modified
    stream = snapshots.snapshot_stream(snapshot=snapshot)
    if stream is None:  # pruned a moment ago by a newer build
        raise Http404
    response = FileResponse(stream, content_type=snapshots.content_type(snapshot))
    disposition = content_disposition_header(
        as_attachment=True, filename=snapshots.download_name(snapshot)
    )
    if disposition:  # always, for an attachment
        response["Content-Disposition"] = disposition
    response["Content-Length"] = str(snapshot.size)
    response["ETag"] = etag
    return response
