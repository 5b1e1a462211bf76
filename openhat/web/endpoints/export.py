"""The owner's own export (docs/export-format.md): the whole HAT as one archive, streamed."""

from __future__ import annotations

from starlette.responses import Response, StreamingResponse

from openhat.portability import service as portability
from openhat.web.context import Call


def export_hat(call: Call) -> Response:
    """GET /api/v2.6/export: the archive `openhat export` writes, made while it is sent (a
    snapshot of the HAT, read a page at a time, so any size streams in constant memory)."""
    name = f"{call.hat.domain}.openhat-export.tar.gz"
    return StreamingResponse(portability.export_archive(call.store, call.state.blobs,
                                                        call.hat),
                             media_type="application/gzip",
                             headers={"Content-Disposition": f'attachment; filename="{name}"'})
