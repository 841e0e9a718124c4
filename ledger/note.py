"""C2SP signed notes, tlog checkpoints and tlog cosignatures (v1), byte for byte.

- signed-note: text ending in a newline, a blank line, then lines `— <name> base64(id ‖ sig)`;
  key id = SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]; verifier keys written
  `<name>+<hex id>+base64(type ‖ public key)`. Type 0x01 is Ed25519 over the text.
- tlog-checkpoint: the text is `<origin>\\n<size>\\n<base64 root>\\n` (extension lines optional).
- tlog-cosignature/v1: type 0x04; the signature is `u64 timestamp ‖ Ed25519 sig` over
  `cosignature/v1\\ntime <timestamp>\\n<checkpoint text>`.

Verifiers ignore signatures from unknown keys, reject the note if a known key's signature fails,
and reject it if no known key signed. Parsing follows the Go sumdb `note` package, whose examples
the tests reproduce exactly. Pure functions; the signing key is passed in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from keys import BadSignatureError, InvalidKeyError, SigningKey, verify_signature
from ledger.errors import InputError, NoteError

ED25519 = 0x01  # signed-note Ed25519 signatures
COSIGNATURE_V1 = 0x04  # timestamped Ed25519 witness cosignatures (c2sp.org/tlog-cosignature)
KEY_TYPES = {ED25519: "Ed25519", COSIGNATURE_V1: "Ed25519 cosignature/v1"}
MAX_SIGNATURES = 100
SIGNATURE_PREFIX = "\u2014 "  # em dash, space
COSIGNATURE_HEADER = "cosignature/v1\n"

_HEX8 = re.compile(r"^[0-9a-fA-F]{8}$")
_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")


def valid_name(name: str) -> bool:
    """A key name is non-empty, with no Unicode space and no plus sign."""
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def key_id(name: str, key_type: int, public_key: bytes) -> bytes:
    """The 4-byte key id: SHA-256(name ‖ 0x0A ‖ type ‖ public key)[:4]."""
    return hashlib.sha256(name.encode() + b"\n" + bytes([key_type]) + public_key).digest()[:4]


def _b64decode(text: str) -> bytes:
    """Strict standard base64 (RFC 4648 §4): alphabet and padding checked."""
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        raise ValueError(f"{text[:20]!r} is not base64") from None


def b64(data: bytes) -> str:
    """Standard base64 with padding."""
    return base64.b64encode(data).decode("ascii")


# -- verifier keys ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VerifierKey:
    """A public key that may sign notes: `name+hexid+base64(type ‖ key)`."""

    name: str
    key_type: int
    public_key: bytes

    @property
    def id(self) -> bytes:
        """The 4-byte key id."""
        return key_id(self.name, self.key_type, self.public_key)

    def encode(self) -> str:
        """The verifier key string to publish."""
        material = b64(bytes([self.key_type]) + self.public_key)
        return f"{self.name}+{self.id.hex()}+{material}"

    def __str__(self) -> str:
        return self.encode()

    def label(self) -> str:
        """`name+hexid`, as messages name a key."""
        return f"{self.name}+{self.id.hex()}"

    @classmethod
    def parse(cls, text: str, *, where: str = "verifier key") -> VerifierKey:
        """Parse a verifier key string.

        Raises:
            InputError: a malformed key, an unknown type, or an id that does not match.
        """
        parts = text.split("+", 2)
        if len(parts) != 3 or not valid_name(parts[0]) or not _HEX8.fullmatch(parts[1]):
            raise InputError(
                f"{text[:60]!r} is not a verifier key (name+hexid+base64)", where=where
            )
        name, hex_id, material = parts
        try:
            raw = _b64decode(material)
        except ValueError:
            raise InputError(
                f"the key material of {name}+{hex_id} is not base64", where=where
            ) from None
        if not raw:
            raise InputError(f"the verifier key {name}+{hex_id} has no key material", where=where)
        key_type, public = raw[0], raw[1:]
        if key_type not in KEY_TYPES:
            raise InputError(
                f"the verifier key {name}+{hex_id} has unknown type 0x{key_type:02x} "
                "(known: 0x01 Ed25519, 0x04 cosignature/v1)",
                where=where,
            )
        if len(public) != 32:
            raise InputError(
                f"the verifier key {name}+{hex_id} holds {len(public)} key bytes, not 32",
                where=where,
            )
        key = cls(name, key_type, public)
        if key.id.hex() != hex_id.lower():
            raise InputError(
                f"the verifier key {name}+{hex_id} does not match its key id "
                f"(the name and key give {key.id.hex()})",
                where=where,
            )
        return key


def ed25519_key(name: str, public_key: bytes) -> VerifierKey:
    """The note verifier key for an Ed25519 public key."""
    if not valid_name(name):
        raise InputError(f"{name!r} cannot name a note key (no spaces, no '+')", where="name")
    return VerifierKey(name, ED25519, public_key)


def cosigner_key(name: str, public_key: bytes) -> VerifierKey:
    """The cosignature/v1 verifier key of a witness."""
    if not valid_name(name):
        raise InputError(f"{name!r} cannot name a witness (no spaces, no '+')", where="name")
    return VerifierKey(name, COSIGNATURE_V1, public_key)


# -- notes --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Signature:
    """One signature line: the key name, the 4-byte key id and the signature bytes after it."""

    name: str
    key_id: bytes
    data: bytes

    def encode(self) -> str:
        """The signature line, with its newline."""
        return f"{SIGNATURE_PREFIX}{self.name} {b64(self.key_id + self.data)}\n"

    def label(self) -> str:
        return f"{self.name}+{self.key_id.hex()}"


@dataclass(frozen=True, slots=True)
class Note:
    """A note's text (ending in a newline) and its signature lines, in order."""

    text: str
    signatures: tuple[Signature, ...] = ()

    def encode(self) -> bytes:
        """The signed note as bytes."""
        lines = "".join(s.encode() for s in self.signatures)
        return (self.text + "\n" + lines).encode("utf-8")

    def with_signatures(self, extra: Iterable[Signature]) -> Note:
        """This note with `extra` signatures added; a key already present keeps its line."""
        have = {(s.name, s.key_id) for s in self.signatures}
        added = []
        for sig in extra:
            if (sig.name, sig.key_id) not in have:
                have.add((sig.name, sig.key_id))
                added.append(sig)
        return Note(self.text, self.signatures + tuple(added))


