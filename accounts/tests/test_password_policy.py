"""The password policy: 8 characters, 3 of 4 character classes, not like the username; all in Chinese."""

import pytest
from django.contrib.auth.password_validation import password_validators_help_texts, validate_password
from django.core.exceptions import ValidationError

from accounts.models import User
from accounts.validators import character_classes
from conftest import PASSWORD


def messages_for(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return error.messages
    return []


@pytest.fixture
def holder(db) -> User:
    return User(username="zhangsan", first_name="张三")


@pytest.mark.parametrize("password", ["Gz-new-pass-2026!", "daQian7Road", "qianxian#2026", "ABCD-1234", "共治Ab12345"])
def test_passwords_of_three_classes_and_eight_characters_are_accepted(holder, password):
    assert messages_for(password, holder) == []


@pytest.mark.parametrize("password, message", [
    ("Ab1!xyz", "密码太短，至少需要 8 个字符。"),
    ("abcdefghij", "密码须至少包含大写字母、小写字母、数字、符号中的 3 类。"),
    ("abcdefgh12", "密码须至少包含大写字母、小写字母、数字、符号中的 3 类。"),
    ("ABCDEFGH!!", "密码须至少包含大写字母、小写字母、数字、符号中的 3 类。"),
])
def test_short_or_too_uniform_passwords_are_refused_in_chinese(holder, password, message):
    assert message in messages_for(password, holder)


@pytest.mark.parametrize("password", ["Zhangsan-2026", "xx-ZHANGSAN-9a", "nasgnahz#2026A"])
def test_a_password_containing_the_username_forwards_or_backwards_is_refused(holder, password):
    assert "密码不能包含用户名。" in messages_for(password, holder)


def test_a_password_like_the_holders_name_is_refused_in_chinese(db):
    user = User(username="gw01", first_name="Wangxiaoming")
    messages = messages_for("Wangxiaomin9", user)
    assert any(message.startswith("密码与") and message.endswith("太相似。") for message in messages), messages


def test_common_and_numeric_passwords_are_still_refused(holder):
    assert "这个密码太常见了。" in messages_for("Password1", holder) + messages_for("password", holder)
    assert "密码只包含数字。" in messages_for("1234567890123", holder)


def test_character_classes_count_chinese_characters_as_symbols():
    assert character_classes("aB3!") == {"小写字母", "大写字母", "数字", "符号"}
    assert character_classes("共治ab") == {"小写字母", "符号"}


def test_the_help_texts_explain_the_rules_in_chinese():
    texts = " ".join(password_validators_help_texts())
    assert "至少需要 8 个字符" in texts
    assert "中的 3 类" in texts
    assert "不能包含用户名" in texts


def test_the_password_page_applies_the_policy(client, users):
    client.login(username="grid", password=PASSWORD)
    response = client.post("/accounts/password/", {
        "old_password": PASSWORD, "new_password1": "gridgrid2026", "new_password2": "gridgrid2026",
    })
    body = response.content.decode()
    assert response.status_code == 200
    assert "密码不能包含用户名。" in body
    assert "中的 3 类" in body
    assert users["grid"].check_password(PASSWORD)
