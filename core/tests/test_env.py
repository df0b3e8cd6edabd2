"""core.env: one strict parser of environment variables, used by the settings and by routing.conf."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from core.env import env_bool, env_int, env_list, env_str
from routing import conf


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("TRUE", True), (" yes ", True), ("on", True),
                                                ("0", False), ("False", False), ("no", False), ("off", False)])
def test_booleans_in_any_of_their_spellings(raw, expected):
    assert env_bool("GONGZHI_X", not expected, environ={"GONGZHI_X": raw}) is expected


def test_an_unset_or_empty_variable_means_its_default():
    for environ in ({}, {"GONGZHI_X": ""}, {"GONGZHI_X": "  "}):
        assert env_bool("GONGZHI_X", True, environ=environ) is True
        assert env_int("GONGZHI_X", 7, environ=environ) == 7
        assert env_list("GONGZHI_X", ["a"], environ=environ) == ["a"]
        assert env_str("GONGZHI_X", "d", environ=environ) == "d"


def test_numbers_and_lists_are_read():
    environ = {"N": " 42 ", "L": "a.example, ,b.example,"}
    assert env_int("N", 0, environ=environ) == 42
    assert env_list("L", [], environ=environ) == ["a.example", "b.example"]


@pytest.mark.parametrize(("read", "raw", "says"), [
    (lambda env: env_bool("GONGZHI_FLAG", False, environ=env), "maybe", "boolean"),
    (lambda env: env_int("GONGZHI_FLAG", 1, environ=env), "five", "whole number"),
    (lambda env: env_int("GONGZHI_FLAG", 1, environ=env), "2.5", "whole number"),
    (lambda env: env_int("GONGZHI_FLAG", 1, minimum=1, environ=env), "0", "at least 1"),
])
def test_a_bad_value_raises_naming_the_variable(read, raw, says):
    with pytest.raises(ImproperlyConfigured, match=f"GONGZHI_FLAG must be .*{says}"):
        read({"GONGZHI_FLAG": raw})


def _start_settings(**variables: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "GONGZHI_"))}
    env.update(GONGZHI_DEMO="true", **variables)
    return subprocess.run([sys.executable, "-c", "import config.settings as s; print(s.LOGIN_FAILURE_LIMIT)"],
                          env=env, capture_output=True, text=True, cwd=settings.BASE_DIR)


def test_the_settings_refuse_a_malformed_number_by_name():
    result = _start_settings(GONGZHI_LOGIN_FAILURE_LIMIT="five")
    assert result.returncode != 0
    assert "ImproperlyConfigured: GONGZHI_LOGIN_FAILURE_LIMIT must be a whole number, got 'five'" in result.stderr


def test_the_settings_refuse_a_malformed_boolean_by_name():
    result = _start_settings(GONGZHI_SECURE_COOKIES="sometimes")
    assert result.returncode != 0
    assert "GONGZHI_SECURE_COOKIES must be a boolean" in result.stderr


def test_the_settings_read_a_good_value():
    result = _start_settings(GONGZHI_LOGIN_FAILURE_LIMIT="9")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "9"


def test_routing_settings_are_parsed_by_the_same_rules():
    with override_settings(GONGZHI_ROUTING_MIN_CASES="many"):
        with pytest.raises(ImproperlyConfigured, match="GONGZHI_ROUTING_MIN_CASES must be a whole number"):
            conf.min_cases()
    with override_settings(GONGZHI_ROUTING_ON_INTAKE="perhaps"):
        with pytest.raises(ImproperlyConfigured, match="GONGZHI_ROUTING_ON_INTAKE must be a boolean"):
            conf.on_intake()
    with override_settings(GONGZHI_ROUTING_ON_INTAKE="off", GONGZHI_ROUTING_DUPLICATE_DAYS="0"):
        assert conf.on_intake() is False
        with pytest.raises(ImproperlyConfigured, match="at least 1"):
            conf.duplicate_days()
