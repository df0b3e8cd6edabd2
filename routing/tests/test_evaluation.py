"""`routing_eval` on the real complaints set (../shared/data/complaints) and on small files."""

from __future__ import annotations

import csv
import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from routing import evaluation
from tests.needs import DATA_DIR, data_file

MESSAGES = DATA_DIR / "complaints" / "附件2.xlsx"
CATEGORIES = DATA_DIR / "complaints" / "附件1.xlsx"


@pytest.fixture
def needs_data() -> None:
    """The public complaints set (../shared/data/complaints); missing, it fails under GONGZHI_REQUIRE_DATA=1."""
    data_file("complaints", "附件2.xlsx")
    data_file("complaints", "附件1.xlsx")


def _run(*args) -> dict:
    out = StringIO()
    call_command("routing_eval", *args, stdout=out)
    return json.loads(out.getvalue())


@pytest.mark.usefixtures("needs_data")
def test_the_fixed_split_of_the_real_file_reaches_at_least_the_baseline():
    result = _run("--xlsx", str(MESSAGES), "--fixed-split", "--categories", str(CATEGORIES))
    print("routing_eval on the fixed split:", {k: result[k] for k in ("macro_f1", "accuracy", "top3_accuracy")})
    assert (result["n_train"], result["n_test"]) == (393, 101)
    assert result["macro_f1"] >= 0.65
    assert result["top3_accuracy"] >= 0.9
    assert set(result) >= {"macro_f1", "accuracy", "top3_accuracy", "n_train", "n_test", "train_seconds", "per_label"}
    assert len(result["per_label"]) == 7


@pytest.mark.usefixtures("needs_data")
def test_the_split_helper_writes_the_same_split_as_csv(tmp_path):
    written = _run("--split-from", str(MESSAGES), "--out", str(tmp_path))
    assert (written["n_train"], written["n_test"]) == (393, 101)
    test = evaluation.read_messages(tmp_path / "test.csv")
    assert all(evaluation.in_test_split(m.id) for m in test)
    assert len({m.id for m in evaluation.read_messages(tmp_path / "train.csv")} & {m.id for m in test}) == 0


@pytest.mark.usefixtures("needs_data")
def test_the_category_list_gives_label_documents_below_each_first_level_name():
    docs = evaluation.read_label_docs(CATEGORIES)
    assert "城乡建设" in docs and len(docs) == 15
    assert all(not text.startswith("城乡建设") for text in docs["城乡建设"])


def _write(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return path


SMALL = [(f"{place}路灯不亮", "照明") for place in "东西南北中上下左右前"] + [
    (f"{place}停水了", "供水") for place in "东西南北中上下左右前"
]


def test_train_and_test_csv_files(tmp_path):
    train = _write(tmp_path / "train.csv", SMALL)
    test = _write(tmp_path / "test.csv", [("后面路灯不亮", "照明"), ("里面停水", "供水")])
    result = _run("--train", str(train), "--test", str(test))
    assert result["accuracy"] == 1.0 and result["n_train"] == 20 and result["n_test"] == 2


def test_cross_validation_on_one_csv(tmp_path):
    result = _run("--xlsx", str(_write(tmp_path / "all.csv", SMALL)), "--cv", "5")
    assert result["folds"] == 5 and result["n"] == 20 and len(result["macro_f1_per_fold"]) == 5


def test_bad_input_is_a_command_error(tmp_path):
    with pytest.raises(CommandError):
        _run("--train", str(tmp_path / "missing.csv"), "--test", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError):
        _run("--xlsx", str(_write(tmp_path / "a.csv", SMALL)))
    (tmp_path / "bad.csv").write_text("words,tag\nx,y\n", encoding="utf-8")
    with pytest.raises(CommandError):
        _run("--train", str(tmp_path / "bad.csv"), "--test", str(tmp_path / "bad.csv"))


def _with_wrong_dimension(path: Path, rows: list[list]) -> Path:
    """An .xlsx of `rows` whose sheet claims, as some programs write, to span the single cell A1."""
    import io
    import re
    import zipfile

    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                data, count = re.subn(rb'<dimension ref="[^"]*" ?/>', b'<dimension ref="A1"/>', data)
                assert count == 1
            target.writestr(info, data)
    return path


def test_an_xlsx_whose_sheet_claims_a_wrong_size_is_read_in_full(tmp_path):
    # Read-only openpyxl trusts the file's <dimension>; the shared reader ignores it, as the roster import does.
    path = _with_wrong_dimension(tmp_path / "messages.xlsx", [
        ["留言编号", "留言主题", "留言详情", "一级分类"],
        [7, "路灯", "东街路灯不亮", "城乡建设"],
        [8, "噪音", "夜间施工扰民", "环境保护"],
    ])
    messages = evaluation.read_messages(path)
    assert [(m.id, m.text, m.label) for m in messages] == [
        ("7", "东街路灯不亮", "城乡建设"), ("8", "夜间施工扰民", "环境保护")]
