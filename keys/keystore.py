"""Passphrase-protected storage of signing keys on disk.

Layout of a key directory (mode 0700)::

    <key_id>.key.pem   encrypted PKCS#8 private key, mode 0600
    <key_id>.pub       base64 of the raw 32-byte public key, one line, mode 0644

Private key files are standard ``-----BEGIN ENCRYPTED PRIVATE KEY-----`` PEM: an RFC 5958
``EncryptedPrivateKeyInfo`` using PBES2 (RFC 8018) with the scrypt KDF (RFC 7914 section 7,
N=2**14, r=8, p=1, 16-byte salt) and AES-256-CBC, written by this module because
``cryptography`` cannot serialise scrypt-based PBES2 itself.  Loading goes through
``cryptography``'s ``load_pem_private_key``.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import os
import re
import secrets
import stat
from pathlib import Path
from typing import Final

from cryptography.exceptions import InternalError, UnsupportedAlgorithm
from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import load_pem_private_key

from keys import _der
from keys.ed25519 import SigningKey
from keys.errors import (
    BadPassphraseError,
    InvalidKeyError,
    KeyNotFoundError,
    KeyPermissionError,
    KeysError,
)
from keys.fingerprint import PUBLIC_KEY_SIZE, key_id, short_id

__all__ = ["SCRYPT_N", "SCRYPT_P", "SCRYPT_R", "KeyStore"]

#: scrypt cost N for every saved key: 16 MiB, OpenSSL's default, so `openssl pkey` can read
#: our key files (OpenSSL refuses scrypt needing more than 32 MiB).
SCRYPT_N: Final = 2**14
#: scrypt block size parameter r.
SCRYPT_R: Final = 8
#: scrypt parallelization parameter p.
SCRYPT_P: Final = 1

_SALT_SIZE: Final = 16
_AES_KEY_SIZE: Final = 32
_AES_IV_SIZE: Final = 16

_OID_PBES2: Final = "1.2.840.113549.1.5.13"
_OID_SCRYPT: Final = "1.3.6.1.4.1.11591.4.11"
_OID_AES256_CBC: Final = "2.16.840.1.101.3.4.1.42"
#: The three OIDs of a key file, as their DER contents.
_OIDS: Final = tuple(_der.encode_oid(oid)[2:] for oid in (_OID_PBES2, _OID_SCRYPT, _OID_AES256_CBC))
#: The most memory scrypt may need to open a key file: OpenSSL's limit.
_SCRYPT_MAX_MEMORY: Final = 32 * 1024 * 1024

_PEM_BEGIN: Final = "-----BEGIN ENCRYPTED PRIVATE KEY-----"
_PEM_END: Final = "-----END ENCRYPTED PRIVATE KEY-----"
_PEM_LINE: Final = 64
_MAX_KEY_FILE_SIZE: Final = 64 * 1024

_PRIVATE_SUFFIX: Final = ".key.pem"
_PUBLIC_SUFFIX: Final = ".pub"
_DIR_MODE: Final = 0o700
_PRIVATE_MODE: Final = 0o600
_PUBLIC_MODE: Final = 0o644
_GROUP_OTHER_BITS: Final = 0o077

_KEY_ID_RE: Final = re.compile(r"[0-9a-f]{64}")
_POSIX: Final = os.name == "posix"


def _validate_key_id(kid: str) -> str:
    """Return ``kid`` if it is 64 lowercase hex characters, else raise InvalidKeyError.

    The offending value is deliberately not echoed: it may be a secret pasted by mistake.
    """
    if not isinstance(kid, str):
        raise InvalidKeyError(f"a key id must be a string, not {type(kid).__name__}")
    if _KEY_ID_RE.fullmatch(kid) is None:
        raise InvalidKeyError(
            f"invalid key id ({len(kid)} characters): a key id is 64 lowercase hex characters"
        )
    return kid


def _encode_passphrase(passphrase: str, *, kid: str) -> bytes:
    """Return the UTF-8 bytes of a non-empty passphrase, or raise BadPassphraseError."""
    if not isinstance(passphrase, str):
        raise TypeError(f"a passphrase must be a string, not {type(passphrase).__name__}")
    encoded: bytes | None
    try:
        encoded = passphrase.encode("utf-8")
    except UnicodeEncodeError:
        encoded = None
    if encoded is None:
        # Raised outside the except block so that no exception holding the passphrase is
        # chained to it.
        raise BadPassphraseError(
            f"the passphrase for key {short_id(kid)} cannot be encoded as UTF-8",
            hint="Use a passphrase made of ordinary Unicode text.",
        )
    if not encoded:
        raise BadPassphraseError(
            f"an empty passphrase is not allowed for key {short_id(kid)}",
            hint="Private keys are always stored encrypted; choose a non-empty passphrase.",
        )
    return encoded


def _encrypt_pkcs8_pem(pkcs8_der: bytes, passphrase: bytes, *, cost: int = SCRYPT_N) -> bytes:
    """Encrypt an unencrypted PKCS#8 DER into scrypt/AES-256-CBC PBES2 PEM.

    ``cost`` is scrypt's N.  Its default is bound when the module is imported, so rebinding
    ``SCRYPT_N`` later cannot weaken saved keys; only the interoperability test passes a
    smaller value explicitly.
    """
    salt = secrets.token_bytes(_SALT_SIZE)
    iv = secrets.token_bytes(_AES_IV_SIZE)
    aes_key = Scrypt(salt=salt, length=_AES_KEY_SIZE, n=cost, r=SCRYPT_R, p=SCRYPT_P).derive(
        passphrase
    )
    padder = padding.PKCS7(algorithms.AES.block_size).padder()
    padded = padder.update(pkcs8_der) + padder.finalize()
    encryptor = Cipher(algorithms.AES(aes_key), modes.CBC(iv)).encryptor()
    ciphertext = encryptor.update(padded) + encryptor.finalize()

    scrypt_params = _der.encode_sequence(
        _der.encode_octet_string(salt),
        _der.encode_integer(cost),
        _der.encode_integer(SCRYPT_R),
        _der.encode_integer(SCRYPT_P),
        _der.encode_integer(_AES_KEY_SIZE),
    )
    pbes2_params = _der.encode_sequence(
        _der.encode_sequence(_der.encode_oid(_OID_SCRYPT), scrypt_params),
        _der.encode_sequence(_der.encode_oid(_OID_AES256_CBC), _der.encode_octet_string(iv)),
    )
    encrypted_private_key_info = _der.encode_sequence(
        _der.encode_sequence(_der.encode_oid(_OID_PBES2), pbes2_params),
        _der.encode_octet_string(ciphertext),
    )
    body = base64.b64encode(encrypted_private_key_info).decode("ascii")
    lines = [_PEM_BEGIN]
    lines += [body[i : i + _PEM_LINE] for i in range(0, len(body), _PEM_LINE)]
    lines.append(_PEM_END)
    return ("\n".join(lines) + "\n").encode("ascii")


def _check_envelope(data: bytes) -> str | None:
    """Check that ``data`` is a well-formed encrypted PKCS#8 PEM envelope.

    This only looks at the unencrypted structure, so that a damaged file can be told apart from
    a wrong passphrase.  Returns ``None`` if the envelope is fine, else a short reason that
    never quotes the file's content.
    """
    if len(data) > _MAX_KEY_FILE_SIZE:
        return "the file is too large"
    try:
        text = data.decode("ascii")
    except UnicodeDecodeError:
        return "the file is not ASCII text"
    lines = [line.strip() for line in text.strip().splitlines()]
    if len(lines) < 3 or lines[0] != _PEM_BEGIN or lines[-1] != _PEM_END:
        return "the file is not an encrypted PKCS#8 PEM key"
    try:
        der = base64.b64decode("".join(lines[1:-1]), validate=True)
    except (binascii.Error, ValueError):
        return "the PEM body is not valid base64"
    try:
        members = _der.read_sequence(der)
        if len(members) != 2:
            return "the encrypted key structure is malformed"
        (algorithm_tag, algorithm), (data_tag, encrypted) = members
        if algorithm_tag != _der.TAG_SEQUENCE or data_tag != _der.TAG_OCTET_STRING:
            return "the encrypted key structure is malformed"
        algorithm_members = _der.read_members(algorithm)
    except _der.DerError:
        return "the encrypted key structure is malformed"
    if not algorithm_members or algorithm_members[0][0] != _der.TAG_OID or not encrypted:
        return "the encrypted key structure is malformed"
    if not _written_here(der):
        # OpenSSL fails on some encryptions with errors of its own (an scrypt cost that is not
        # a power of two), and an unbounded cost would make loading take any memory and time.
        return "its encryption is not the scrypt and AES-256-CBC this ledger writes"
    return None


def _written_here(der: bytes) -> bool:
    """Whether ``der`` is PBES2 with scrypt and AES-256-CBC, as `_encrypt_pkcs8_pem` and
    ``openssl pkcs8 -topk8 -scrypt`` write it: a salt, a cost N that is a power of two, block
    size r and parallelism p within what OpenSSL allows (at most 32 MiB), an optional key
    length of 32, a 16-byte IV and whole cipher blocks."""
    try:
        (_, algorithm), (_, ciphertext) = _der.read_sequence(der)
        (oid_tag, pbes2_oid), (_, pbes2) = _der.read_members(algorithm)
        (_, kdf), (_, cipher) = _der.read_members(pbes2)
        (_, kdf_oid), (_, scrypt_params) = _der.read_members(kdf)
        (_, cipher_oid), (iv_tag, iv) = _der.read_members(cipher)
        params = _der.read_members(scrypt_params)
    except (_der.DerError, ValueError):
        return False
    if (oid_tag, iv_tag) != (_der.TAG_OID, _der.TAG_OCTET_STRING) or len(iv) != _AES_IV_SIZE:
        return False
    if (pbes2_oid, kdf_oid, cipher_oid) != _OIDS or not ciphertext or len(ciphertext) % 16:
        return False
    if not 4 <= len(params) <= 5 or params[0][0] != _der.TAG_OCTET_STRING:
        return False
    if not 8 <= len(params[0][1]) <= 64 or any(tag != _der.TAG_INTEGER for tag, _ in params[1:]):
        return False
    cost, block, parallel, *length = (int.from_bytes(value, "big") for _, value in params[1:])
    if cost < 2 or cost & (cost - 1) or not 1 <= block <= 32 or not 1 <= parallel <= 16:
        return False
    return 128 * cost * block * parallel <= _SCRYPT_MAX_MEMORY and length in ([], [_AES_KEY_SIZE])


def _write_atomic(path: Path, data: bytes, mode: int) -> None:
    """Write ``data`` to ``path`` atomically: exclusive temp file, fsync, rename."""
    temp = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    flags = (
        os.O_WRONLY
        | os.O_CREAT
        | os.O_EXCL
        | getattr(os, "O_BINARY", 0)
        | getattr(os, "O_CLOEXEC", 0)
    )
    fd = os.open(temp, flags, _PRIVATE_MODE)
    try:
        try:
            if _POSIX:
                os.fchmod(fd, mode)  # exact mode, whatever the umask
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _fsync_directory(directory: Path) -> None:
    """Persist a directory entry change (best effort; a no-op where unsupported)."""
    if not _POSIX:
        return
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class KeyStore:
    """A directory of passphrase-encrypted Ed25519 signing keys, addressed by key id.

    The directory is created (mode 0700) by the first :meth:`save`.  Permission checks apply on
    POSIX systems only.
    """

    __slots__ = ("_directory",)

    def __init__(self, directory: Path) -> None:
        """Create a key store over ``directory`` (which need not exist yet).

        Args:
            directory: The key directory.
        """
        self._directory = Path(directory)

    @property
    def directory(self) -> Path:
        """The key directory.

        Returns:
            The directory given to the constructor.
        """
        return self._directory

    def __repr__(self) -> str:
        """Return ``KeyStore(directory=...)``.

        Returns:
            The representation.
        """
        return f"{type(self).__name__}(directory={str(self._directory)!r})"

    def path_for(self, kid: str) -> Path:
        """Return the path of the private key file for a key id (whether or not it exists).

        Args:
            kid: The key id (64 lowercase hex characters).

        Returns:
            ``<directory>/<kid>.key.pem``.

        Raises:
            InvalidKeyError: ``kid`` is not 64 lowercase hex characters.
        """
        return self._directory / f"{_validate_key_id(kid)}{_PRIVATE_SUFFIX}"

    def _public_path_for(self, kid: str) -> Path:
        """Return the path of the public key file for a (validated) key id."""
        return self._directory / f"{_validate_key_id(kid)}{_PUBLIC_SUFFIX}"

    def discard(self, kid: str) -> None:
        """Delete a key's files, for a key that was made but never used (e.g. `ledger init`
        failed after saving it). A key that signed anything must be kept, never discarded.

        Raises:
            InvalidKeyError: ``kid`` is not 64 lowercase hex characters.
        """
        self.path_for(kid).unlink(missing_ok=True)
        self._public_path_for(kid).unlink(missing_ok=True)

    def has(self, kid: str) -> bool:
        """Tell whether the store holds a private key file for a key id.

        Args:
            kid: The key id (64 lowercase hex characters).

        Returns:
            True if ``<kid>.key.pem`` exists in the directory.

        Raises:
            InvalidKeyError: ``kid`` is not 64 lowercase hex characters.
        """
        return self.path_for(kid).is_file()

    def list_ids(self) -> list[str]:
        """List the key ids that have a private key file in the store.

        Returns:
            The key ids, sorted; empty if the directory does not exist.

        Raises:
            OSError: The directory exists but cannot be listed.
        """
        try:
            entries = list(os.scandir(self._directory))
        except FileNotFoundError:
            return []
        ids = []
        for entry in entries:
            if not entry.name.endswith(_PRIVATE_SUFFIX):
                continue
            kid = entry.name[: -len(_PRIVATE_SUFFIX)]
            if _KEY_ID_RE.fullmatch(kid) is not None and entry.is_file():
                ids.append(kid)
        return sorted(ids)

    def public_key(self, kid: str) -> bytes:
        """Read a public key from its ``<kid>.pub`` file.

        Args:
            kid: The key id (64 lowercase hex characters).

        Returns:
            The raw 32-byte Ed25519 public key.

        Raises:
            InvalidKeyError: ``kid`` is malformed, or the file is not the base64 of a 32-byte
                public key whose key id is ``kid``.
            KeyNotFoundError: There is no public key file for ``kid``.
            OSError: The file exists but cannot be read.
        """
        path = self._public_path_for(kid)
        try:
            data = path.read_bytes()[: _MAX_KEY_FILE_SIZE + 1]
        except FileNotFoundError:
            raise KeyNotFoundError(
                f"no public key file for key {short_id(kid)} in {self._directory}"
            ) from None
        try:
            public = base64.b64decode(data.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise InvalidKeyError(f"public key file {path} is not valid base64") from None
        if len(public) != PUBLIC_KEY_SIZE:
            raise InvalidKeyError(
                f"public key file {path} holds {len(public)} bytes, not {PUBLIC_KEY_SIZE}"
            )
        if key_id(public) != kid:
            raise InvalidKeyError(
                f"public key file {path} holds key {short_id(key_id(public))}, not {short_id(kid)}"
            )
        return public

    def _check_directory_mode(self) -> None:
        """Refuse a key directory that group or others can access (POSIX only)."""
        if not _POSIX:
            return
        mode = stat.S_IMODE(self._directory.stat().st_mode)
        if mode & _GROUP_OTHER_BITS:
            raise KeyPermissionError(
                f"key directory {self._directory} has mode {mode:04o}, which gives access to "
                f"group or others; run: chmod 700 {self._directory}"
            )

    def _ensure_directory(self) -> None:
        """Create the key directory with mode 0700 if missing, else check its mode."""
        try:
            self._directory.mkdir(mode=_DIR_MODE, parents=True)
        except FileExistsError:
            if not self._directory.is_dir():
                raise KeysError(f"key directory {self._directory} is not a directory") from None
        except OSError as exc:
            raise KeysError(
                f"cannot create the key directory {self._directory}: {exc.strerror}"
            ) from None
        else:
            if _POSIX:
                os.chmod(self._directory, _DIR_MODE)  # mkdir's mode is subject to the umask
            return
        self._check_directory_mode()

    def save(self, key: SigningKey, passphrase: str) -> Path:
        """Encrypt a signing key with a passphrase and store it (replacing any previous file).

        The public key file is written first, then the private key file; each is written to a
        temporary file, fsynced and renamed into place.  Saving a key that is already stored
        re-encrypts it under the new passphrase.

        Args:
            key: The signing key to store.
            passphrase: The passphrase; any non-empty text (encoded as UTF-8, not normalised).

        Returns:
            The path of the private key file, ``<directory>/<key_id>.key.pem``.

        Raises:
            BadPassphraseError: ``passphrase`` is empty or cannot be encoded as UTF-8.
            KeyPermissionError: The existing directory is accessible by group or others.
            TypeError: ``key`` is not a SigningKey or ``passphrase`` is not a string.
            OSError: The directory or the files cannot be created or written.
        """
        if not isinstance(key, SigningKey):
            raise TypeError(f"expected a SigningKey, not {type(key).__name__}")
        kid = key.key_id
        secret = _encode_passphrase(passphrase, kid=kid)
        self._ensure_directory()
        pem = _encrypt_pkcs8_pem(key._private_pkcs8_der(), secret)
        public_line = base64.b64encode(key.public_key) + b"\n"
        _write_atomic(self._public_path_for(kid), public_line, _PUBLIC_MODE)
        path = self.path_for(kid)
        _write_atomic(path, pem, _PRIVATE_MODE)
        _fsync_directory(self._directory)
        return path

    def load(self, kid: str, passphrase: str) -> SigningKey:
        """Load and decrypt a signing key.

        Args:
            kid: The key id (64 lowercase hex characters).
            passphrase: The passphrase the key was saved with.

        Returns:
            The signing key; its key id is ``kid``.

        Raises:
            InvalidKeyError: ``kid`` is malformed; or the file is damaged, is not an encrypted
                PKCS#8 key, is not an Ed25519 key, or holds a key whose id is not ``kid``.
            KeyNotFoundError: There is no private key file for ``kid``.
            KeyPermissionError: The key file or the directory is accessible by group or others,
                or the key file cannot be read by the current user.
            BadPassphraseError: The passphrase is wrong (or empty); since the encryption is not
                authenticated, a damaged ciphertext is reported the same way.
            TypeError: ``passphrase`` is not a string.
            OSError: The file exists but cannot be read for another reason.
        """
        path = self.path_for(kid)
        # O_NONBLOCK: a FIFO put in place of the key file is refused below, not waited on.
        flags = (
            os.O_RDONLY
            | getattr(os, "O_BINARY", 0)
            | getattr(os, "O_CLOEXEC", 0)
            | getattr(os, "O_NONBLOCK", 0)
        )
        try:
            fd = os.open(path, flags)
        except FileNotFoundError:
            raise KeyNotFoundError(
                f"no key file for key {short_id(kid)} in {self._directory}"
            ) from None
        except PermissionError:
            raise KeyPermissionError(
                f"key file {path} cannot be read by the current user",
                hint="Check the owner and mode of the key file (it should be yours, mode 0600).",
            ) from None
        try:
            full_mode = os.fstat(fd).st_mode
            if not stat.S_ISREG(full_mode):
                raise InvalidKeyError(f"key file {path} is not a regular file")
            mode = stat.S_IMODE(full_mode)
            if _POSIX and mode & _GROUP_OTHER_BITS:
                raise KeyPermissionError(
                    f"key file {path} has mode {mode:04o}, which gives access to group or "
                    f"others; run: chmod 600 {path}"
                )
            self._check_directory_mode()
            with os.fdopen(fd, "rb", closefd=False) as stream:
                data = stream.read(_MAX_KEY_FILE_SIZE + 1)
        finally:
            os.close(fd)

        reason = _check_envelope(data)
        if reason is not None:
            raise InvalidKeyError(f"key file {path} is damaged or not a key file: {reason}")
        if passphrase == "":
            raise BadPassphraseError(f"a passphrase is required to load key {short_id(kid)}")
        secret = _encode_passphrase(passphrase, kid=kid)
        try:
            private_key = load_pem_private_key(data, secret)
        except ValueError:
            # The envelope is well formed, so a decryption or decoding failure means a wrong
            # passphrase (or a damaged ciphertext, which unauthenticated CBC cannot tell apart).
            raise BadPassphraseError(f"wrong passphrase for key {short_id(kid)}") from None
        except (TypeError, UnsupportedAlgorithm, InternalError):
            raise InvalidKeyError(
                f"key file {path} uses an unsupported or unexpected key encryption"
            ) from None
        try:
            key = SigningKey._from_loaded_key(private_key)
        except InvalidKeyError:
            raise InvalidKeyError(f"key file {path} does not hold an Ed25519 private key") from None
        if key.key_id != kid:
            raise InvalidKeyError(
                f"key file {path} holds key {short_id(key.key_id)}, not {short_id(kid)}"
            )
        return key
