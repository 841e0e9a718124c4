"""A small HTTP client for the tlog-witness and tlog-tiles protocols (the standard library's
`urllib`): a POST that refuses redirects (a POST silently turned into a GET by a redirect would
look like a witness failure), and GETs that accept gzip-encoded bodies."""

from __future__ import annotations

import gzip
import io
import urllib.error
import urllib.request
from dataclasses import dataclass
from email.message import Message
from typing import IO

TIMEOUT = 10.0  # seconds, per request
MAX_ANSWER = 1024 * 1024


@dataclass(frozen=True)
class Answer:
    """An HTTP answer: status, content type (without parameters), body."""

    status: int
    content_type: str
    body: bytes


class TransportError(Exception):
    """The server could not be reached, or did not answer in time."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: Message,
        newurl: str,
    ) -> urllib.request.Request | None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirect())


def request(
    url: str, *, data: bytes | None = None, timeout: float = TIMEOUT, limit: int = MAX_ANSWER
) -> Answer:
    """GET `url` (or POST `data` to it) and return the answer, whatever its status.

    Raises:
        TransportError: no answer (refused, timed out, not HTTP), or a body over `limit`.
    """
    if not url.startswith(("http://", "https://")):
        raise TransportError(f"{url!r} is not an http(s) URL")
    req = urllib.request.Request(
        url,
        data=data,
        method="GET" if data is None else "POST",
        headers={"Accept-Encoding": "gzip, identity", "User-Agent": "decision-ledger"},
    )
    try:
        response = _OPENER.open(req, timeout=timeout)
    except urllib.error.HTTPError as exc:
        response = exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TransportError(f"{url}: {reason}") from None
    try:
        with response:
            body = response.read(limit + 1)
            headers = response.headers
            status = response.status if response.status is not None else 0
    except OSError as exc:
        raise TransportError(f"{url}: {exc}") from None
    if len(body) > limit:
        raise TransportError(f"{url}: the answer is larger than {limit} bytes")
    if headers.get("Content-Encoding", "").lower() == "gzip":
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as unzipped:
                body = unzipped.read(limit + 1)
        except (OSError, EOFError) as exc:
            raise TransportError(f"{url}: a gzip body that does not decompress ({exc})") from None
        if len(body) > limit:
            raise TransportError(f"{url}: the answer is larger than {limit} bytes")
    kind = headers.get("Content-Type", "").split(";")[0].strip().lower()
    return Answer(status, kind, body)


__all__ = ["Answer", "TransportError", "request"]
