"""Tests of the encrypted on-disk key store (real scrypt, real files, no mocks)."""

from __future__ import annotations

import base64
import os
import shutil
import stat
import subprocess
import tempfile
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from keys import (
    BadPassphraseError,
    BadSignatureError,
    InvalidKeyError,
    KeyNotFoundError,
    KeyPermissionError,
    KeysError,
    KeyStore,
    SigningKey,
    _der,
    key_id,
    keystore,
    short_id,
    verify_signature,
)
from keys.keystore import SCRYPT_N, SCRYPT_P, SCRYPT_R, _encrypt_pkcs8_pem

POSIX = os.name == "posix"
posix_only = pytest.mark.skipif(not POSIX, reason="POSIX file modes")
OPENSSL = shutil.which("openssl")
needs_openssl = pytest.mark.skipif(OPENSSL is None, reason="openssl is not installed")

SEED = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
PASSPHRASE = "correct horse battery staple"
OTHER_KID = "0" * 64


@dataclass(frozen=True)
class Saved:
    """A key saved once per module; tests get a private copy of its directory."""

    key: SigningKey
    directory: Path

    @property
    def kid(self) -> str:
        return self.key.key_id


@pytest.fixture(scope="module")
def saved_once(tmp_path_factory: pytest.TempPathFactory) -> Saved:
    key = SigningKey.from_seed(SEED)
    directory = tmp_path_factory.mktemp("saved") / "keys"
    KeyStore(directory).save(key, PASSPHRASE)
    return Saved(key, directory)


@pytest.fixture
def saved(saved_once: Saved, tmp_path: Path) -> Saved:
    directory = tmp_path / "keys"
    shutil.copytree(saved_once.directory, directory)  # copies modes too
    return Saved(saved_once.key, directory)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _pem_der(pem: bytes) -> bytes:
    lines = pem.decode("ascii").strip().splitlines()
    return base64.b64decode("".join(lines[1:-1]))


def _openssl(*args: str) -> subprocess.CompletedProcess[bytes]:
    assert OPENSSL is not None
    return subprocess.run([OPENSSL, *args], capture_output=True, check=False, timeout=60)


# --------------------------------------------------------------------------- round trips


def test_save_and_load_round_trip(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    key = SigningKey.generate()
    path = store.save(key, PASSPHRASE)

    assert path == store.path_for(key.key_id) == tmp_path / "keys" / f"{key.key_id}.key.pem"
    assert path.read_bytes().startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n")
    assert store.has(key.key_id)
    assert store.list_ids() == [key.key_id]
    assert store.public_key(key.key_id) == key.public_key

    loaded = store.load(key.key_id, PASSPHRASE)
    assert loaded.key_id == key.key_id
    assert loaded.public_key == key.public_key
    assert loaded.sign(b"decision") == key.sign(b"decision")
    verify_signature(key.public_key, b"decision", loaded.sign(b"decision"))


@posix_only
def test_file_and_directory_modes(saved_once: Saved) -> None:
    store = KeyStore(saved_once.directory)
    assert _mode(saved_once.directory) == 0o700
    assert _mode(store.path_for(saved_once.kid)) == 0o600
    assert _mode(saved_once.directory / f"{saved_once.kid}.pub") == 0o644


@posix_only
def test_modes_do_not_depend_on_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0o277)
    try:
        store = KeyStore(tmp_path / "nested" / "keys")
        path = store.save(SigningKey.from_seed(SEED), PASSPHRASE)
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "nested" / "keys") == 0o700
    assert _mode(path) == 0o600


def test_save_leaves_only_the_two_key_files(saved_once: Saved) -> None:
    names = sorted(p.name for p in saved_once.directory.iterdir())
    assert names == [f"{saved_once.kid}.key.pem", f"{saved_once.kid}.pub"]
    assert (saved_once.directory / f"{saved_once.kid}.pub").read_bytes() == (
        base64.b64encode(saved_once.key.public_key) + b"\n"
    )


