"""A witness: an auditor's own key and state, kept outside the bureau's database.

The witness cosigns a ledger's checkpoint (C2SP tlog-cosignature/v1, with a timestamp) only
after checking a consistency proof from the last checkpoint it cosigned for that origin, as the
C2SP tlog-witness protocol asks. It never goes backwards, and refuses a fork (same size,
another root), saying which. Checking the old state and recording the new one happen under
that log's lock, and the state file is replaced atomically (write, fsync, rename, fsync the
directory), so a crash leaves the old state or the new one. A refused checkpoint that the log
validly signed is kept in `evidence/`: it may prove the log misbehaved.

Layout of the directory (mode 0700):
    witness.json            name, key id, and the trusted log keys per origin
    keys/                   the witness's encrypted key file
    logs/<hash>.json        per origin: the last cosigned size, root and checkpoint
    logs/<hash>.lock        per origin: held while a checkpoint is checked and the state moved
    evidence/               refused but validly signed checkpoints, with the proof offered
"""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from keys import KeyStore, SigningKey
from ledger import merkle
from ledger.errors import (
    InputError,
    NoteError,
    ProofError,
    StoreError,
    VerificationError,
    WitnessRefusal,
)
from ledger.inputs import MAX_TEXT_FILE, parse_json, read_file
from ledger.note import (
    ED25519,
    Note,
    Signature,
    SignedCheckpoint,
    VerifierKey,
    b64,
    cosigner,
    cosigner_key,
    sign_note,
)
from ledger.receipts import ConsistencyProof, Trust, check_checkpoint

CONFIG = "witness.json"
MAX_PROOF = 63  # hashes in a consistency proof of a tree below 2^64


class Refused(WitnessRefusal):
    """A refusal, with the tlog-witness HTTP status that says it: 400 malformed or old size
    above the checkpoint's, 403 not signed by the log, 404 unknown log, 409 the old size is not
    the one the witness cosigned (`known` says which), 422 the proof fails or forks."""

    def __init__(self, message: str, *, status: int, known: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.known = known


@dataclass(frozen=True)
class WitnessConfig:
    """Who the witness is and which logs it follows."""

    name: str
    key_id: str
    public_key: bytes
    logs: dict[str, list[str]]  # origin -> verifier keys of the log

    @property
    def verifier_key(self) -> VerifierKey:
        """The witness's cosignature/v1 verifier key, to publish."""
        return cosigner_key(self.name, self.public_key)

    def trust(self, origin: str) -> Trust:
        return Trust([VerifierKey.parse(k) for k in self.logs.get(origin, [])])

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "key_id": self.key_id,
            "public_key": b64(self.public_key),
            "verifier_key": self.verifier_key.encode(),
            "logs": self.logs,
        }


@dataclass(frozen=True)
class LogState:
    """The last checkpoint the witness cosigned for one origin."""

    origin: str
    size: int
    root: bytes
    checkpoint: str


def write_atomic(path: Path, data: bytes) -> None:
    """Replace `path` with `data`: a private temporary file beside it, fsynced, renamed over
    it, the directory fsynced; a crash leaves the old file or the new one."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _state_path(directory: Path, origin: str) -> Path:
    return directory / "logs" / f"{hashlib.sha256(origin.encode()).hexdigest()[:32]}.json"


def init_witness(
    *,
    directory: Path,
    name: str,
    key: SigningKey,
    passphrase: str,
    log_keys: Sequence[VerifierKey],
) -> WitnessConfig:
    """Create a witness in `directory` with `key`, trusting `log_keys`.

    Raises:
        InputError: a bad name, a log key that is not an Ed25519 note key, or no log key.
        StoreError: a witness already lives there.
    """
    verifier = cosigner_key(name, key.public_key)  # checks the name
    if not log_keys:
        raise InputError(
            "give at least one --log-key (from `ledger checkpoint --verifier-key`)",
            where="--log-key",
        )
    logs: dict[str, list[str]] = {}
    for log_key in log_keys:
        if log_key.key_type != ED25519:
            raise InputError(
                f"{log_key.label()} is not a log's Ed25519 note key", where="--log-key"
            )
        logs.setdefault(log_key.name, []).append(log_key.encode())
    if (directory / CONFIG).exists():
        raise StoreError(f"a witness already lives in {directory}; refusing to replace it")
    try:
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        os.chmod(directory, 0o700)
    except OSError as exc:
        raise StoreError(
            f"cannot create the witness directory {directory}: {exc.strerror}"
        ) from None
    KeyStore(directory / "keys").save(key, passphrase)
    config = WitnessConfig(verifier.name, key.key_id, key.public_key, logs)
    _make_locks(directory, logs)
    write_atomic(directory / CONFIG, json.dumps(config.to_json(), indent=2).encode() + b"\n")
    return config


def _make_locks(directory: Path, origins: Iterable[str]) -> None:
    """Each log's lock file, made when the log is configured (a refusal then creates none)."""
    for origin in origins:
        lock = _state_path(directory, origin).with_suffix(".lock")
        lock.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        lock.touch(mode=0o600, exist_ok=True)


