"""Proof receipts an auditor keeps and checks offline, without any database.

- Inclusion: a C2SP `tlog-proof@v1` file — `c2sp.org/tlog-proof@v1`, `extra <base64>`,
  `index <seq>`, the inclusion proof (one base64 hash a line), a blank line, then the signed
  checkpoint verbatim. The extra data (application-defined in tlog-proof) is
  `decision-ledger/receipt/v1\n` followed by a JSON object: `entry` (base64 of the entry's
  canonical bytes), `signature` (base64 of its author's signature) and `binding` — the entry
  that bound the signing key to the author (`key.bound`, or the genesis for the registrar's
  first key): its `index`, `entry` bytes and inclusion `proof` against the same checkpoint. So
  the verifier recomputes both leaves, checks both against the checkpoint's root, and checks
  the author's signature with the key the ledger bound to that author. Receipts written before
  carry only the entry's bytes as the extra data: they are still read, and prove inclusion
  only, not authorship.
- Consistency: the C2SP tlog-witness `add-checkpoint` body — `old <size>`, the consistency proof,
  a blank line, the new signed checkpoint — which is also what `ledger witness cosign` reads.
- Both also as JSON (`to_json`), with hashes in base64.

Pure functions over bytes; verification raises `VerificationError` subclasses.

The two receipt forms share their parsing and the trust they are checked under, hence one
module past the usual length.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from keys import KeysError, key_id, verify_signature
from ledger import merkle
from ledger.entry import Statement, decode_statement, signing_message
from ledger.errors import (
    CheckpointError,
    InputError,
    KeyValidityError,
    NoteError,
    SignatureError,
    VerificationError,
)
from ledger.inputs import parse_json
from ledger.note import COSIGNATURE_V1, ED25519, SignedCheckpoint, VerifierKey, b64, open_note

TLOG_PROOF = "c2sp.org/tlog-proof@v1"
RECEIPT_V1 = b"decision-ledger/receipt/v1\n"  # starts the extra data of a receipt with authorship
MAX_PROOF_LINES = 63
GENESIS = "ledger.genesis"  # the genesis entry type (ledger.types.GENESIS, not imported: light)
_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")


def _decimal(text: str, what: str, where: str) -> int:
    if not _DECIMAL.fullmatch(text):
        raise InputError(f"{what} {text[:30]!r} is not a decimal number", where=where)
    if len(text) > 20 or int(text) >= 2**64:  # tree sizes and indexes are uint64
        raise InputError(f"{what} {text[:30]}… is beyond 2^64 − 1", where=where)
    return int(text)


def _hash(text: str, what: str, where: str) -> bytes:
    try:
        value = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(f"{what} is not base64", where=where) from None
    if len(value) != merkle.HASH_SIZE:
        raise InputError(f"{what} is {len(value)} bytes, not 32", where=where)
    return value


def _base64(text: Any, what: str, where: str) -> bytes:
    if not isinstance(text, str):
        raise InputError(f"{what} is not a base64 string", where=where)
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise InputError(f"{what} is not base64", where=where) from None


def _proof(values: Any, what: str, where: str) -> list[bytes]:
    if not isinstance(values, list) or len(values) > MAX_PROOF_LINES:
        raise InputError(f"{what} is not a list of at most {MAX_PROOF_LINES} hashes", where=where)
    if not all(isinstance(value, str) for value in values):
        raise InputError(f"{what} holds something other than base64 hashes", where=where)
    return [_hash(value, f"{what}[{i}]", where) for i, value in enumerate(values)]


def _checkpoint(data: bytes, where: str) -> SignedCheckpoint:
    try:
        return SignedCheckpoint.parse(data)
    except NoteError as exc:
        raise InputError(exc.message, where=where) from None


def _lines(data: bytes, where: str) -> tuple[list[str], bytes]:
    """Split `header lines … blank line … checkpoint`."""
    head, sep, rest = data.partition(b"\n\n")
    if not sep:
        raise InputError("no blank line before the checkpoint", where=where)
    try:
        lines = head.decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise InputError("the proof lines are not ASCII", where=where) from None
    return lines, rest


@dataclass(frozen=True)
class Binding:
    """The entry that bound a key to its holder (`key.bound`, or the genesis for the
    registrar's first key) and its inclusion proof against the receipt's checkpoint."""

    index: int
    entry: bytes
    proof: list[bytes]

    def to_json(self) -> dict[str, Any]:
        return {
            "index": self.index,
            "entry": b64(self.entry),
            "proof": [b64(h) for h in self.proof],
        }

    @classmethod
    def from_json(cls, value: Any, where: str) -> Binding:
        """Raises InputError naming what is wrong."""
        if not isinstance(value, dict) or set(value) != {"index", "entry", "proof"}:
            raise InputError("binding: want index, entry and proof", where=where)
        index = value["index"]
        if type(index) is not int or index < 0:
            raise InputError("binding: index is not a non-negative integer", where=where)
        entry = _base64(value["entry"], "binding entry", where)
        return cls(index, entry, _proof(value["proof"], "binding proof", where))


@dataclass(frozen=True)
class InclusionProof:
    """Entry `index` is leaf `index` of the tree the signed checkpoint commits to; with
    `signature` and `binding`, also who signed it."""

    index: int
    proof: list[bytes]
    checkpoint: SignedCheckpoint
    entry: bytes | None = None  # the canonical statement bytes
    signature: bytes | None = None  # the author's signature of the entry
    binding: Binding | None = None  # how the signing key was bound to the author

    @property
    def leaf_hash(self) -> bytes | None:
        return None if self.entry is None else merkle.hash_leaf(self.entry)

    def extra(self) -> bytes | None:
        """The tlog-proof extra data: the entry alone (no authorship), or the v1 receipt."""
        if self.signature is None or self.binding is None or self.entry is None:
            return self.entry
        value = {
            "entry": b64(self.entry),
            "signature": b64(self.signature),
            "binding": self.binding.to_json(),
        }
        return RECEIPT_V1 + json.dumps(value, sort_keys=True, separators=(",", ":")).encode()

    def to_text(self) -> str:
        """The `.tlog-proof` file."""
        lines = [TLOG_PROOF]
        extra = self.extra()
        if extra is not None:
            lines.append(f"extra {b64(extra)}")
        lines.append(f"index {self.index}")
        lines += [b64(h) for h in self.proof]
        return "\n".join(lines) + "\n\n" + self.checkpoint.encode().decode("utf-8")

    def to_json(self) -> dict[str, Any]:
        cp = self.checkpoint.checkpoint
        return {
            "type": "inclusion",
            "origin": cp.origin,
            "index": self.index,
            "tree_size": cp.size,
            "root": b64(cp.root),
            "leaf_hash": None if self.leaf_hash is None else b64(self.leaf_hash),
            "proof": [b64(h) for h in self.proof],
            "entry": None if self.entry is None else b64(self.entry),
            "signature": None if self.signature is None else b64(self.signature),
            "binding": None if self.binding is None else self.binding.to_json(),
            "checkpoint": self.checkpoint.encode().decode("utf-8"),
        }


def _extra(data: bytes, where: str) -> tuple[bytes, bytes | None, Binding | None]:
    """Read the extra data: (entry, signature, binding), the last two None in an old receipt."""
    if not data.startswith(RECEIPT_V1):
        return data, None, None
    try:
        value = json.loads(data[len(RECEIPT_V1) :])
    except (ValueError, RecursionError):
        raise InputError("the extra data is not a receipt (bad JSON)", where=where) from None
    if not isinstance(value, dict) or set(value) != {"entry", "signature", "binding"}:
        raise InputError(
            "the extra data is not a receipt (want entry, signature, binding)", where=where
        )
    return (
        _base64(value["entry"], "the entry", where),
        _base64(value["signature"], "the signature", where),
        Binding.from_json(value["binding"], where),
    )


@dataclass(frozen=True)
class ConsistencyProof:
    """The tree of the new checkpoint extends the tree of size `old_size`."""

    old_size: int
    proof: list[bytes]
    checkpoint: SignedCheckpoint  # the new one
    old_checkpoint: SignedCheckpoint | None = None

    def to_text(self) -> str:
        """The tlog-witness add-checkpoint body."""
        lines = [f"old {self.old_size}", *(b64(h) for h in self.proof)]
        return "\n".join(lines) + "\n\n" + self.checkpoint.encode().decode("utf-8")

    def to_json(self) -> dict[str, Any]:
        cp = self.checkpoint.checkpoint
        old = self.old_checkpoint
        return {
            "type": "consistency",
            "origin": cp.origin,
            "old_size": self.old_size,
            "new_size": cp.size,
            "old_root": None if old is None else b64(old.checkpoint.root),
            "new_root": b64(cp.root),
            "proof": [b64(h) for h in self.proof],
            "old_checkpoint": None if old is None else old.encode().decode("utf-8"),
            "checkpoint": self.checkpoint.encode().decode("utf-8"),
        }


Receipt = InclusionProof | ConsistencyProof


def parse_receipt(data: bytes, *, where: str) -> Receipt:
    """Read a proof file: a tlog-proof, an add-checkpoint body, or either as JSON.

    Raises:
        InputError: naming the file and what is wrong.
    """
    if data.lstrip().startswith(b"{"):
        return _from_json(data, where)
    if data.startswith(TLOG_PROOF.encode() + b"\n"):
        return _inclusion_text(data, where)
    if data.startswith(b"old "):
        return _consistency_text(data, where)
    raise InputError(
        f"not a proof: want a first line '{TLOG_PROOF}' or 'old N', or JSON", where=where
    )


def _inclusion_text(data: bytes, where: str) -> InclusionProof:
    lines, rest = _lines(data, where)
    lines = lines[1:]
    entry, signature, binding = None, None, None
    if lines and lines[0].startswith("extra "):
        try:
            extra = base64.b64decode(lines.pop(0)[6:].encode(), validate=True)
        except (binascii.Error, ValueError):
            raise InputError("the extra line is not base64", where=where) from None
        entry, signature, binding = _extra(extra, where)
    if not lines or not lines[0].startswith("index "):
        raise InputError("no 'index N' line", where=where)
    index = _decimal(lines.pop(0)[6:], "index", where)
    if len(lines) > MAX_PROOF_LINES:
        raise InputError(f"more than {MAX_PROOF_LINES} proof lines", where=where)
    proof = [_hash(line, f"proof line {i + 1}", where) for i, line in enumerate(lines)]
    return InclusionProof(index, proof, _checkpoint(rest, where), entry, signature, binding)


def _consistency_text(data: bytes, where: str) -> ConsistencyProof:
    lines, rest = _lines(data, where)
    old = _decimal(lines[0][4:], "old size", where)
    if len(lines) - 1 > MAX_PROOF_LINES:
        raise InputError(f"more than {MAX_PROOF_LINES} proof lines", where=where)
    proof = [_hash(line, f"proof line {i + 1}", where) for i, line in enumerate(lines[1:])]
    return ConsistencyProof(old, proof, _checkpoint(rest, where))


def _from_json(data: bytes, where: str) -> Receipt:
    try:
        value = parse_json(data, where=where)  # strict, and bounded in depth
        kind = value["type"]
        proof = [_hash(h, f"proof[{i}]", where) for i, h in enumerate(value["proof"])]
        checkpoint = _checkpoint(value["checkpoint"].encode("utf-8"), where)
        if kind == "inclusion":
            entry = value.get("entry")
            raw = None if entry is None else base64.b64decode(entry, validate=True)
            sig, bound = value.get("signature"), value.get("binding")
            if (sig is None) != (bound is None) or (sig is not None and raw is None):
                raise InputError("an entry's signature and key binding come together", where=where)
            signature = None if sig is None else _base64(sig, "signature", where)
            binding = None if bound is None else Binding.from_json(bound, where)
            receipt: Receipt = InclusionProof(
                int(value["index"]), proof, checkpoint, raw, signature, binding
            )
            _same(value, "tree_size", checkpoint.checkpoint.size, where)
            _same(value, "root", b64(checkpoint.checkpoint.root), where)
            return receipt
        if kind == "consistency":
            old_text = value.get("old_checkpoint")
            old = None if old_text is None else _checkpoint(old_text.encode("utf-8"), where)
            _same(value, "new_size", checkpoint.checkpoint.size, where)
            return ConsistencyProof(int(value["old_size"]), proof, checkpoint, old)
    except (ValueError, KeyError, TypeError, AttributeError, binascii.Error, RecursionError) as exc:
        raise InputError(f"not a proof in JSON ({exc})", where=where) from None
    raise InputError(f"unknown proof type {kind!r}", where=where)


def _same(value: dict[str, Any], name: str, expected: Any, where: str) -> None:
    if name in value and value[name] != expected:
        raise InputError(f"{name} {value[name]!r} differs from the checkpoint's", where=where)


# -- verification -------------------------------------------------------------------------------


@dataclass
class Trust:
    """What a verifier trusts: the ledger's keys and the witnesses' keys, and how many of the
    witnesses must have cosigned."""

    log_keys: Sequence[VerifierKey]
    witness_keys: Sequence[VerifierKey] = ()
    quorum: int | None = None  # default: every witness key given

    def __post_init__(self) -> None:
        for key in self.log_keys:
            if key.key_type != ED25519:
                raise InputError(f"{key.label()} is not an Ed25519 note key", where="--key")
        for key in self.witness_keys:
            if key.key_type != COSIGNATURE_V1:
                raise InputError(
                    f"{key.label()} is not a cosignature/v1 witness key", where="--witness-key"
                )


@dataclass
class Checked:
    """A checkpoint whose signatures verified."""

    checkpoint: SignedCheckpoint
    signers: list[str] = field(default_factory=list)
    witnesses: list[str] = field(default_factory=list)


def check_checkpoint(cp: SignedCheckpoint, trust: Trust, *, what: str = "checkpoint") -> Checked:
    """Verify a checkpoint's log signature(s) and the required cosignatures.

    Raises:
        NoteError: a known key's signature fails. CheckpointError: no trusted log key signed
        it, its origin is not the keys' name, or too few witnesses cosigned.
    """
    try:
        opened = open_note(cp.note, [*trust.log_keys, *trust.witness_keys])
    except NoteError as exc:
        raise NoteError(f"{what}: {exc.message}") from None
    signers = [k.label() for k, _ in opened.verified if k.key_type == ED25519]
    witnesses = [k.label() for k, _ in opened.verified if k.key_type == COSIGNATURE_V1]
    if not signers:
        known = ", ".join(k.label() for k in trust.log_keys) or "none given"
        raise CheckpointError(f"{what} is not signed by the ledger's key (known: {known})")
    origin = cp.checkpoint.origin
    for key, _ in opened.verified:
        if key.key_type == ED25519 and key.name != origin:
            raise CheckpointError(f"{what} is for {origin!r}, but signed as {key.name!r}")
    quorum = len(trust.witness_keys) if trust.quorum is None else trust.quorum
    if len(witnesses) < quorum:
        raise CheckpointError(
            f"{what} has {len(witnesses)} cosignature(s) from the witnesses given; "
            f"{quorum} required"
        )
    return Checked(cp, signers, witnesses)


@dataclass(frozen=True)
class Author:
    """Who signed an entry, as a receipt proves it: the person, the key, and the seq of the
    entry that bound that key to that person."""

    person: str
    key_id: str
    bound_at: int


@dataclass
class InclusionResult:
    checked: Checked
    index: int
    statement: Statement | None
    author: Author | None = None  # None: the receipt carries no signature (an older receipt)


def verify_inclusion_receipt(receipt: InclusionProof, trust: Trust) -> InclusionResult:
    """Check a receipt offline: the checkpoint's signatures, then the proof to its root, then,
    when the receipt carries them, the entry's signature and its key's binding.

    Raises:
        VerificationError: what failed, naming the seq.
    """
    checked = check_checkpoint(receipt.checkpoint, trust)
    statement, author = check_receipt_entry(receipt)
    return InclusionResult(checked, receipt.index, statement, author)


def check_receipt_entry(receipt: InclusionProof) -> tuple[Statement, Author | None]:
    """Everything a receipt proves below its checkpoint's signatures: the entry is the leaf at
    `index` under the checkpoint's root; and with a signature and binding, the binding entry
    is a leaf under the same root that bound the signing key to the entry's actor before the
    entry, and the signature verifies with that key.

    Returns:
        The entry's statement, and its author (None when the receipt carries no signature).

    Raises:
        VerificationError: what failed, naming the seq.
    """
    cp = receipt.checkpoint.checkpoint
    if receipt.entry is None:
        raise CheckpointError("the receipt carries no entry, so there is no leaf to check")
    statement = _included(receipt.index, receipt.entry, receipt.proof, cp.size, cp.root)
    if receipt.signature is None and receipt.binding is None:
        return statement, None
    if receipt.signature is None or receipt.binding is None:
        raise CheckpointError(
            "the receipt carries a signature without a key binding, or the reverse",
            seq=receipt.index,
        )
    binding = receipt.binding
    bound = _included(binding.index, binding.entry, binding.proof, cp.size, cp.root)
    public = bound_key(bound, statement)
    try:
        leaf = merkle.hash_leaf(receipt.entry)
        verify_signature(public, signing_message(leaf), receipt.signature)
    except KeysError:
        raise SignatureError(
            f"the entry's signature does not verify with key {statement.key[:12]}…, which "
            f"seq {bound.seq} bound to {statement.actor}",
            seq=receipt.index,
        ) from None
    return statement, Author(statement.actor, statement.key, bound.seq)


def _included(index: int, entry: bytes, proof: list[bytes], size: int, root: bytes) -> Statement:
    """The statement of `entry`, which the proof shows is leaf `index` under `root`."""
    try:
        statement = decode_statement(entry)
    except VerificationError as exc:
        exc.seq = index
        raise
    if statement.seq != index:
        raise CheckpointError(
            f"the entry says seq {statement.seq} but the proof is for index {index}", seq=index
        )
    try:
        merkle.verify_inclusion(index, size, merkle.hash_leaf(entry), proof, root)
    except VerificationError as exc:
        exc.seq = index
        raise
    return statement


def bound_key(binding: Statement, stmt: Statement) -> bytes:
    """The public key that `binding` (a `key.bound` entry, or the genesis) bound to the actor
    of `stmt` under the key id `stmt` names, recorded no later than `stmt`.

    Raises:
        KeyValidityError: `binding` does not bind that key to that person before `stmt`.
    """

    def refuse(why: str) -> KeyValidityError:
        return KeyValidityError(
            f"seq {binding.seq} does not bind key {stmt.key[:12]}… to {stmt.actor}: {why}",
            seq=stmt.seq,
        )

    body = binding.body
    person: Any
    record: Any
    if binding.type == "key.bound":
        person, record = binding.subject, body
    elif binding.type == GENESIS and binding.seq == 0:
        registrar, record = body.get("registrar"), body.get("registrar_key")
        person = registrar.get("id") if isinstance(registrar, dict) else None
    else:
        raise refuse(f"it is a {binding.type} entry")
    if not isinstance(record, dict) or person != stmt.actor:
        raise refuse(f"it binds a key to {person}")
    if record.get("key_id") != stmt.key:
        raise refuse("it binds another key")
    try:
        public = base64.b64decode(str(record.get("public_key")), validate=True)
        if key_id(public) != stmt.key:
            raise refuse("its public key does not hash to the key id")
    except (binascii.Error, ValueError, KeysError):
        raise refuse("its public key is not a 32-byte Ed25519 key") from None
    if binding.seq > stmt.seq or (binding.seq == stmt.seq and binding.seq != 0):
        raise refuse(f"it comes after seq {stmt.seq}")
    if binding.recorded_at > stmt.recorded_at:
        raise refuse(f"it was recorded after seq {stmt.seq}")
    return public


def verify_consistency_receipt(
    receipt: ConsistencyProof, trust: Trust, old: SignedCheckpoint | None = None
) -> tuple[Checked, Checked]:
    """Check that the receipt's checkpoint extends `old` (or the one embedded in the receipt).

    Raises:
        VerificationError: a signature, an origin, a size or the proof fails.
        InputError: no old checkpoint to compare with.
    """
    old = old or receipt.old_checkpoint
    if old is None:
        raise InputError(
            "a consistency proof is checked against the old checkpoint you kept: pass "
            "--old-checkpoint FILE",
            where="--old-checkpoint",
        )
    old_checked = check_checkpoint(old, trust, what="the old checkpoint")
    new_checked = check_checkpoint(receipt.checkpoint, trust, what="the new checkpoint")
    a, b = old.checkpoint, receipt.checkpoint.checkpoint
    if a.origin != b.origin:
        raise CheckpointError(f"the checkpoints are of different logs ({a.origin}, {b.origin})")
    if receipt.old_size != a.size:
        raise CheckpointError(
            f"the proof starts at size {receipt.old_size}, the old checkpoint has size {a.size}"
        )
    if a.size == 0:
        if a.root != merkle.EMPTY_ROOT or receipt.proof:
            raise CheckpointError("a size-0 checkpoint must have the empty root and no proof")
    else:
        merkle.verify_consistency(a.size, b.size, a.root, b.root, receipt.proof)
    return old_checked, new_checked