@settings(
    max_examples=5,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(passphrase=st.text(min_size=1, max_size=40))
def test_round_trip_with_arbitrary_unicode_passphrases(passphrase: str) -> None:
    key = SigningKey.from_seed(SEED)
    with tempfile.TemporaryDirectory() as temp:
        store = KeyStore(Path(temp) / "keys")
        store.save(key, passphrase)
        assert store.load(key.key_id, passphrase).sign(b"m") == key.sign(b"m")
        with pytest.raises(BadPassphraseError):
            store.load(key.key_id, passphrase + "\u00e9")


def test_saving_again_reencrypts_under_the_new_passphrase(saved: Saved) -> None:
    store = KeyStore(saved.directory)
    store.save(saved.key, "new passphrase")
    with pytest.raises(BadPassphraseError):
        store.load(saved.kid, PASSPHRASE)
    assert store.load(saved.kid, "new passphrase").key_id == saved.kid


def test_list_ids_sorted_and_ignores_other_files(saved: Saved) -> None:
    store = KeyStore(saved.directory)
    others = [SigningKey.from_seed(bytes([n]) * 32) for n in (1, 2)]
    for other in others:
        store.save(other, PASSPHRASE)
    (saved.directory / "README").write_text("hello")
    (saved.directory / "notakey.key.pem").write_text("x")
    (saved.directory / f"{'f' * 64}.pub").write_text("x")
    (saved.directory / f"{'A' * 64}.key.pem").write_text("x")
    (saved.directory / f"{'e' * 64}.key.pem").mkdir()
    assert store.list_ids() == sorted([saved.kid, *(o.key_id for o in others)])


def test_empty_store(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "missing")
    assert store.list_ids() == []
    assert not store.has(OTHER_KID)
    assert store.directory == tmp_path / "missing"
    assert not (tmp_path / "missing").exists()  # nothing is created until save()
    assert repr(store) == f"KeyStore(directory={str(tmp_path / 'missing')!r})"


# --------------------------------------------------------------------------- file format


def test_file_is_pbes2_scrypt_aes256cbc_with_fixed_parameters(saved_once: Saved) -> None:
    der = _pem_der(KeyStore(saved_once.directory).path_for(saved_once.kid).read_bytes())
    (alg_tag, alg), (data_tag, ciphertext) = _der.read_sequence(der)
    assert (alg_tag, data_tag) == (_der.TAG_SEQUENCE, _der.TAG_OCTET_STRING)
    pbes2_oid, pbes2_params = _der.read_members(alg)
    assert pbes2_oid == (_der.TAG_OID, _der.encode_oid("1.2.840.113549.1.5.13")[2:])
    kdf, cipher = _der.read_members(pbes2_params[1])
    kdf_oid, scrypt_params = _der.read_members(kdf[1])
    assert kdf_oid[1] == _der.encode_oid("1.3.6.1.4.1.11591.4.11")[2:]
    salt, n, r, p, key_length = _der.read_members(scrypt_params[1])
    assert salt[0] == _der.TAG_OCTET_STRING and len(salt[1]) == 16
    assert [int.from_bytes(v[1], "big") for v in (n, r, p, key_length)] == [2**14, 8, 1, 32]
    cipher_oid, iv = _der.read_members(cipher[1])
    assert cipher_oid[1] == _der.encode_oid("2.16.840.1.101.3.4.1.42")[2:]
    assert iv[0] == _der.TAG_OCTET_STRING and len(iv[1]) == 16
    assert len(ciphertext) % 16 == 0 and len(ciphertext) > 48
    assert (SCRYPT_N, SCRYPT_R, SCRYPT_P) == (2**14, 8, 1)


def test_scrypt_cost_cannot_be_lowered_by_rebinding_the_constant(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(keystore, "SCRYPT_N", 2)
    path = KeyStore(tmp_path / "keys").save(SigningKey.from_seed(SEED), PASSPHRASE)
    assert _der.encode_integer(2**14) in _pem_der(path.read_bytes())


def test_each_save_uses_a_fresh_salt_and_iv(saved: Saved, saved_once: Saved) -> None:
    store = KeyStore(saved.directory)
    store.save(saved.key, PASSPHRASE)
    before = KeyStore(saved_once.directory).path_for(saved.kid).read_bytes()
    assert store.path_for(saved.kid).read_bytes() != before


def test_der_encoder_known_encodings() -> None:
    assert _der.encode_oid("1.2.840.113549.1.5.13").hex() == "06092a864886f70d01050d"
    assert _der.encode_oid("1.3.6.1.4.1.11591.4.11").hex() == "06092b06010401da47040b"
    assert _der.encode_oid("2.16.840.1.101.3.4.1.42").hex() == "060960864801650304012a"
    assert _der.encode_integer(0).hex() == "020100"
    assert _der.encode_integer(127).hex() == "02017f"
    assert _der.encode_integer(128).hex() == "02020080"
    assert _der.encode_integer(2**15).hex() == "0203008000"
    assert _der.encode_octet_string(b"\x01" * 200)[:3].hex() == "0481c8"
    assert _der.encode_sequence(b"\x05\x00").hex() == "30020500"
    long = _der.encode_octet_string(bytes(300))
    assert _der.read_tlv(long) == (_der.TAG_OCTET_STRING, bytes(300), len(long))
    with pytest.raises(_der.DerError):
        _der.read_tlv(long[:-1])
    with pytest.raises(ValueError):
        _der.encode_integer(-1)


@needs_openssl
def test_openssl_accepts_the_file_format(tmp_path: Path) -> None:
    """The encoder's output is standard PKCS#8 that OpenSSL decrypts to the same key.

    Written with an explicit N=2**14 (the saved default too): the OpenSSL 3 CLI refuses scrypt
    needing more than 32 MiB; everything else is the exact code path used by KeyStore.save.
    """
    key = SigningKey.from_seed(SEED)
    path = tmp_path / "interop.pem"
    path.write_bytes(_encrypt_pkcs8_pem(key._private_pkcs8_der(), b"interop-pass", cost=2**14))
    path.chmod(0o600)

    result = _openssl("pkey", "-in", str(path), "-passin", "pass:interop-pass", "-noout")
    assert result.returncode == 0, result.stderr.decode(errors="replace")

    spki = _openssl(
        "pkey", "-in", str(path), "-passin", "pass:interop-pass", "-pubout", "-outform", "DER"
    )
    assert spki.returncode == 0 and spki.stdout.endswith(key.public_key)

    message = tmp_path / "message"
    message.write_bytes(b"decision 713")
    signature = tmp_path / "signature"
    signed = _openssl(
        "pkeyutl", "-sign", "-rawin", "-inkey", str(path), "-passin", "pass:interop-pass",
        "-in", str(message), "-out", str(signature),
    )  # fmt: skip
    assert signed.returncode == 0, signed.stderr.decode(errors="replace")
    assert signature.read_bytes() == key.sign(b"decision 713")

    wrong = _openssl("pkey", "-in", str(path), "-passin", "pass:wrong", "-noout")
    assert wrong.returncode != 0

    # ... and the key store loads the same file.
    store_dir = tmp_path / "keys"
    store_dir.mkdir(mode=0o700)
    shutil.copy2(path, store_dir / f"{key.key_id}.key.pem")
    assert KeyStore(store_dir).load(key.key_id, "interop-pass").sign(b"x") == key.sign(b"x")


@needs_openssl
def test_openssl_reads_a_saved_key_file(saved_once: Saved) -> None:
    path = KeyStore(saved_once.directory).path_for(saved_once.kid)
    result = _openssl("pkey", "-in", str(path), "-passin", f"pass:{PASSPHRASE}", "-noout")
    assert result.returncode == 0, result.stderr.decode(errors="replace")


@needs_openssl
def test_loads_a_key_encrypted_by_openssl_with_scrypt(tmp_path: Path) -> None:
    key = SigningKey.from_seed(SEED)
    plain = tmp_path / "plain.pem"
    plain.write_bytes(
        b"-----BEGIN PRIVATE KEY-----\n"
        + base64.encodebytes(key._private_pkcs8_der())
        + b"-----END PRIVATE KEY-----\n"
    )
    store_dir = tmp_path / "keys"
    store_dir.mkdir(mode=0o700)
    target = store_dir / f"{key.key_id}.key.pem"
    result = _openssl(
        "pkcs8", "-topk8", "-scrypt", "-in", str(plain), "-out", str(target),
        "-passout", "pass:from-openssl",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr.decode(errors="replace")
    target.chmod(0o600)
    assert KeyStore(store_dir).load(key.key_id, "from-openssl").sign(b"x") == key.sign(b"x")


# --------------------------------------------------------------------------- failures


def test_wrong_passphrase(saved: Saved) -> None:
    with pytest.raises(BadPassphraseError, match=f"wrong passphrase for key {saved.kid[:8]}…"):
        KeyStore(saved.directory).load(saved.kid, PASSPHRASE + " ")


def test_empty_passphrase_is_refused_on_save(tmp_path: Path) -> None:
    store = KeyStore(tmp_path / "keys")
    with pytest.raises(BadPassphraseError, match="empty passphrase") as excinfo:
        store.save(SigningKey.from_seed(SEED), "")
    assert "non-empty passphrase" in excinfo.value.diagnostics()
    assert not (tmp_path / "keys").exists()


def test_empty_passphrase_on_load(saved: Saved) -> None:
    with pytest.raises(BadPassphraseError, match="passphrase is required"):
        KeyStore(saved.directory).load(saved.kid, "")


def test_unencodable_passphrase(tmp_path: Path) -> None:
    with pytest.raises(BadPassphraseError, match="UTF-8") as excinfo:
        KeyStore(tmp_path / "keys").save(SigningKey.from_seed(SEED), "abc\ud800")
    assert excinfo.value.__context__ is None


def test_non_string_passphrase_is_a_type_error(saved: Saved) -> None:
    with pytest.raises(TypeError):
        KeyStore(saved.directory).load(saved.kid, PASSPHRASE.encode())  # type: ignore[arg-type]


def test_missing_key(tmp_path: Path) -> None:
    store = KeyStore(tmp_path)
    with pytest.raises(KeyNotFoundError) as excinfo:
        store.load(OTHER_KID, PASSPHRASE)
    assert str(excinfo.value) == f"no key file for key {short_id(OTHER_KID)} in {tmp_path}"
    with pytest.raises(KeyNotFoundError):
        KeyStore(tmp_path / "missing").load(OTHER_KID, PASSPHRASE)
    with pytest.raises(KeyNotFoundError):
        store.public_key(OTHER_KID)


@posix_only
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o660, 0o666])
def test_group_or_world_accessible_key_file_is_refused(saved: Saved, mode: int) -> None:
    store = KeyStore(saved.directory)
    path = store.path_for(saved.kid)
    path.chmod(mode)
    with pytest.raises(KeyPermissionError) as excinfo:
        store.load(saved.kid, PASSPHRASE)
    assert f"{mode:04o}" in str(excinfo.value)
    assert f"chmod 600 {path}" in str(excinfo.value)


@posix_only
@pytest.mark.parametrize("mode", [0o755, 0o750, 0o701])
def test_group_or_world_accessible_directory_is_refused(saved: Saved, mode: int) -> None:
    store = KeyStore(saved.directory)
    saved.directory.chmod(mode)
    with pytest.raises(KeyPermissionError, match=f"chmod 700 {saved.directory}"):
        store.load(saved.kid, PASSPHRASE)
    with pytest.raises(KeyPermissionError):
        store.save(SigningKey.generate(), PASSPHRASE)


def _truncate(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _garbage(data: bytes) -> bytes:
    return os.urandom(len(data))


def _empty(data: bytes) -> bytes:
    return b""


def _bad_base64(data: bytes) -> bytes:
    lines = data.splitlines(keepends=True)
    return lines[0] + b"!!!!" + b"".join(lines[1:])


def _truncated_der(data: bytes) -> bytes:
    der = _pem_der(data)[:-20]
    body = base64.encodebytes(der)
    return (
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + body + b"-----END ENCRYPTED PRIVATE KEY-----\n"
    )


def _unencrypted(data: bytes) -> bytes:
    der = SigningKey.from_seed(SEED)._private_pkcs8_der()
    return (
        b"-----BEGIN PRIVATE KEY-----\n" + base64.encodebytes(der) + b"-----END PRIVATE KEY-----\n"
    )


def _huge(data: bytes) -> bytes:
    return data + b"A" * (70 * 1024)


@pytest.mark.parametrize(
    "damage",
    [_truncate, _garbage, _empty, _bad_base64, _truncated_der, _unencrypted, _huge],
    ids=lambda f: f.__name__.strip("_"),
)
def test_corrupt_key_file_is_invalid(saved: Saved, damage: Callable[[bytes], bytes]) -> None:
    store = KeyStore(saved.directory)
    path = store.path_for(saved.kid)
    path.write_bytes(damage(path.read_bytes()))
    with pytest.raises(InvalidKeyError, match="damaged or not a key file") as excinfo:
        store.load(saved.kid, PASSPHRASE)
    assert excinfo.value.__cause__ is None


@pytest.mark.parametrize("offset", [-64, -50, -40, -17, -1])
def test_damaged_ciphertext_never_loads(saved: Saved, offset: int) -> None:
    """CBC is not authenticated, so a flipped ciphertext bit reads as a wrong passphrase
    (garbled DER or padding) or as a key whose id does not match the file name (garbled
    seed); a different key is never returned.
    """
    store = KeyStore(saved.directory)
    path = store.path_for(saved.kid)
    der = bytearray(_pem_der(path.read_bytes()))
    der[offset] ^= 0x01  # the last 64 bytes of the DER are the ciphertext
    body = base64.encodebytes(bytes(der))
    path.write_bytes(
        b"-----BEGIN ENCRYPTED PRIVATE KEY-----\n" + body + b"-----END ENCRYPTED PRIVATE KEY-----\n"
    )
    with pytest.raises((BadPassphraseError, InvalidKeyError)):
        store.load(saved.kid, PASSPHRASE)


def test_key_file_holding_another_key_is_invalid(saved: Saved) -> None:
    store = KeyStore(saved.directory)
    other = SigningKey.generate()
    store.save(other, PASSPHRASE)
    os.replace(store.path_for(other.key_id), store.path_for(saved.kid))
    with pytest.raises(InvalidKeyError, match=f"holds key {other.key_id[:8]}…"):
        store.load(saved.kid, PASSPHRASE)


def test_key_file_holding_a_non_ed25519_key_is_invalid(saved: Saved) -> None:
    store = KeyStore(saved.directory)
    ec_der = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    store.path_for(saved.kid).write_bytes(
        _encrypt_pkcs8_pem(ec_der, PASSPHRASE.encode(), cost=2**4)
    )
    with pytest.raises(InvalidKeyError, match="not hold an Ed25519"):
        store.load(saved.kid, PASSPHRASE)


def test_key_file_in_an_encryption_this_ledger_does_not_write_is_invalid(saved: Saved) -> None:
    """PBKDF2 (cryptography's best available encryption) is not read."""
    store = KeyStore(saved.directory)
    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(PASSPHRASE.encode()),
    )
    store.path_for(saved.kid).write_bytes(pem)
    with pytest.raises(InvalidKeyError, match="not the scrypt and AES-256-CBC this ledger writes"):
        store.load(saved.kid, PASSPHRASE)


@pytest.mark.parametrize("cost", [3, 2**16 - 1, 2**16, 2**40], ids=str)
def test_a_scrypt_cost_openssl_cannot_take_is_invalid_not_an_openssl_error(
    saved: Saved, cost: int
) -> None:
    """Found by the fuzz of key files: an scrypt cost that is not a power of two made OpenSSL
    fail with an error of its own (a traceback); a huge one would take any memory."""
    store = KeyStore(saved.directory)
    seq, octets, integer = _der.encode_sequence, _der.encode_octet_string, _der.encode_integer
    der = seq(
        seq(
            _der.encode_oid("1.2.840.113549.1.5.13"),
            seq(
                seq(
                    _der.encode_oid("1.3.6.1.4.1.11591.4.11"),
                    seq(octets(b"s" * 16), integer(cost), integer(8), integer(1), integer(32)),
                ),
                seq(_der.encode_oid("2.16.840.1.101.3.4.1.42"), octets(b"i" * 16)),
            ),
        ),
        octets(b"c" * 48),
    )
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    pem = "\n".join(["-----BEGIN ENCRYPTED PRIVATE KEY-----", *lines]) + "\n"
    pem += "-----END ENCRYPTED PRIVATE KEY-----\n"
    store.path_for(saved.kid).write_bytes(pem.encode())
    with pytest.raises(InvalidKeyError, match="not the scrypt and AES-256-CBC this ledger writes"):
        store.load(saved.kid, "pw")


BAD_KIDS = [
    "",
    "a" * 63,
    "a" * 65,
    "A" * 64,
    "g" * 64,
    "../" + "a" * 61,
    "a" * 63 + "/",
    "a" * 64 + "\n",
    "\u0661" * 64,  # Arabic-Indic digit one: matches \d, not [0-9]
]


@pytest.mark.parametrize("kid", BAD_KIDS)
def test_malformed_key_ids_are_rejected(saved: Saved, kid: str) -> None:
    store = KeyStore(saved.directory)
    calls: list[Callable[[], object]] = [
        lambda: store.path_for(kid),
        lambda: store.has(kid),
        lambda: store.load(kid, PASSPHRASE),
        lambda: store.public_key(kid),
    ]
    for call in calls:
        with pytest.raises(InvalidKeyError, match="64 lowercase hex"):
            call()


def test_non_string_key_id_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(InvalidKeyError):
        KeyStore(tmp_path).path_for(b"a" * 64)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "content",
    [b"not base64!\n", base64.b64encode(bytes(31)) + b"\n", base64.b64encode(bytes(32)) + b"\n"],
    ids=["bad-base64", "wrong-size", "wrong-key"],
)
def test_corrupt_public_key_file_is_invalid(saved: Saved, content: bytes) -> None:
    (saved.directory / f"{saved.kid}.pub").write_bytes(content)
    with pytest.raises(InvalidKeyError, match="public key file"):
        KeyStore(saved.directory).public_key(saved.kid)