def load_witness(directory: Path) -> WitnessConfig:
    """Read a witness's configuration.

    Raises:
        StoreError: no witness there, or its file is damaged.
    """
    path = directory / CONFIG
    if not path.exists():
        raise StoreError(f"no witness in {directory}: create one with `ledger witness init`")
    try:
        value = parse_json(read_file(path, limit=MAX_TEXT_FILE), where=str(path))
        logs = value["logs"]
        if not isinstance(logs, dict) or not all(
            isinstance(keys, list) and all(isinstance(k, str) for k in keys)
            for keys in logs.values()
        ):
            raise TypeError("logs is not a map of origins to lists of keys")
        config = WitnessConfig(
            _str_field(value, "name"),
            _str_field(value, "key_id"),
            base64.b64decode(_str_field(value, "public_key"), validate=True),
            {origin: list(keys) for origin, keys in logs.items()},
        )
        cosigner_key(config.name, config.public_key)  # checks the name and the key's length
        for keys in config.logs.values():
            for key in keys:
                VerifierKey.parse(key, where=str(path))
    except (InputError, NoteError) as exc:
        raise StoreError(f"{path} is damaged ({exc.diagnostics()})") from None
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"{path} is damaged ({exc})") from None
    return config


def _str_field(value: Any, name: str) -> str:
    """`value[name]` if `value` is an object and that field a string; else TypeError."""
    if not isinstance(value, dict) or not isinstance(value.get(name), str):
        raise TypeError(f"{name} is not a string")
    return str(value[name])


def trust_log(*, directory: Path, log_key: VerifierKey) -> WitnessConfig:
    """Add a log key (a new log, or the same log's next key during a rotation)."""
    with _locked(directory):
        config = load_witness(directory)
        if log_key.key_type != ED25519:
            raise InputError(f"{log_key.label()} is not a log's Ed25519 note key", where="VKEY")
        keys = config.logs.setdefault(log_key.name, [])
        if log_key.encode() not in keys:
            keys.append(log_key.encode())
        _make_locks(directory, [log_key.name])
        write_atomic(directory / CONFIG, json.dumps(config.to_json(), indent=2).encode() + b"\n")
    return config


def log_state(directory: Path, origin: str) -> LogState | None:
    """The last checkpoint cosigned for `origin`, or None."""
    path = _state_path(directory, origin)
    if not path.exists():
        return None
    try:
        value = parse_json(read_file(path, limit=MAX_TEXT_FILE), where=str(path))
        size = value.get("size") if isinstance(value, dict) else None
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise TypeError("size is not a tree size")
        root = base64.b64decode(_str_field(value, "root"), validate=True)
        if len(root) != 32:
            raise ValueError("root is not 32 bytes")
        return LogState(_str_field(value, "origin"), size, root, _str_field(value, "checkpoint"))
    except InputError as exc:
        raise StoreError(f"{path} is damaged ({exc.diagnostics()})") from None
    except (ValueError, TypeError) as exc:
        raise StoreError(f"{path} is damaged ({exc})") from None


def states(directory: Path) -> list[LogState]:
    """Every log's state, by origin."""
    config = load_witness(directory)
    found = [log_state(directory, origin) for origin in sorted(config.logs)]
    return [s for s in found if s is not None]


@contextmanager
def _locked(directory: Path, lock: Path | None = None) -> Iterator[None]:
    """Hold the witness's lock (or one log's, `lock`): check-then-update is atomic."""
    try:
        if lock is not None:
            lock.parent.mkdir(mode=0o700, exist_ok=True)
        handle = open(lock or directory / "lock", "a+b")  # noqa: SIM115
    except (FileNotFoundError, NotADirectoryError):
        raise StoreError(
            f"no witness in {directory}: create one with `ledger witness init`"
        ) from None
    except OSError as exc:
        raise StoreError(f"cannot lock the witness in {directory}: {exc.strerror}") from None
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


@dataclass(frozen=True)
class Cosigned:
    """The checkpoint with the witness's cosignature added, and the size it moved from."""

    note: Note
    cosignature: Signature
    previous: int


