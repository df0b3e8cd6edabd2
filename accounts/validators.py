"""Password rules with messages in Chinese.

The policy (GB/T 22239-2019 level 3, identification and authentication): at least 8 characters, from at
least 3 of the 4 character classes, not similar to the username or the holder's name, not a common
password and not all digits.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import MinimumLengthValidator, UserAttributeSimilarityValidator
from django.core.exceptions import ValidationError


class ChineseMinimumLengthValidator(MinimumLengthValidator):
    """Django's length rule; its stock Chinese catalogue lacks this message, so we word it here."""

    def validate(self, password: str, user=None) -> None:
        if len(password) < self.min_length:
            raise ValidationError(
                f"密码太短，至少需要 {self.min_length} 个字符。", code="password_too_short",
                params={"min_length": self.min_length},
            )

    def get_help_text(self) -> str:
        return f"密码至少需要 {self.min_length} 个字符。"


CHARACTER_CLASSES = ("小写字母", "大写字母", "数字", "符号")


def character_classes(password: str) -> set[str]:
    """Which of the four classes (lower-case, upper-case, digit, symbol) occur in `password`.

    Anything that is not an ASCII letter or digit, Chinese characters included, counts as a symbol.
    """
    found: set[str] = set()
    for char in password:
        if char.isascii() and char.islower():
            found.add("小写字母")
        elif char.isascii() and char.isupper():
            found.add("大写字母")
        elif char.isascii() and char.isdigit():
            found.add("数字")
        else:
            found.add("符号")
    return found


class CharacterClassesValidator:
    """At least `min_classes` of: lower-case letters, upper-case letters, digits, symbols."""

    def __init__(self, min_classes: int = 3) -> None:
        self.min_classes = min_classes

    def validate(self, password: str, user=None) -> None:
        if len(character_classes(password)) < self.min_classes:
            raise ValidationError(
                f"密码须至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。",
                code="password_too_few_character_classes", params={"min_classes": self.min_classes},
            )

    def get_help_text(self) -> str:
        return f"密码须至少包含大写字母、小写字母、数字、符号中的 {self.min_classes} 类。"


class ChineseUserAttributeSimilarityValidator(UserAttributeSimilarityValidator):
    """Django's similarity rule, worded in Chinese, and stricter about the username.

    Besides Django's fuzzy comparison with the username, name and e-mail, a password may not contain
    the username (three characters or more), forwards or backwards, whatever the letter case.
    """

    def validate(self, password: str, user=None) -> None:
        if user is None:
            return
        username = (user.get_username() or "").lower()
        lowered = password.lower()
        if len(username) >= 3 and (username in lowered or username[::-1] in lowered):
            raise ValidationError("密码不能包含用户名。", code="password_contains_username")
        try:
            super().validate(password, user)
        except ValidationError as error:
            attribute = error.params.get("verbose_name", "个人信息") if error.params else "个人信息"
            raise ValidationError(
                f"密码与{attribute}太相似。", code="password_too_similar", params=error.params
            ) from None

    def get_help_text(self) -> str:
        return "密码不能包含用户名，也不能与姓名等个人信息相似。"