# --------------------------------------------------------------------------- no leaks


def _secret_strings(key_seed: bytes, pem: bytes) -> list[str]:
    """Every textual form of the private material that must never be shown."""
    der = SigningKey.from_seed(key_seed)._private_pkcs8_der()
    pem_lines = pem.decode("ascii").strip().splitlines()[1:-1]
    forms = [
        key_seed.hex(),
        key_seed.hex().upper(),
        base64.b64encode(key_seed).decode(),
        base64.urlsafe_b64encode(key_seed).decode(),
        base64.b64encode(key_seed).decode().rstrip("="),
        key_seed.decode("latin-1"),
        repr(key_seed)[2:-1],
        der.hex(),
        base64.b64encode(der).decode(),
        repr(der)[2:-1],
        "".join(pem_lines),
        *pem_lines,
        PASSPHRASE,
    ]
    # Also any 16-character window of the seed's hex or base64 forms.
    for text in (key_seed.hex(), base64.b64encode(key_seed).decode()):
        forms += [text[i : i + 16] for i in range(0, len(text) - 16, 4)]
    return forms


def _trigger_every_error(saved: Saved, tmp_path: Path) -> list[KeysError]:
    store = KeyStore(saved.directory)
    path = store.path_for(saved.kid)
    key = saved.key
    attempts: list[Callable[[], object]] = [
        lambda: store.load(OTHER_KID, PASSPHRASE),
        lambda: KeyStore(tmp_path / "missing").public_key(saved.kid),
        lambda: store.load(saved.kid, "wrong " + PASSPHRASE),
        lambda: store.load(saved.kid, ""),
        lambda: store.save(key, ""),
        lambda: store.save(key, PASSPHRASE + "\udcff"),
        lambda: store.load(SEED.hex().upper(), PASSPHRASE),
        lambda: store.path_for(SEED.hex() + "0"),
        lambda: SigningKey.from_seed(SEED[:31]),
        lambda: SigningKey.from_seed(SEED + b"\x00"),
        lambda: key_id(SEED + SEED),
        lambda: verify_signature((2).to_bytes(32, "little"), b"m", bytes(64)),
        lambda: verify_signature(key.public_key, b"m", key.sign(b"n")),
    ]
    errors: list[KeysError] = []
    for attempt in attempts:
        with pytest.raises(KeysError) as excinfo:
            attempt()
        errors.append(excinfo.value)

    if POSIX:
        path.chmod(0o644)
        with pytest.raises(KeyPermissionError) as permission:
            store.load(saved.kid, PASSPHRASE)
        errors.append(permission.value)
        path.chmod(0o600)

    other = SigningKey.generate()
    store.save(other, PASSPHRASE)
    other_path = store.path_for(other.key_id)
    shutil.copy2(path, other_path)  # wrong key inside the file
    with pytest.raises(InvalidKeyError) as mismatch:
        store.load(other.key_id, PASSPHRASE)
    errors.append(mismatch.value)

    path.write_bytes(path.read_bytes()[:-30])  # truncated
    with pytest.raises(InvalidKeyError) as corrupt:
        store.load(saved.kid, PASSPHRASE)
    errors.append(corrupt.value)
    return errors


def test_no_private_material_in_any_error_or_repr(saved: Saved, tmp_path: Path) -> None:
    pem = KeyStore(saved.directory).path_for(saved.kid).read_bytes()
    secrets_ = _secret_strings(SEED, pem)
    errors = _trigger_every_error(saved, tmp_path)

    kinds = {type(error) for error in errors}
    assert kinds == {
        KeyNotFoundError,
        BadPassphraseError,
        InvalidKeyError,
        BadSignatureError,
        *([KeyPermissionError] if POSIX else []),
    }

    loaded = KeyStore(saved.directory.parent / "fresh")
    loaded.save(saved.key, PASSPHRASE)
    key = loaded.load(saved.kid, PASSPHRASE)
    texts = [repr(saved.key), str(saved.key), repr(key), str(key), repr(loaded)]
    for error in errors:
        assert error.__cause__ is None
        assert error.__context__ is None or error.__suppress_context__
        texts += [
            str(error),
            repr(error),
            error.diagnostics(),
            "".join(traceback.format_exception(error)),
        ]
    for text in texts:
        for secret in secrets_:
            assert secret not in text