def cosign(
    *,
    directory: Path,
    key: SigningKey,
    checkpoint: SignedCheckpoint,
    proof: ConsistencyProof,
    now: int,
) -> Cosigned:
    """Check `checkpoint` against the last one cosigned for its origin, then cosign it.

    Raises:
        WitnessRefusal: unknown origin, not signed by the log's key, smaller than the last
            cosigned (going backwards), the same size with another root (a fork), a proof from
            the wrong size, or a proof that does not verify. The state is unchanged.
    """
    config = _followed(directory, key, checkpoint)
    cp = checkpoint.checkpoint
    if proof.checkpoint.checkpoint != cp:
        raise Refused("refused: the proof is for another checkpoint than the one given", status=400)
    path = _state_path(directory, cp.origin)
    with _locked(directory, path.with_suffix(".lock")):  # one log's check-then-update
        state = log_state(directory, cp.origin)
        last = 0 if state is None else state.size
        try:
            _check_growth(state, cp.size, cp.root, proof)
        except WitnessRefusal:
            _keep_evidence(directory, checkpoint, proof, now)
            raise
        return _cosign_and_record(path, config.name, key, checkpoint, state, now, last)


def _followed(directory: Path, key: SigningKey, checkpoint: SignedCheckpoint) -> WitnessConfig:
    """This witness's configuration, once `key` is its own and `checkpoint` is signed by a log
    it follows (404 for a log it does not follow, 403 for a signature that does not hold)."""
    config = load_witness(directory)
    if key.public_key != config.public_key:
        raise InputError("that is not this witness's key", where="key")
    cp = checkpoint.checkpoint
    if cp.origin not in config.logs:
        raise Refused(f"refused: this witness does not follow the log {cp.origin!r}", status=404)
    try:
        check_checkpoint(checkpoint, config.trust(cp.origin))
    except VerificationError as exc:
        raise Refused(f"refused: {exc.message}", status=403) from None
    return config


def _cosign_and_record(
    path: Path,
    name: str,
    key: SigningKey,
    checkpoint: SignedCheckpoint,
    state: LogState | None,
    now: int,
    last: int,
) -> Cosigned:
    """Cosign `checkpoint` as witness `name` and record it as the log's state at `path` (under
    the caller's lock), unless it is the checkpoint already recorded: the same checkpoint again
    leaves the state (size, root) as it is on disk."""
    cp = checkpoint.checkpoint
    signature = sign_note(cp.text(), [cosigner(name, key, now)]).signatures[0]
    cosigned = checkpoint.note.with_signatures([signature])
    if state is None or (state.size, state.root) != (cp.size, cp.root):
        record = {
            "origin": cp.origin,
            "size": cp.size,
            "root": b64(cp.root),
            "checkpoint": cosigned.encode().decode("utf-8"),
            "cosigned_at": now,
        }
        write_atomic(path, json.dumps(record, indent=2).encode() + b"\n")
    return Cosigned(cosigned, signature, last)


def _check_growth(state: LogState | None, size: int, root: bytes, proof: ConsistencyProof) -> None:
    last = 0 if state is None else state.size
    stale = proof.old_size != last  # tlog-witness: 409 with the size the witness knows
    if state is not None and size < state.size:
        raise Refused(
            f"refused: the checkpoint has size {size}, smaller than the {state.size} this "
            "witness cosigned before: the log would go backwards (rolled back or cut short)",
            status=409 if stale else 400,
            known=last,
        )
    if state is not None and size == state.size and root != state.root:
        raise Refused(
            f"refused: fork: the checkpoint has size {size}, like the one cosigned before, "
            f"but another root ({b64(root)[:16]}…, cosigned {b64(state.root)[:16]}…)",
            status=409 if stale else 422,
            known=last,
        )
    if stale:
        raise Refused(
            f"refused: the proof starts at size {proof.old_size}, but this witness last "
            f"cosigned size {last}: ask the log for a proof from {last}",
            status=409,
            known=last,
        )
    if proof.old_size > size:
        raise Refused(
            f"refused: the old size {proof.old_size} is above the checkpoint's size {size}",
            status=400,
        )
    if state is None or last == 0:
        if proof.proof:
            raise Refused("refused: a proof from size 0 must be empty", status=422)
        if size == 0 and root != merkle.EMPTY_ROOT:
            raise Refused("refused: a checkpoint of size 0 must have the empty root", status=422)
        return  # the first checkpoint is taken on trust: every tree extends the empty one
    try:
        merkle.verify_consistency(last, size, state.root, root, proof.proof)
    except ProofError as exc:
        raise Refused(
            f"refused: the consistency proof from size {last} to {size} does not verify "
            f"({exc.message}): the checkpoint is not an extension of the one cosigned before",
            status=422,
        ) from None


