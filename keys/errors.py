"""Exceptions raised by the :mod:`keys` package.

Every exception is a :class:`KeysError`.  Messages are written for humans, mention key ids and
paths only, and never contain private key material, passphrases or file contents.
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "BadPassphraseError",
    "BadSignatureError",
    "InvalidKeyError",
    "KeyNotFoundError",
    "KeyPermissionError",
    "KeysError",
]


class KeysError(Exception):
    """Base class of every error raised by the :mod:`keys` package."""

    #: Advice appended to the message by :meth:`diagnostics`; empty for the base class.
    hint: ClassVar[str] = ""

    def __init__(self, *args: object, hint: str | None = None) -> None:
        """Create the error.

        Args:
            *args: The exception arguments; normally one human-readable message.
            hint: Advice for this particular error, replacing the class's default advice in
                :meth:`diagnostics`.
        """
        super().__init__(*args)
        self._hint = hint

    def diagnostics(self) -> str:
        """Return a one-paragraph, human-readable explanation of the error.

        Returns:
            The error message, followed by advice on what to do about it when there is any.
        """
        message = str(self)
        hint = self.hint if self._hint is None else self._hint
        if not hint:
            return message
        if message and not message.endswith((".", "!", "?", "…")):
            message += "."
        return f"{message} {hint}".strip()


class KeyNotFoundError(KeysError):
    """No key file (private or public) exists for the requested key id."""

    hint = "Check the key id and the key directory, or create the key first."


class BadPassphraseError(KeysError):
    """The passphrase is empty, unusable, or does not decrypt the key file."""

    hint = (
        "Passphrases are case-sensitive and must match exactly the one used when the key was "
        "saved; if it does, the encrypted key file may be damaged."
    )


class InvalidKeyError(KeysError):
    """A key file is corrupt or unparseable, or a key, seed or key id is malformed."""

    hint = (
        "The key data is damaged or is not an Ed25519 key; restore the key file from a backup "
        "or check where the key id or public key came from."
    )


class KeyPermissionError(KeysError):
    """A private key file or the key directory is accessible by group or others."""

    hint = "Private keys must be readable and writable by their owner only."


class BadSignatureError(KeysError):
    """A signature does not verify for the given message and public key."""

    hint = (
        "The signed data was altered after signing, or it was signed by a different key than "
        "the one it claims."
    )
