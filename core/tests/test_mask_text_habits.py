"""The free-text masker against the ways people write numbers: separators, full-width digits, +86 and 0086,
landlines with their area code in brackets, ID numbers in groups. Generated numbers in random formats never
survive, whole or as their digits; ordinary numbers (dates, amounts, counts) are left alone."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from core.pii import HIDDEN_NUMBER, mask_text

FULL_WIDTH = str.maketrans("0123456789X", "０１２３４５６７８９Ｘ")
SEPARATORS = ["", " ", "-", ".", "\u3000", "－"]


@pytest.mark.parametrize("written", [
    "139-0000-2222", "139 0000 2222", "１３９００００２２２２", "+8613900002222", "+86 139 0000 2222",
    "0086-13900002222", "86 13900002222", "139.0000.2222", "1 3 9 0 0 0 0 2 2 2 2", "１３９－００００－２２２２",
])
def test_a_mobile_written_any_usual_way_is_masked(written):
    assert mask_text(f"请打{written}联系") == "请打139****2222联系"
    assert mask_text(f"请打{written}联系", public=True) == f"请打{HIDDEN_NUMBER}联系"


@pytest.mark.parametrize("written", ["029-88886666", "(029)88886666", "（029）8888 6666", "０２９８８８８６６６６"])
def test_a_landline_with_its_area_code_is_masked(written):
    assert "8888" not in mask_text(written) and "6666" in mask_text(written)
    assert mask_text(written, public=True) == HIDDEN_NUMBER


@pytest.mark.parametrize("written", [
    "610424 19450101 1236", "610424-19450101-1236", "６１０４２４１９４５０１０１１２３６", "61042419450101123x",
])
def test_an_id_number_in_groups_or_full_width_is_masked(written):
    masked = mask_text(f"身份证{written}。")
    assert "19450101" not in masked and masked.startswith("身份证610424")
    assert mask_text(written, public=True) == HIDDEN_NUMBER


@pytest.mark.parametrize("text", [
    "2026年12月7日下午3点，13户居民", "共计 13900 元", "3 号楼 2 单元 501 室", "区域编码 610424001001001",
    "2026-12-07 09:30", "工单 12345678",
])
def test_ordinary_numbers_are_left_alone(text):
    assert mask_text(text) == text and mask_text(text, public=True) == text


def _written(digits: str, separators: list[str], full_width: bool) -> str:
    separators = (separators + [""] * len(digits))[: len(digits) - 1]
    out = digits[0]
    for separator, digit in zip(separators, digits[1:], strict=True):
        out += separator + digit
    return out.translate(FULL_WIDTH) if full_width else out


mobiles = st.builds(
    lambda second, rest: f"1{second}{rest}",
    st.sampled_from("3456789"), st.text(alphabet="0123456789", min_size=9, max_size=9),
)
prefixes = st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86 "])
separator_lists = st.lists(st.sampled_from(SEPARATORS), min_size=10, max_size=17)
surroundings = st.sampled_from(["电话", "联系人王秀英，电话：", "手机号码是", "(", "【", ""])


@settings(max_examples=300, deadline=None)
@given(mobile=mobiles, prefix=prefixes, separators=separator_lists, full_width=st.booleans(), before=surroundings)
def test_no_generated_mobile_survives_the_public_masker(mobile, prefix, separators, full_width, before):
    text = f"{before}{prefix}{_written(mobile, separators, full_width)}。谢谢"
    masked = mask_text(text, public=True)
    assert HIDDEN_NUMBER in masked
    digits = re.sub(r"\D", "", masked.translate(str.maketrans("０１２３４５６７８９", "0123456789")))
    assert mobile[3:7] not in digits or mobile[3:7] in (before + "谢谢")


@settings(max_examples=300, deadline=None)
@given(
    body=st.text(alphabet="0123456789", min_size=17, max_size=17), check=st.sampled_from("0123456789X"),
    separators=separator_lists, full_width=st.booleans(),
)
def test_no_generated_id_number_survives_the_public_masker(body, check, separators, full_width):
    number = body + check
    text = f"身份证号{_written(number, separators, full_width)}，"
    assert mask_text(text, public=True) == f"身份证号{HIDDEN_NUMBER}，"
