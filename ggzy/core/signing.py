"""The platform's own signing key (Ed25519), for receipts (回执) and, later, witness checkpoints.

Production names a PEM file in PLATFORM_SIGNING_KEY_FILE (kept outside the database, ideally on a
hardware module's proxy). Development and tests create one under GGZY_DATA_DIR/keys on first use.
"""

from __future__ import annotations

import base64
import functools
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


@functools.cache
def _private_key() -> Ed25519PrivateKey:
    configured = os.environ.get("PLATFORM_SIGNING_KEY_FILE")
    if configured:
        path = Path(configured)
    elif settings.PRODUCTION:
        raise ImproperlyConfigured("Production needs PLATFORM_SIGNING_KEY_FILE (an Ed25519 private key in PEM).")
    else:
        path = Path(settings.DATA_DIR) / "keys" / "platform-signing.pem"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            pem = Ed25519PrivateKey.generate().private_bytes(
                serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
            )
            temporary = path.with_suffix(".tmp")
            temporary.write_bytes(pem)
            temporary.chmod(0o600)
            temporary.replace(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ImproperlyConfigured("The platform signing key must be an Ed25519 private key.")
    return key


def public_key() -> Ed25519PublicKey:
    return _private_key().public_key()


def public_key_pem() -> str:
    return (
        public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()
    )


def sign(message: bytes) -> str:
    """Base64url signature of the message."""
    return base64.urlsafe_b64encode(_private_key().sign(message)).decode().rstrip("=")


def verify(message: bytes, signature: str) -> bool:
    padded = signature + "=" * (-len(signature) % 4)
    try:
        public_key().verify(base64.urlsafe_b64decode(padded), message)
    except (InvalidSignature, ValueError):
        return False
    return True
