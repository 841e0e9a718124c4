"""A tiny DER encoder/reader: just enough ASN.1 to write and sanity-check PKCS#8 envelopes.

Only definite lengths, single-byte tags and the universal types used by
``EncryptedPrivateKeyInfo`` with PBES2/scrypt/AES-CBC are supported.
"""

from __future__ import annotations

__all__ = [
    "TAG_INTEGER",
    "TAG_OCTET_STRING",
    "TAG_OID",
    "TAG_SEQUENCE",
    "DerError",
    "encode_integer",
    "encode_octet_string",
    "encode_oid",
    "encode_sequence",
    "read_members",
    "read_sequence",
    "read_tlv",
]

TAG_INTEGER = 0x02
TAG_OCTET_STRING = 0x04
TAG_OID = 0x06
TAG_SEQUENCE = 0x30


class DerError(ValueError):
    """Malformed or unsupported DER (internal; callers turn it into InvalidKeyError)."""


def _encode_length(length: int) -> bytes:
    """Encode a DER definite length."""
    if length < 0x80:
        return bytes([length])
    body = length.to_bytes((length.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(body)]) + body


def _encode_tlv(tag: int, content: bytes) -> bytes:
    """Encode one tag-length-value element."""
    return bytes([tag]) + _encode_length(len(content)) + content


def encode_integer(value: int) -> bytes:
    """Encode a non-negative INTEGER.

    Args:
        value: The integer, >= 0.

    Returns:
        Its DER encoding (minimal two's complement, with a leading 0 byte when needed).

    Raises:
        ValueError: ``value`` is negative.
    """
    if value < 0:
        raise ValueError("only non-negative integers are supported")
    return _encode_tlv(TAG_INTEGER, value.to_bytes(value.bit_length() // 8 + 1, "big"))


def encode_octet_string(value: bytes) -> bytes:
    """Encode an OCTET STRING.

    Args:
        value: The octets.

    Returns:
        Its DER encoding.
    """
    return _encode_tlv(TAG_OCTET_STRING, value)


def encode_oid(dotted: str) -> bytes:
    """Encode an OBJECT IDENTIFIER.

    Args:
        dotted: The OID in dotted-decimal form, e.g. ``"1.2.840.113549.1.5.13"``.

    Returns:
        Its DER encoding.

    Raises:
        ValueError: ``dotted`` is not a valid OID.
    """
    arcs = [int(part) for part in dotted.split(".")]
    if len(arcs) < 2 or arcs[0] > 2 or (arcs[0] < 2 and arcs[1] >= 40) or min(arcs) < 0:
        raise ValueError(f"invalid object identifier {dotted!r}")
    body = bytearray()
    for arc in [40 * arcs[0] + arcs[1], *arcs[2:]]:
        chunk = [arc & 0x7F]
        arc >>= 7
        while arc:
            chunk.append(0x80 | (arc & 0x7F))
            arc >>= 7
        body += bytes(reversed(chunk))
    return _encode_tlv(TAG_OID, bytes(body))


def encode_sequence(*elements: bytes) -> bytes:
    """Encode a SEQUENCE of already-encoded elements.

    Args:
        *elements: The DER encodings of the members, in order.

    Returns:
        Its DER encoding.
    """
    return _encode_tlv(TAG_SEQUENCE, b"".join(elements))


def read_tlv(data: bytes, offset: int = 0) -> tuple[int, bytes, int]:
    """Read one element.

    Args:
        data: DER data.
        offset: Where the element starts.

    Returns:
        ``(tag, content, end)`` where ``end`` is the offset just past the element.

    Raises:
        DerError: The element is truncated, uses an indefinite or non-minimal length, or a
            multi-byte tag.
    """
    if offset + 2 > len(data):
        raise DerError("truncated element")
    tag = data[offset]
    if tag & 0x1F == 0x1F:
        raise DerError("multi-byte tags are not supported")
    first = data[offset + 1]
    position = offset + 2
    if first < 0x80:
        length = first
    else:
        count = first & 0x7F
        if count == 0 or count > 4:
            raise DerError("unsupported length encoding")
        if position + count > len(data):
            raise DerError("truncated length")
        length = int.from_bytes(data[position : position + count], "big")
        if length < 0x80 or data[position] == 0:
            raise DerError("non-minimal length encoding")
        position += count
    end = position + length
    if end > len(data):
        raise DerError("truncated element")
    return tag, data[position:end], end


def read_sequence(data: bytes) -> list[tuple[int, bytes]]:
    """Read a whole SEQUENCE (which must span all of ``data``) into its members.

    Args:
        data: DER data holding exactly one SEQUENCE.

    Returns:
        The ``(tag, content)`` of each member, in order.

    Raises:
        DerError: ``data`` is not exactly one well-formed SEQUENCE.
    """
    tag, content, end = read_tlv(data)
    if tag != TAG_SEQUENCE or end != len(data):
        raise DerError("expected exactly one SEQUENCE")
    return read_members(content)


def read_members(content: bytes) -> list[tuple[int, bytes]]:
    """Split the content of a constructed element (e.g. a SEQUENCE) into its members.

    Args:
        content: The content octets of the constructed element.

    Returns:
        The ``(tag, content)`` of each member, in order.

    Raises:
        DerError: ``content`` is not a concatenation of well-formed elements.
    """
    members: list[tuple[int, bytes]] = []
    offset = 0
    while offset < len(content):
        member_tag, member_content, offset = read_tlv(content, offset)
        members.append((member_tag, member_content))
    return members
