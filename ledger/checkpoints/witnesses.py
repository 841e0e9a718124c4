"""The ledger's witnesses: who they are (name, cosignature/v1 verifier key, URL), how many must
cosign (the policy), and collecting their cosignatures of a checkpoint over the C2SP
tlog-witness protocol.

The list lives on the registrar's machine, beside the record of the last checkpoint signed
(`<state>/witnesses/<genesis leaf hash>.json`). Which size each witness last cosigned is read
from the cosignatures stored in the ledger; when the witness knows better (it answers 409 with
its size), the proof is made again from that size, once. A cosignature is stored only after it
verifies under that witness's key over that checkpoint. A witness that does not answer, or
refuses, is reported and skipped: the next checkpoint catches it up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ledger import merkle
from ledger.checkpoints.proofs import prove_consistency
from ledger.checkpoints.stored import add_cosignatures
from ledger.errors import InputError, NoteError, StoreError
from ledger.inputs import MAX_TEXT_FILE, parse_json, read_file
from ledger.note import COSIGNATURE_V1, SignedCheckpoint, VerifierKey, parse_note
from ledger.store import SqlStore
from ledger.store import checkpoints as store_checkpoints
from ledger.store import tree as store_tree
from ledger.witness import write_atomic
from ledger.witness_client import Answer, TransportError, request

SIZE_TYPE = "text/x.tlog.size"

Submit = Callable[[str, bytes], Answer]  # (url, body) -> answer; raises TransportError


@dataclass(frozen=True)
class Witness:
    """A witness the ledger submits its checkpoints to."""

    key: VerifierKey
    url: str  # the submission prefix: POST <url>/add-checkpoint

    @property
    def name(self) -> str:
        return self.key.name


@dataclass(frozen=True)
class Witnesses:
    """The ledger's witnesses and how many of them must cosign a checkpoint."""

    witnesses: tuple[Witness, ...] = ()
    quorum: int = 0

    def to_json(self) -> dict[str, Any]:
        return {
            "quorum": self.quorum,
            "witnesses": [{"key": w.key.encode(), "url": w.url} for w in self.witnesses],
        }


def config_path(state_dir: Path, store: SqlStore) -> Path:
    """Where the witness list of this ledger lives on this machine."""
    with store.reading() as conn:
        genesis = store_checkpoints.statement(conn, 0)
    data = bytes(genesis) if isinstance(genesis, bytes | memoryview) else b""
    return state_dir / "witnesses" / f"{merkle.hash_leaf(data).hex()}.json"


def load(path: Path) -> Witnesses:
    """The witness list in `path` (none if the file does not exist).

    Raises:
        StoreError: the file is damaged.
    """
    if not path.exists():
        return Witnesses()
    try:
        value = parse_json(read_file(path, limit=MAX_TEXT_FILE), where=str(path))
        quorum = value["quorum"]
        if not isinstance(quorum, int) or isinstance(quorum, bool) or quorum < 0:
            raise TypeError("quorum is not a count")
        found = []
        for item in value["witnesses"]:
            key = VerifierKey.parse(str(item["key"]), where=str(path))
            found.append(Witness(key, _check_url(str(item["url"]))))
        return Witnesses(tuple(found), quorum)
    except InputError as exc:
        raise StoreError(f"{path} is damaged ({exc.diagnostics()})") from None
    except (KeyError, TypeError) as exc:
        raise StoreError(f"{path} is damaged ({exc})") from None


def save(path: Path, witnesses: Witnesses) -> None:
    write_atomic(path, json.dumps(witnesses.to_json(), indent=2).encode() + b"\n")


def _check_url(url: str) -> str:
    if not url.startswith(("http://", "https://")) or any(c.isspace() for c in url):
        raise InputError(f"{url!r} is not an http(s) URL", where="--url")
    return url.rstrip("/")


