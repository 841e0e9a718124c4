"""The witness over HTTP: the C2SP tlog-witness API, as a Starlette application.

    POST /add-checkpoint      old size, consistency proof, checkpoint → the cosignature line;
                              400 malformed, 403 not signed by the log, 404 unknown log,
                              409 `<size>\\n` (text/x.tlog.size) when the old size is not the one
                              cosigned, 413 too large, 422 the proof fails or forks
    GET  /<hex SHA-256(origin)>/checkpoint
                              the last checkpoint cosigned for that log, with its cosignature

Every refusal is a 4xx with a one-line reason and changes nothing. The work is
`ledger.witness.add_checkpoint`, run in a worker thread: it checks and records under the
witness's lock, durably, before the answer is sent, so two submissions racing for one log cannot
both advance it.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from collections.abc import Callable
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from keys import SigningKey
from ledger import witness
from ledger.errors import InputError, LedgerError

SIZE_TYPE = "text/x.tlog.size"
READ_TIMEOUT = 10.0  # seconds to receive a whole request body
log = logging.getLogger("ledger.witness")


def create_app(
    *, directory: Path, key: SigningKey, clock: Callable[[], float] = time.time
) -> Starlette:
    """The witness application for the witness in `directory`, cosigning with `key`."""
    config = witness.load_witness(directory)
    if key.public_key != config.public_key:
        raise InputError("that is not this witness's key", where="key")

    async def add_checkpoint(request: Request) -> Response:
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > witness.MAX_REQUEST):
            return _refuse(413, f"request too large: more than {witness.MAX_REQUEST} bytes")
        try:
            body = await asyncio.wait_for(_read(request), READ_TIMEOUT)
        except TimeoutError:
            return _refuse(408, f"the request body did not arrive within {READ_TIMEOUT:g} s")
        if body is None:
            return _refuse(413, f"request too large: more than {witness.MAX_REQUEST} bytes")
        try:
            lines = await run_in_threadpool(
                witness.add_checkpoint,
                directory=directory,
                key=key,
                body=bytes(body),
                now=int(clock()),
            )
        except witness.Refused as exc:
            if exc.status == 409 and exc.known is not None:
                log.info("409: %s", exc.message)
                return Response(f"{exc.known}\n", status_code=409, media_type=SIZE_TYPE)
            return _refuse(exc.status, exc.message)
        except LedgerError as exc:
            return _refuse(400, exc.diagnostics())
        return Response(lines, media_type="text/plain; charset=utf-8")

    async def checkpoint(request: Request) -> Response:
        wanted = request.path_params["log"]
        for origin in config.logs:
            if hashlib.sha256(origin.encode()).hexdigest() == wanted:
                state = await run_in_threadpool(witness.log_state, directory, origin)
                if state is None:
                    break
                return Response(
                    state.checkpoint.encode("utf-8"),
                    media_type="text/plain; charset=utf-8",
                    headers={"Cache-Control": "no-store"},
                )
        return _refuse(404, "no checkpoint cosigned for that log")

    routes = [
        Route("/add-checkpoint", add_checkpoint, methods=["POST"]),
        Route("/{log:str}/checkpoint", checkpoint, methods=["GET"]),
    ]
    return Starlette(routes=routes)


async def _read(request: Request) -> bytearray | None:
    """The request body, or None once it passes the size limit."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > witness.MAX_REQUEST:
            return None
    return body


def _refuse(status: int, reason: str) -> Response:
    line = " ".join(reason.split())  # one line
    log.info("%d: %s", status, line)
    return PlainTextResponse(line + "\n", status_code=status)


__all__ = ["SIZE_TYPE", "create_app"]
