"""bidtool: seal, unseal and verify sealed electronic bids (docs/sealed-bid-format.md).

Depends only on ``cryptography`` and the standard library, so a bidder can run it without the
platform: ``python -m bidtool --help``.
"""

from __future__ import annotations

from bidtool.envelope import (
    Inspection,
    SealResult,
    UnsealResult,
    check_unsealed_files,
    default_workers,
    inspect,
    open_package,
    seal,
    unseal,
    unwrap_content_key,
    verify,
    verify_backup,
)
from bidtool.errors import BidError, BidFormatError, BidIntegrityError, BidKeyError
from bidtool.format import FORMAT_VERSION, SEGMENT_SIZE, SUITE_P256, SUITE_SM, Header, Manifest, signature_message
from bidtool.keys import (
    generate_sealing_key,
    generate_signing_key,
    key_id,
    load_private_key,
    load_public_key,
    private_key_to_jwk,
    private_key_to_pem,
    public_key_to_jwk,
    public_key_to_pem,
)

__version__ = "1.0.0"

__all__ = [
    "FORMAT_VERSION",
    "SEGMENT_SIZE",
    "SUITE_P256",
    "SUITE_SM",
    "BidError",
    "BidFormatError",
    "BidIntegrityError",
    "BidKeyError",
    "Header",
    "Inspection",
    "Manifest",
    "SealResult",
    "UnsealResult",
    "check_unsealed_files",
    "default_workers",
    "generate_sealing_key",
    "generate_signing_key",
    "inspect",
    "key_id",
    "load_private_key",
    "load_public_key",
    "open_package",
    "private_key_to_jwk",
    "private_key_to_pem",
    "public_key_to_jwk",
    "public_key_to_pem",
    "seal",
    "signature_message",
    "unseal",
    "unwrap_content_key",
    "verify",
    "verify_backup",
]