def add_witness(path: Path, key: VerifierKey, url: str) -> Witnesses:
    """Add (or move to a new URL) a witness. Raises InputError: not a cosignature/v1 key."""
    if key.key_type != COSIGNATURE_V1:
        raise InputError(f"{key.label()} is not a witness (cosignature/v1) key", where="VKEY")
    current = load(path)
    kept = tuple(w for w in current.witnesses if w.name != key.name)
    changed = Witnesses((*kept, Witness(key, _check_url(url))), current.quorum)
    save(path, changed)
    return changed


def remove_witness(path: Path, name: str) -> Witnesses:
    """Remove a witness by name. Raises InputError: none of that name; the policy would ask
    for more witnesses than remain."""
    current = load(path)
    kept = tuple(w for w in current.witnesses if w.name != name)
    if len(kept) == len(current.witnesses):
        raise InputError(f"no witness named {name!r}", where="NAME")
    if current.quorum > len(kept):
        raise InputError(
            f"the policy asks for {current.quorum} cosignatures; lower it first "
            "(`ledger checkpoint policy`)",
            where="NAME",
        )
    changed = Witnesses(kept, current.quorum)
    save(path, changed)
    return changed


def set_quorum(path: Path, quorum: int) -> Witnesses:
    """Require `quorum` cosignatures. Raises InputError: more than the witnesses listed."""
    current = load(path)
    if not 0 <= quorum <= len(current.witnesses):
        raise InputError(
            f"{quorum} cosignatures cannot be had from {len(current.witnesses)} witness(es)",
            where="K",
        )
    changed = Witnesses(current.witnesses, quorum)
    save(path, changed)
    return changed


# -- collecting ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What one witness did with the checkpoint."""

    witness: str
    cosigned: bool
    old: int  # the size the proof was made from
    detail: str  # what happened, in words
    alarm: bool = False  # the witness holds a checkpoint this ledger does not extend


@dataclass(frozen=True)
class Collection:
    """The witnesses' answers for one checkpoint, and whether the policy is met."""

    size: int
    outcomes: list[Outcome] = field(default_factory=list)
    cosigned: int = 0  # witnesses whose cosignature of this checkpoint is stored
    quorum: int = 0

    @property
    def policy_met(self) -> bool:
        return self.cosigned >= self.quorum


def last_cosigned(store: SqlStore, key: VerifierKey) -> int:
    """The largest checkpoint size this ledger stores a cosignature of by `key` (0: none)."""
    with store.reading() as conn:
        sizes = [
            row.size
            for row in store_tree.cosignatures(conn)
            if row.witness == key.name and row.key_id == key.id.hex()
        ]
    return max(sizes, default=0)


def post(url: str, body: bytes) -> Answer:
    """Submit an add-checkpoint body to a witness's submission prefix."""
    return request(url + "/add-checkpoint", data=body)


def collect(
    *,
    store: SqlStore,
    checkpoint: SignedCheckpoint,
    witnesses: Witnesses,
    submit: Submit = post,
) -> Collection:
    """Submit `checkpoint` (stored in `store`) to every witness at once, store the cosignatures
    that verify, and say which witnesses cosigned and whether the policy is met.

    Never raises for a witness's failure: each is an `Outcome`.
    """
    size = checkpoint.checkpoint.size
    listed = witnesses.witnesses
    pending = {i: last_cosigned(store, w.key) for i, w in enumerate(listed)}
    results: dict[int, tuple[Outcome, bytes | None]] = {}
    for attempt in range(2):  # a 409 naming a smaller size: once more, from that size
        bodies = {}
        for i, old in pending.items():
            if old > size:
                results[i] = (_alarm(listed[i], old, size), None)
            else:  # proofs are read here, the network is waited for in parallel below
                proof = prove_consistency(store=store, old=old, new=size)
                bodies[i] = proof.to_text().encode("utf-8")
        with ThreadPoolExecutor(max_workers=max(1, len(bodies))) as pool:
            answers = dict(
                zip(
                    bodies,
                    pool.map(
                        _submit,
                        [submit] * len(bodies),
                        [listed[i] for i in bodies],
                        bodies.values(),
                    ),
                    strict=True,
                )
            )
        retry = {}
        for i, answer in answers.items():
            old = pending[i]
            judged = _judge(listed[i], old, size, answer)
            if isinstance(judged, int) and attempt == 0:
                retry[i] = judged
            elif isinstance(judged, int):
                results[i] = (Outcome(listed[i].name, False, old, "refused twice (409)"), None)
            else:
                results[i] = judged
        pending = retry
    outcomes: list[Outcome] = []
    for i, witness in enumerate(listed):
        outcome, lines = results[i]
        outcomes.append(
            outcome if lines is None else _store(store, checkpoint, witness, lines, outcome)
        )
    with store.reading() as conn:
        stored = {(r.witness, r.key_id) for r in store_tree.cosignatures(conn, size)}
    count = sum((w.name, w.key.id.hex()) in stored for w in listed)
    return Collection(size, outcomes, count, witnesses.quorum)


