"""Personal data: encryption at rest, keyed lookup hashes, and masking for display.

Phone numbers, ID numbers and home addresses are stored encrypted with Fernet (AES-128-CBC with
HMAC-SHA256). `settings.PII_KEYS` lists keys newest first: the first encrypts, all decrypt, so a key
is rotated by putting a new one in front and re-encrypting rows. Encrypted values cannot be searched,
so a keyed HMAC of the normalised value (`lookup_hash`) is stored beside those we look up by.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.db import models

from .text import ascii_digits


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key.encode("ascii")) for key in keys])


def _cipher() -> MultiFernet:
    return _fernet(tuple(settings.PII_KEYS))


def encrypt(value: str) -> str:
    return _cipher().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode("ascii")).decode("utf-8")
    except InvalidToken as exc:  # a key was removed before its rows were re-encrypted
        raise ValueError("personal data cannot be decrypted with the configured keys") from exc


def reencrypt(token: str) -> str:
    """The same value encrypted under the current first key (for key rotation)."""
    return _cipher().rotate(token.encode("ascii")).decode("ascii")


def normalise(value: str) -> str:
    """A phone or ID number as compared and hashed: ASCII (full-width digits read as such), no spaces, upper case."""
    return re.sub(r"\s+", "", ascii_digits(value)).upper()


def lookup_hash(value: str) -> str:
    """Keyed hash of a normalised value, for equality lookups on encrypted columns ('' for empty)."""
    value = normalise(value)
    if not value:
        return ""
    key = settings.PII_INDEX_KEY.encode("utf-8")
    return hmac.new(key, value.encode("utf-8"), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column whose value is encrypted in the database and plain in Python."""

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


def mask_phone(value: str) -> str:
    """138****1234: keeps the carrier prefix and the last four digits."""
    value = (value or "").strip()
    if len(value) <= 4:
        return "*" * len(value)
    if len(value) < 8:
        return value[:1] + "*" * (len(value) - 3) + value[-2:]
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id_number(value: str) -> str:
    """610424********1234: keeps the place code and the last four characters."""
    value = (value or "").strip()
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_name(value: str) -> str:
    """张**: keeps the first character of a name (the family name) and hides the rest."""
    value = (value or "").strip()
    return value[:1] + "*" * max(1, len(value) - 1) if value else ""


def mask_address(value: str) -> str:
    """Keeps the first six characters (district and street) and hides the rest."""
    value = (value or "").strip()
    if not value:
        return ""
    keep = min(6, max(1, len(value) // 3))
    return value[:keep] + "****"


MASKERS = {"phone": mask_phone, "id_number": mask_id_number, "address": mask_address}
PII_FIELD_LABELS = {"phone": "联系电话", "id_number": "身份证号", "address": "家庭住址"}


# Numbers as people write them: digits in ASCII or full width (１３９…), groups split by a space, a hyphen, a
# dot or an ideographic space (139-0000-2222, 139 0000 2222, 139.0000.2222, 1 3 9 0 0 …), a mobile after
# +86, 0086 or 86, a landline's area code in brackets. One separator at most between two digits, so two
# numbers written side by side stay two.
_D = "[0-9０-９]"
_SEP = r"[ \t\u3000\-－.．·]?"
_NOT_DIGIT_BEFORE = "(?<![0-9０-９])"
_NOT_DIGIT_AFTER = "(?![0-9０-９])"
_MOBILE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}(?:(?:[+＋]|00|００)?(?:86|８６){_SEP}[\s]*)?[1１]{_SEP}[3-9３-９](?:{_SEP}{_D}){{9}}{_NOT_DIGIT_AFTER}"
)
_LANDLINE = re.compile(
    rf"{_NOT_DIGIT_BEFORE}[(（]?[0０]{_D}{{2,3}}[)）]?{_SEP}{_D}(?:{_SEP}{_D}){{6,7}}{_NOT_DIGIT_AFTER}"
)
_ID_NUMBER = re.compile(
    rf"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ]){_D}(?:{_SEP}{_D}){{16}}{_SEP}[0-9０-９XxＸｘ](?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
)
_NUMBER_PARTS = re.compile(r"[^0-9Xx]")


def _bare(number: str) -> str:
    """The digits of a number as written (full width to ASCII, separators and brackets gone)."""
    return _NUMBER_PARTS.sub("", number.translate(_FULL_WIDTH_DIGITS)).upper()


def _mobile_masked(number: str) -> str:
    digits = _bare(number)
    return mask_phone(digits[-11:])


_FULL_WIDTH_DIGITS = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


HIDDEN_NUMBER = "（号码已隐去）"


def mask_text(text: str, *, public: bool = False, names: Iterable[str] = ()) -> str:
    """`text` with ID numbers, mobile and landline numbers masked: people write them anywhere (a case's
    description, a matter's text), and free text is shown to more people than the record's own fields.

    For a page anyone may read (`public`), a number is hidden whole, with nothing of it left, and each of
    `names` (the people a record knows of, e.g. a meeting's roll) is masked wherever it is written."""
    if public:
        text = _ID_NUMBER.sub(HIDDEN_NUMBER, text or "")
        text = _LANDLINE.sub(HIDDEN_NUMBER, _MOBILE.sub(HIDDEN_NUMBER, text))
        # Longest first, so a name that contains another is masked whole.
        for name in sorted({n.strip() for n in names if len(n.strip()) > 1}, key=len, reverse=True):
            text = text.replace(name, mask_name(name))
        return text
    text = _ID_NUMBER.sub(lambda m: mask_id_number(_bare(m.group(0))), text or "")
    text = _MOBILE.sub(lambda m: _mobile_masked(m.group(0)), text)
    return _LANDLINE.sub(lambda m: mask_phone(_bare(m.group(0))), text)
