"""Encrypting secrets at rest (identity providers' client secrets, third-party tokens).

`MultiFernet` over `settings.TOKEN_ENCRYPTION_KEYS`: the first key encrypts, every key
decrypts, so rotating is "put the new key first, re-save, then drop the old one".
Fernet is authenticated encryption (AES-128-CBC with HMAC-SHA256): a tampered or
foreign ciphertext raises instead of decrypting to garbage.
"""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

__all__ = ["InvalidToken", "decrypt", "encrypt", "multi_fernet", "rotate"]


def multi_fernet(keys: Sequence[str] | None = None) -> MultiFernet:
    keys = list(keys if keys is not None else settings.TOKEN_ENCRYPTION_KEYS)
    if not keys:
        raise ValueError("TOKEN_ENCRYPTION_KEYS is empty: there is no key to encrypt with.")
    return MultiFernet([Fernet(key.encode() if isinstance(key, str) else key) for key in keys])


def encrypt(plaintext: str, *, keys: Sequence[str] | None = None) -> str:
    """The Fernet token of `plaintext` under the first key; "" stays "" (no secret set)."""
    if not plaintext:
        return ""
    return multi_fernet(keys).encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str, *, keys: Sequence[str] | None = None) -> str:
    """The plaintext, trying every key; raises InvalidToken if none fits."""
    if not ciphertext:
        return ""
    return multi_fernet(keys).decrypt(ciphertext.encode()).decode()


def rotate(ciphertext: str, *, keys: Sequence[str] | None = None) -> str:
    """The same secret re-encrypted under the first key."""
    if not ciphertext:
        return ""
    return multi_fernet(keys).rotate(ciphertext.encode()).decode()
