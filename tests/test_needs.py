"""A missing browser or data file skips locally and fails the run where CI requires it."""

from __future__ import annotations

import pytest

from tests import needs


def test_a_missing_data_file_skips_when_not_required(monkeypatch, tmp_path):
    monkeypatch.delenv("GONGZHI_REQUIRE_DATA", raising=False)
    monkeypatch.setattr(needs, "DATA_DIR", tmp_path)
    with pytest.raises(pytest.skip.Exception, match="absent.xlsx"):
        needs.data_file("complaints", "absent.xlsx")


def test_a_missing_data_file_fails_when_required(monkeypatch, tmp_path):
    monkeypatch.setenv("GONGZHI_REQUIRE_DATA", "1")
    monkeypatch.setattr(needs, "DATA_DIR", tmp_path)
    with pytest.raises(pytest.fail.Exception, match="GONGZHI_REQUIRE_DATA=1 requires it"):
        needs.data_file("complaints", "absent.xlsx")


def test_a_present_data_file_is_returned(monkeypatch, tmp_path):
    monkeypatch.setenv("GONGZHI_REQUIRE_DATA", "1")
    monkeypatch.setattr(needs, "DATA_DIR", tmp_path)
    (tmp_path / "complaints").mkdir()
    (tmp_path / "complaints" / "list.xlsx").write_bytes(b"x")
    assert needs.data_file("complaints", "list.xlsx") == tmp_path / "complaints" / "list.xlsx"


def test_the_browser_requirement_fails_instead_of_skipping(monkeypatch):
    monkeypatch.setenv("GONGZHI_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="chromium"):
        needs.missing("chromium is not installed", required_by="GONGZHI_REQUIRE_BROWSER")
