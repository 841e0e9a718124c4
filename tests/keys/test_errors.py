"""Tests of the exception hierarchy and of the package boundary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import keys
from keys import (
    BadPassphraseError,
    BadSignatureError,
    InvalidKeyError,
    KeyNotFoundError,
    KeyPermissionError,
    KeysError,
)

SUBCLASSES: list[type[KeysError]] = [
    KeyNotFoundError,
    BadPassphraseError,
    InvalidKeyError,
    KeyPermissionError,
    BadSignatureError,
]


@pytest.mark.parametrize("cls", SUBCLASSES)
def test_subclasses_are_keys_errors_not_builtin_key_error(cls: type[KeysError]) -> None:
    assert issubclass(cls, KeysError)
    assert issubclass(cls, Exception)
    assert not issubclass(cls, KeyError)  # the builtin is not shadowed nor subclassed


def test_base_diagnostics_defaults_to_message() -> None:
    assert KeysError("something went wrong").diagnostics() == "something went wrong"


@pytest.mark.parametrize("cls", SUBCLASSES)
def test_diagnostics_is_one_paragraph_starting_with_the_message(cls: type[KeysError]) -> None:
    text = cls("the message").diagnostics()
    assert text.startswith("the message. ")
    assert len(text) > len("the message. ")
    assert "\n" not in text


def test_instance_hint_replaces_class_hint() -> None:
    error = BadPassphraseError("empty passphrase", hint="Choose one.")
    assert error.diagnostics() == "empty passphrase. Choose one."
    assert str(error) == "empty passphrase"


def test_public_api_exports() -> None:
    assert sorted(keys.__all__) == sorted(
        [
            "BadPassphraseError",
            "BadSignatureError",
            "InvalidKeyError",
            "KeyNotFoundError",
            "KeyPermissionError",
            "KeyStore",
            "KeysError",
            "SigningKey",
            "key_id",
            "short_id",
            "verify_many",
            "verify_signature",
        ]
    )
    for name in keys.__all__:
        assert getattr(keys, name) is not None


def test_keys_is_a_leaf_package() -> None:
    forbidden = ["ledger", "tui", "typer", "textual", "sqlmodel", "sqlalchemy"]
    code = (
        "import sys, keys, keys.keystore, keys.ed25519, keys.fingerprint, keys.errors\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {forbidden!r})\n"
        "sys.stdout.write(','.join(bad))\n"
    )
    root = Path(__file__).resolve().parents[2]
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True
    )
    assert result.stdout == ""