def _submit(submit: Submit, witness: Witness, body: bytes) -> Answer | TransportError:
    try:
        return submit(witness.url, body)
    except TransportError as exc:
        return exc


def _judge(
    witness: Witness, old: int, size: int, answer: Answer | TransportError
) -> tuple[Outcome, bytes | None] | int:
    """The outcome of one submission, or the size to submit from again (after a 409)."""
    if isinstance(answer, TransportError):
        return Outcome(witness.name, False, old, f"no answer ({answer})"), None
    if answer.status == 200:
        return Outcome(witness.name, True, old, f"cosigned (from size {old})"), answer.body
    reason = _reason(answer)
    if answer.status == 409 and answer.content_type == SIZE_TYPE:
        known = _size(answer.body)
        if known is None:
            return Outcome(witness.name, False, old, f"409 with a bad size {reason}"), None
        if known > size:
            return _alarm(witness, known, size), None
        if known != old:
            return known
    return Outcome(witness.name, False, old, f"refused: {answer.status} {reason}"), None


def _alarm(witness: Witness, known: int, size: int) -> Outcome:
    return Outcome(
        witness.name,
        False,
        known,
        f"ALARM: the witness cosigned size {known}, larger than this checkpoint ({size}): "
        "the ledger was cut short or rolled back since, or another history was shown to it",
        alarm=True,
    )


def _store(
    store: SqlStore, checkpoint: SignedCheckpoint, witness: Witness, lines: bytes, ok: Outcome
) -> Outcome:
    """Verify the witness's cosignature lines over the checkpoint and store them."""
    text = checkpoint.note.text.encode("utf-8")
    try:
        note = parse_note(text + b"\n" + lines)
        cosigned = checkpoint.note.with_signatures(note.signatures)
        _, added = add_cosignatures(store=store, data=cosigned.encode(), witness_keys=[witness.key])
    except (NoteError, InputError) as exc:
        return Outcome(witness.name, False, ok.old, f"a bad cosignature ({exc.diagnostics()})")
    what = "cosigned" if added else "cosigned (already stored)"
    return Outcome(witness.name, True, ok.old, f"{what} (from size {ok.old})")


def _reason(answer: Answer) -> str:
    text = answer.body[:200].decode("utf-8", "replace").strip()
    return " ".join(text.split())


def _size(body: bytes) -> int | None:
    text = body.decode("ascii", "replace")
    if not text.endswith("\n") or not text[:-1].isdigit() or len(text) > 21:
        return None
    if text[:-1] != str(int(text[:-1])):
        return None
    return int(text[:-1])


def policy_words(collection: Collection, total: int) -> str:
    """`2 of 3 witnesses cosigned size 9, 2 needed: policy met`."""
    state = "policy met" if collection.policy_met else "policy NOT met"
    return (
        f"{collection.cosigned} of {total} witness(es) cosigned size {collection.size}, "
        f"{collection.quorum} needed: {state}"
    )


__all__ = [
    "Collection",
    "Outcome",
    "Witness",
    "Witnesses",
    "add_witness",
    "collect",
    "config_path",
    "last_cosigned",
    "load",
    "policy_words",
    "remove_witness",
    "save",
    "set_quorum",
]