def _check_text(data: str) -> None:
    for char in data:
        if char < " " and char != "\n":
            raise NoteError(f"malformed note: control character U+{ord(char):04X}")


def parse_note(data: bytes) -> Note:
    """Parse a signed note without verifying it.

    Raises:
        NoteError: not UTF-8, a control character, no blank line before the signatures, a
            malformed signature line, or more than 100 signatures.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise NoteError(f"malformed note: not UTF-8 (at byte {exc.start})") from None
    _check_text(text)
    split = text.rfind("\n\n")
    if split < 0:
        raise NoteError("malformed note: no blank line before the signatures")
    body, block = text[: split + 1], text[split + 2 :]
    if not block or not block.endswith("\n"):
        raise NoteError("malformed note: no signature lines, or the last one lacks its newline")
    signatures = []
    for number, line in enumerate(block[:-1].split("\n"), start=1):
        if number > MAX_SIGNATURES:
            raise NoteError(f"malformed note: more than {MAX_SIGNATURES} signatures")
        if not line.startswith(SIGNATURE_PREFIX):
            raise NoteError(f"malformed note: signature line {number} does not start with '— '")
        name, _, encoded = line[len(SIGNATURE_PREFIX) :].partition(" ")
        try:
            raw = _b64decode(encoded) if encoded else b""
        except ValueError:
            raw = b""
        if not valid_name(name) or len(raw) < 5:
            raise NoteError(f"malformed note: signature line {number} is not '— name base64'")
        signatures.append(Signature(name, raw[:4], raw[4:]))
    return Note(body, tuple(signatures))


class NoteSigner:
    """Signs note texts as one key: Ed25519 (type 0x01) or a timestamped cosignature (0x04)."""

    def __init__(self, key: SigningKey, verifier: VerifierKey, timestamp: int | None) -> None:
        self._key = key
        self.verifier = verifier
        self.timestamp = timestamp

    def sign(self, text: str) -> Signature:
        """The signature line over `text`."""
        message = text.encode("utf-8")
        if self.verifier.key_type == COSIGNATURE_V1:
            assert self.timestamp is not None
            stamp = struct.pack(">Q", self.timestamp)
            data = stamp + self._key.sign(cosignature_message(self.timestamp, message))
        else:
            data = self._key.sign(message)
        return Signature(self.verifier.name, self.verifier.id, data)


def signer(name: str, key: SigningKey) -> NoteSigner:
    """An Ed25519 note signer named `name`."""
    return NoteSigner(key, ed25519_key(name, key.public_key), None)


def cosigner(name: str, key: SigningKey, timestamp: int) -> NoteSigner:
    """A cosignature/v1 signer for witness `name`, stamping `timestamp` (POSIX seconds)."""
    if not 0 <= timestamp < 2**63:
        raise ValueError("a cosignature timestamp is between 0 and 2^63 - 1")
    return NoteSigner(key, cosigner_key(name, key.public_key), timestamp)


def sign_note(text: str, signers: Sequence[NoteSigner], existing: Sequence[Signature] = ()) -> Note:
    """Sign `text` with each signer; existing signatures by the same keys are replaced.

    Raises:
        NoteError: the text does not end in a newline or holds a control character.
    """
    if not text.endswith("\n"):
        raise NoteError("malformed note: the text must end in a newline")
    _check_text(text)
    fresh = [s.sign(text) for s in signers]
    replaced = {(s.name, s.key_id) for s in fresh}
    kept = [s for s in existing if (s.name, s.key_id) not in replaced]
    return Note(text, (*kept, *fresh))


def cosignature_message(timestamp: int, text: bytes) -> bytes:
    """The bytes a cosignature/v1 signs: header, time line, the checkpoint text."""
    return f"{COSIGNATURE_HEADER}time {timestamp}\n".encode() + text


def cosignature_timestamp(signature: Signature) -> int:
    """The timestamp inside a cosignature/v1 signature.

    Raises:
        NoteError: the signature is not 8 + 64 bytes.
    """
    if len(signature.data) != 8 + 64:
        raise NoteError(f"{signature.label()} is not a cosignature/v1 (wrong length)")
    stamp: int = struct.unpack(">Q", signature.data[:8])[0]
    return stamp


def _check(key: VerifierKey, text: bytes, signature: Signature) -> None:
    """Verify one signature by a known key; raise NoteError if it fails."""
    message, sig = text, signature.data
    if key.key_type == COSIGNATURE_V1:
        if len(sig) != 8 + 64:
            raise NoteError(f"invalid signature for key {key.label()} (not a cosignature/v1)")
        stamp = struct.unpack(">Q", sig[:8])[0]
        if stamp >= 2**63:
            raise NoteError(f"invalid signature for key {key.label()} (timestamp too large)")
        message, sig = cosignature_message(stamp, text), sig[8:]
    try:
        verify_signature(key.public_key, message, sig)
    except (BadSignatureError, InvalidKeyError):
        raise NoteError(f"invalid signature for key {key.label()}") from None


@dataclass(frozen=True)
class OpenedNote:
    """A note whose known signatures all verified."""

    note: Note
    verified: list[tuple[VerifierKey, Signature]] = field(default_factory=list)
    unverified: list[Signature] = field(default_factory=list)


def open_note(data: bytes | Note, known: Sequence[VerifierKey]) -> OpenedNote:
    """Parse a note and verify every signature by a known key.

    Unknown keys are ignored (kept in `unverified`); repeated lines by one key count once.

    Raises:
        NoteError: malformed; a known key's signature fails; two known keys share a name and
            id (ambiguous); or no known key signed it.
    """
    note = data if isinstance(data, Note) else parse_note(data)
    by_id: dict[tuple[str, bytes], list[VerifierKey]] = {}
    for key in known:
        by_id.setdefault((key.name, key.id), []).append(key)
    text = note.text.encode("utf-8")
    result = OpenedNote(note)
    seen: set[tuple[str, bytes]] = set()
    seen_unknown: set[Signature] = set()
    for sig in note.signatures:
        candidates = by_id.get((sig.name, sig.key_id))
        if not candidates:
            if sig not in seen_unknown:
                seen_unknown.add(sig)
                result.unverified.append(sig)
            continue
        if len(candidates) > 1:
            raise NoteError(f"ambiguous key {sig.label()}")
        if (sig.name, sig.key_id) in seen:
            continue
        seen.add((sig.name, sig.key_id))
        _check(candidates[0], text, sig)
        result.verified.append((candidates[0], sig))
    if not result.verified:
        names = ", ".join(k.label() for k in known) or "none given"
        raise NoteError(f"note has no verifiable signatures (known keys: {names})")
    return result


# -- checkpoints --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """The body of a tlog checkpoint: origin, tree size, root hash (and extension lines)."""

    origin: str
    size: int
    root: bytes
    extensions: tuple[str, ...] = ()

    def text(self) -> str:
        """The note text: origin, decimal size and base64 root, one per line."""
        lines = [self.origin, str(self.size), b64(self.root), *self.extensions]
        return "".join(line + "\n" for line in lines)

    @classmethod
    def from_text(cls, text: str) -> Checkpoint:
        """Parse a checkpoint body.

        Raises:
            NoteError: fewer than three lines, an empty origin, a size with leading zeros or
                not decimal, a root that is not 32 bytes of base64, an empty extension line.
        """
        if not text.endswith("\n"):
            raise NoteError("malformed checkpoint: the text must end in a newline")
        lines = text[:-1].split("\n")
        if len(lines) < 3:
            raise NoteError("malformed checkpoint: want origin, size and root lines")
        origin, size, root_line, *extensions = lines
        if not origin:
            raise NoteError("malformed checkpoint: the origin line is empty")
        if not _DECIMAL.fullmatch(size):
            raise NoteError(f"malformed checkpoint: tree size {size[:30]!r} is not a decimal")
        if len(size) > 20 or int(size) >= 2**64:  # tlog-checkpoint: a uint64
            raise NoteError(f"malformed checkpoint: tree size {size[:30]}… is beyond 2^64 − 1")
        try:
            root = _b64decode(root_line)
        except ValueError:
            raise NoteError("malformed checkpoint: the root line is not base64") from None
        if len(root) != 32:
            raise NoteError(f"malformed checkpoint: the root is {len(root)} bytes, not 32")
        if any(not line for line in extensions):
            raise NoteError("malformed checkpoint: an empty extension line")
        return cls(origin, int(size), root, tuple(extensions))


@dataclass(frozen=True)
class SignedCheckpoint:
    """A checkpoint and the note that carries it."""

    checkpoint: Checkpoint
    note: Note

    @classmethod
    def parse(cls, data: bytes) -> SignedCheckpoint:
        """Parse a signed checkpoint, verifying nothing. Raises NoteError."""
        note = parse_note(data)
        return cls(Checkpoint.from_text(note.text), note)

    def encode(self) -> bytes:
        return self.note.encode()

    def cosignatures(self) -> list[Signature]:
        """Signature lines shaped like cosignature/v1 (8 + 64 bytes after the key id)."""
        return [s for s in self.note.signatures if len(s.data) == 72]


__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "Checkpoint",
    "Note",
    "NoteSigner",
    "OpenedNote",
    "Signature",
    "SignedCheckpoint",
    "VerifierKey",
    "b64",
    "cosignature_message",
    "cosignature_timestamp",
    "cosigner",
    "cosigner_key",
    "ed25519_key",
    "key_id",
    "open_note",
    "parse_note",
    "sign_note",
    "signer",
    "valid_name",
]
