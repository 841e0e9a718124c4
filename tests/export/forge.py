"""What an attacker does to a bag: change a file, rewrite the manifests (and Payload-Oxum) that
anyone can recompute, relabel bag-info.txt, and sign the list of files again with a real key of
a registered staff member. And the auditor's command, run in-process."""

from __future__ import annotations

import hashlib
from functools import cache
from pathlib import Path
from typing import Any
from unittest import mock

import typer
from typer.testing import CliRunner, Result

from keys import SigningKey
from ledger.cli import app
from ledger.export.bag import bag_files
from ledger.export.bundle import SIGNATURE_FILE, sign_bag
from ledger.note import SignedCheckpoint


def rehash(bag: Path, name: str) -> None:
    """Rewrite what BagIt fixity checks of `name` — its manifest lines, the Payload-Oxum, the
    tag manifest lines — as anyone who changes a file can, so that fixity alone no longer sees
    the change."""
    if name.startswith("data/"):
        for algorithm in ("sha256", "sha512"):
            path = bag / f"manifest-{algorithm}.txt"
            fixed = []
            for line in path.read_text(encoding="utf-8").splitlines():
                digest, listed = line.split("  ", 1)
                if listed == name:
                    digest = hashlib.new(algorithm, (bag / listed).read_bytes()).hexdigest()
                fixed.append(f"{digest}  {listed}")
            path.write_text("\n".join(fixed) + "\n", encoding="utf-8")
        payload = [p for p in bag_files(bag) if p.startswith("data/")]
        oxum = f"{sum((bag / p).stat().st_size for p in payload)}.{len(payload)}"
        info = bag / "bag-info.txt"
        lines = info.read_text(encoding="utf-8").splitlines()
        lines = [f"Payload-Oxum: {oxum}" if x.startswith("Payload-Oxum: ") else x for x in lines]
        info.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for algorithm in ("sha256", "sha512"):
        path = bag / f"tagmanifest-{algorithm}.txt"
        fixed = []
        for line in path.read_text(encoding="utf-8").splitlines():
            _, listed = line.split("  ", 1)
            digest = hashlib.new(algorithm, (bag / listed).read_bytes()).hexdigest()
            fixed.append(f"{digest}  {listed}")
        path.write_text("\n".join(fixed) + "\n", encoding="utf-8")


def flip(path: Path, at: int | None = None) -> None:
    """Flip one bit of the file (in the middle by default); an empty file gets one byte."""
    data = bytearray(path.read_bytes())
    if not data:
        path.write_bytes(b"\n")
        return
    index = len(data) // 2 if at is None else at
    data[index] ^= 0x01
    path.write_bytes(bytes(data))


def set_label(bag: Path, label: str, value: str) -> None:
    """Give a bag-info.txt label a new value (the tag manifests follow)."""
    info = bag / "bag-info.txt"
    lines = info.read_text(encoding="utf-8").splitlines()
    assert any(line.startswith(f"{label}: ") for line in lines), label
    lines = [f"{label}: {value}" if x.startswith(f"{label}: ") else x for x in lines]
    info.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rehash(bag, "bag-info.txt")


def resign(bag: Path, person: str, key: SigningKey, *, kind: str | None = None,
           cp: SignedCheckpoint | None = None) -> None:  # fmt: skip
    """Sign the bag's list of files again as `person` (bag-info's Ledger-Exporter follows), by
    default for the kind and checkpoint the bag names."""
    set_label(bag, "Ledger-Exporter", person)
    (bag / SIGNATURE_FILE).unlink()
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    kind = kind or info.split("Ledger-Export-Kind: ")[1].split("\n")[0]
    cp = cp or SignedCheckpoint.parse((bag / "data/checkpoint.txt").read_bytes())
    sign_bag(bag, kind=kind, cp=cp, exporter=person, key=key)


@cache
def _command() -> Any:
    return typer.main.get_command(app)


def verify(bag: Path, vkey: str, *more: str) -> Result:
    """`ledger verify --bundle BAG --trust VKEY`, in-process. The command is built from the
    Typer app once (building it costs more than verifying a small bag)."""
    with mock.patch("typer.testing._get_command", lambda _: _command()):
        return CliRunner().invoke(app, ["verify", "--bundle", str(bag), "--trust", vkey, *more])


def failures(result: Result) -> list[str]:
    """The `FAIL [kind] where: message` lines of a verification, without `FAIL `."""
    return [line[5:] for line in result.stderr.splitlines() if line.startswith("FAIL ")]
