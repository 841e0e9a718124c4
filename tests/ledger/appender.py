"""An appender process for the concurrency and crash tests.

    python -m tests.ledger.appender DB PERSON COUNT [--ready FILE] [--start FILE] [--register]

Opens the ledger at DB, then (if asked) creates the --ready file and waits until the --start
file exists, so that a test can release several appenders at the same moment. Then it appends
COUNT `note` entries as PERSON, each in its own transaction, signed with
`tests.builders.seeded_key(PERSON)` (the key `LedgerFixture.register` binds). When done it writes
one JSON line to stdout: the person, the seqs it got, and when it started and finished
appending (`time.time()`). With --register, PERSON is the registrar and each entry registers a
new person instead (so that every append also changes a derived table).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from ledger.append import Draft, append_entry
from ledger.store import open_store
from tests.builders import seeded_key

START_TIMEOUT_S = 120.0


def note_text(person: str, index: int) -> str:
    """The text of `person`'s `index`-th note; tests find each note by it."""
    return f"{person} 第{index}条记录：会议纪要已核对。"


def wait_for(path: Path, timeout: float = START_TIMEOUT_S) -> None:
    """Wait until `path` exists. Raises TimeoutError."""
    deadline = time.monotonic() + timeout
    while not path.exists():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{path} did not appear within {timeout} s")
        time.sleep(0.001)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.ledger.appender")
    parser.add_argument("db")
    parser.add_argument("person")
    parser.add_argument("count", type=int)
    parser.add_argument("--ready", type=Path, help="create this file once the ledger is open")
    parser.add_argument("--start", type=Path, help="wait for this file before appending")
    parser.add_argument("--register", action="store_true", help="register people, not notes")
    args = parser.parse_args(argv)

    store = open_store(args.db)
    key = seeded_key(args.person)
    if args.ready is not None:
        args.ready.touch()
    if args.start is not None:
        wait_for(args.start)
    started = time.time()
    seqs: list[int] = []
    for index in range(args.count):
        if args.register:
            body = {"name": f"人员{index}"}
            draft = Draft("person.registered", f"p{index}", body, args.person, key)
        else:
            body = {"text": note_text(args.person, index)}
            draft = Draft("note", "meeting-1", body, args.person, key)
        entry = append_entry(store=store, draft=draft, now=datetime.now(UTC))
        seqs.append(entry.seq)
    finished = time.time()
    store.close()
    report = {"person": args.person, "seqs": seqs, "started": started, "finished": finished}
    sys.stdout.write(json.dumps(report) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