def cosign_verified(
    *,
    directory: Path,
    key: SigningKey,
    checkpoint: SignedCheckpoint,
    roots: Mapping[int, bytes],
    now: int,
) -> Cosigned:
    """Cosign a checkpoint whose entries a monitor verified itself (`ledger monitor --cosign`):
    `roots` maps tree sizes to the roots it computed from the entries, the checkpoint's size
    among them. The last checkpoint this witness cosigned for the log must be one of them (or
    none): then the new one extends it, without a proof from the log.

    Raises:
        Refused: unknown log (404), not signed by it (403), a root the monitor did not compute
            (400), smaller than the last cosigned (409), or the last cosigned checkpoint is not
            one the monitor verified as a prefix (422). The state is unchanged.
    """
    config = _followed(directory, key, checkpoint)
    cp = checkpoint.checkpoint
    if roots.get(cp.size) != cp.root:
        raise Refused(f"refused: the checkpoint of size {cp.size} was not verified", status=400)
    path = _state_path(directory, cp.origin)
    with _locked(directory, path.with_suffix(".lock")):
        state = log_state(directory, cp.origin)
        last = 0 if state is None else state.size
        if state is not None and state.size > cp.size:
            raise Refused(
                f"refused: the checkpoint has size {cp.size}, smaller than the {state.size} this "
                "witness cosigned before: the log would go backwards",
                status=409,
                known=state.size,
            )
        if state is not None and state.size > 0 and roots.get(state.size) != state.root:
            raise Refused(
                f"refused: this witness last cosigned size {state.size}, a size this run did "
                "not verify as a prefix of the new checkpoint (or with another root: a fork); "
                "cosign through `ledger witness serve`, or follow from that size",
                status=422,
            )
        return _cosign_and_record(path, config.name, key, checkpoint, state, now, last)


MAX_REQUEST = 128 * 1024  # an add-checkpoint body: room for many signatures
_DECIMAL = re.compile(r"^(0|[1-9][0-9]*)$")


def parse_add_checkpoint(body: bytes) -> ConsistencyProof:
    """Parse a tlog-witness add-checkpoint body: `old <size>`, the proof's base64 hashes one a
    line, a blank line, the signed checkpoint.

    Raises:
        Refused: (400) naming what is malformed.
    """
    cut = body.find(b"\n\n")
    if cut < 0:
        raise Refused("malformed request: no blank line before the checkpoint", status=400)
    try:
        header = body[:cut].decode("ascii").split("\n")
    except UnicodeDecodeError:
        raise Refused(
            "malformed request: the old size and proof are not ASCII", status=400
        ) from None
    old = header[0].removeprefix("old ")
    if old == header[0] or not _DECIMAL.fullmatch(old) or len(old) > 19:
        raise Refused("malformed request: the first line is not `old <size>`", status=400)
    if len(header) - 1 > MAX_PROOF:
        raise Refused(f"malformed request: more than {MAX_PROOF} proof lines", status=400)
    proof = []
    for number, line in enumerate(header[1:], start=2):
        try:
            value = base64.b64decode(line.encode(), validate=True)
        except ValueError:
            value = b""
        if len(value) != merkle.HASH_SIZE or b64(value) != line:
            raise Refused(
                f"malformed request: line {number} is not the base64 of a 32-byte hash",
                status=400,
            )
        proof.append(value)
    try:
        signed = SignedCheckpoint.parse(body[cut + 2 :])
    except NoteError as exc:
        raise Refused(f"malformed checkpoint: {exc.message}", status=400) from None
    if signed.checkpoint.extensions:
        raise Refused("malformed checkpoint: extension lines are not cosigned", status=400)
    return ConsistencyProof(int(old), proof, signed)


def add_checkpoint(*, directory: Path, key: SigningKey, body: bytes, now: int) -> bytes:
    """Answer a tlog-witness add-checkpoint request: the cosignature line(s) to return.

    Raises:
        Refused: with the HTTP status and a one-line reason; the state is unchanged.
    """
    if len(body) > MAX_REQUEST:
        raise Refused(f"request too large: more than {MAX_REQUEST} bytes", status=413)
    offered = parse_add_checkpoint(body)
    done = cosign(
        directory=directory, key=key, checkpoint=offered.checkpoint, proof=offered, now=now
    )
    return done.cosignature.encode().encode("utf-8")


def _keep_evidence(
    directory: Path, checkpoint: SignedCheckpoint, proof: ConsistencyProof, now: int
) -> None:
    cp = checkpoint.checkpoint
    name = f"{hashlib.sha256(cp.origin.encode()).hexdigest()[:16]}-{cp.size}-{now}.txt"
    try:
        write_atomic(directory / "evidence" / name, proof.to_text().encode("utf-8"))
    except (OSError, NoteError):
        pass  # evidence is a courtesy; the refusal stands either way
