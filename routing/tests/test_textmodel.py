"""The text classifier on small made-up data: it learns, ranks, calibrates, and survives a save and load."""

from __future__ import annotations

import numpy as np
import pytest

from routing.textmodel import TextClassifier, file_sha256, normalise, segment

LAMPS = ["路灯不亮", "小区路灯坏了", "楼道灯不亮了", "路灯一直闪", "夜里路灯全灭", "路灯杆倒了"]
WATER = ["家里停水了", "自来水发黄", "水管爆裂漏水", "小区停水三天", "水压太低", "水表漏水"]
NOISE = ["广场舞噪音扰民", "夜间施工噪音", "楼下烧烤噪声大", "酒吧噪音扰民", "装修噪音太吵", "商铺喇叭噪音"]


def _train(labels=("lamp", "water", "noise"), docs=None) -> TextClassifier:
    data = {"lamp": LAMPS, "water": WATER, "noise": NOISE}
    titles = [t for label in labels for t in data[label]]
    ys = [label for label in labels for _ in data[label]]
    model = TextClassifier()
    model.fit(titles, [f"{t}，请尽快处理。" for t in titles], ys, label_docs=docs)
    return model


def test_normalise_drops_latin_letters_digits_and_extra_space():
    assert normalise("A3区 幸福路12号\n\t楼道灯 坏了") == "区 幸福路 号 楼道灯 坏了"


def test_segment_returns_words_without_spaces():
    assert segment("楼道灯 坏了") and all(not word.isspace() for word in segment("楼道灯 坏了"))


def test_it_ranks_the_right_label_first_with_probabilities():
    model = _train()
    top = model.top("路灯坏了好几天", "晚上很黑")
    assert top[0].label == "lamp"
    assert len(top) == 3
    assert abs(sum(p.score for p in top) - 1.0) < 1e-6
    assert top[0].score > top[1].score


def test_probabilities_sum_to_one_for_every_message():
    probabilities = _train().predict_proba(["停水", "噪音"], ["", ""])
    assert probabilities.shape == (2, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)


def test_two_labels_work():
    model = _train(labels=("lamp", "water"))
    assert model.top("停水了", "")[0].label == "water"
    assert model.top("路灯不亮", "")[0].label == "lamp"


def test_label_documents_teach_words_no_message_used():
    without = _train()
    with_docs = _train(docs={"water": ["供水 水质 浑浊"]})
    assert with_docs.top("水质浑浊", "")[0].label == "water"
    assert with_docs.top("水质浑浊", "")[0].score > without.top("水质浑浊", "")[0].score


def test_one_label_is_refused():
    with pytest.raises(ValueError):
        TextClassifier().fit(["a", "b"], ["", ""], ["x", "x"])


def test_out_of_fold_figures_and_temperature_are_reported():
    report = TextClassifier().fit(LAMPS + WATER, LAMPS + WATER, ["lamp"] * 6 + ["water"] * 6)
    assert report.n_train == 12
    assert 0 < report.temperature < 100
    assert set(report.metrics) >= {"macro_f1", "accuracy", "top3_accuracy", "auto"}


def test_save_and_load_give_the_same_scores(tmp_path):
    model = _train()
    size, digest = model.save(tmp_path / "m.joblib")
    assert size > 0 and digest == file_sha256(tmp_path / "m.joblib")
    loaded = TextClassifier.load(tmp_path / "m.joblib")
    assert np.allclose(loaded.predict_proba(["路灯"], [""]), model.predict_proba(["路灯"], [""]))


def test_a_file_of_another_kind_is_refused(tmp_path):
    import joblib

    joblib.dump({"not": "a model"}, tmp_path / "x.joblib")
    with pytest.raises(ValueError):
        TextClassifier.load(tmp_path / "x.joblib")
