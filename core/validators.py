"""Validators for Chinese identifiers: resident ID numbers (GB 11643-1999) and mainland mobile numbers.

Plain functions without Django state, so forms, spreadsheet imports and the API share one rule.
"""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError

# GB 11643-1999: weight of each of the first 17 characters, and the check character for sum mod 11.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK_CHARS = "10X98765432"
_ID_PATTERN = re.compile(r"^[1-9][0-9]{16}[0-9X]$")
_MOBILE_PATTERN = re.compile(r"^1[3-9][0-9]{9}$")


def id_number_check_char(first17: str) -> str:
    """The check character (0-9 or X) for the first 17 digits of an ID number."""
    if len(first17) != 17 or not first17.isdigit():
        raise ValueError("an ID number body is 17 digits")
    total = sum(int(digit) * weight for digit, weight in zip(first17, _ID_WEIGHTS, strict=True))
    return _ID_CHECK_CHARS[total % 11]


def id_number_birth_date(value: str) -> dt.date | None:
    """The birth date encoded in an 18-character ID number, or None if it is not a real date."""
    try:
        return dt.datetime.strptime(value[6:14], "%Y%m%d").date()
    except ValueError:
        return None


def id_number_error(value: str) -> str | None:
    """Why `value` is not a valid 18-character resident ID number, in Chinese; None when it is valid.

    The value is expected normalised: no spaces, a final x upper-cased.
    """
    if len(value) != 18:
        return "身份证号应为 18 位"
    if not _ID_PATTERN.match(value):
        return "身份证号前 17 位应为数字，最后一位为数字或 X"
    birth = id_number_birth_date(value)
    if birth is None or birth.year < 1900 or birth > dt.date.today():
        return "身份证号中的出生日期无效"
    if id_number_check_char(value[:17]) != value[17]:
        return "身份证号校验位不正确，请核对后重新输入"
    return None


def validate_id_number(value: str) -> None:
    """Django validator: a GB 11643 resident ID number with a correct check character."""
    error = id_number_error(re.sub(r"\s+", "", value or "").upper())
    if error:
        raise ValidationError(error, code="invalid_id_number")


def is_mainland_mobile(value: str) -> bool:
    """True for an 11-digit mainland mobile number (1[3-9] followed by nine digits)."""
    return bool(_MOBILE_PATTERN.match(value or ""))


def validate_mainland_mobile(value: str) -> None:
    """Django validator: an 11-digit mainland mobile number."""
    if not is_mainland_mobile((value or "").strip()):
        raise ValidationError("手机号码应为 11 位大陆手机号，以 13–19 开头", code="invalid_mobile")
