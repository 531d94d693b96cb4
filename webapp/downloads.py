"""Files the engine has written (``engine.exports``), sent as attachments in chunks read from their temporary file."""
from __future__ import annotations

from flask import Response

from engine.exports import Download


def attachment(download: Download) -> Response:
    """The file as a download, sent in chunks (never cached: ``webapp.security``); its temporary file is closed once
    sent, or when the response is closed unsent (WSGI ``close``)."""
    return Response(download, mimetype=download.mimetype, direct_passthrough=True, headers={
        "Content-Disposition": f'attachment; filename="{download.filename}"', "Content-Length": str(download.size)})
