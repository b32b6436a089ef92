"""Snapshot files as HTTP downloads: one answer for the public site and the API alike."""

from django.http import FileResponse, Http404
from django.utils.http import content_disposition_header

from blacklist import exports
from blacklist.models import Snapshot


def snapshot_response(snapshot: Snapshot) -> FileResponse:
    """The file as an attachment, streamed (a sealed file is opened chunk by chunk)."""
    stream = exports.snapshot_stream(snapshot=snapshot)
    if stream is None:  # pruned a moment ago by a newer build
        raise Http404
    response = FileResponse(stream, content_type=exports.content_type(snapshot))
    disposition = content_disposition_header(
        as_attachment=True, filename=exports.download_name(snapshot)
    )
    if disposition:  # always, for an attachment
        response["Content-Disposition"] = disposition
    response["Content-Length"] = str(snapshot.size)
    response["ETag"] = f'"{snapshot.sha256}"'
    return response
