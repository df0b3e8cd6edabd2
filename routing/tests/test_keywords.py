"""Without a trained model, suggestions come from the category tree's names and keywords."""

from __future__ import annotations

from categories.services import category_archive, category_update
from routing.keywords import KeywordEntry, KeywordModel
from routing.selectors import suggest_categories


def test_a_broken_stairway_lamp_goes_to_street_lighting(default_tree):
    suggestions = suggest_categories(title="楼道灯坏了好几天", description="")
    assert suggestions.model_kind == "keywords" and not suggestions.calibrated
    first = suggestions.items[0]
    assert first.category.name == "路灯照明"
    assert first.category.parent.name == "市政设施"
    assert first.responsibles.lead.name == "乾县住房和城乡建设局"  # inherited from 市政设施


def test_other_everyday_complaints_land_in_sensible_categories(default_tree):
    cases = {
        "小区停水两天了": "供水",
        "电梯困人": "电梯故障",
        "楼下烧烤油烟太大": "油烟噪声",
        "垃圾桶满了没人清运": "垃圾清运",
    }
    for title, expected in cases.items():
        names = [item.category.name for item in suggest_categories(title=title, description="").items]
        assert names[0] == expected, (title, names)


def test_text_matching_no_keyword_gives_no_suggestion(default_tree):
    assert suggest_categories(title="你好", description="谢谢").items == []


def test_the_keyword_model_follows_changes_to_the_tree(default_tree):
    lamp = default_tree["路灯照明"]
    category_update(actor=None, category=lamp, values={"keywords": "路灯 不亮 照明 灯杆 楼道灯 灯泡"})
    assert suggest_categories(title="灯泡烧了", description="").items[0].category == lamp
    category_archive(actor=None, category=lamp)
    names = [item.category.name for item in suggest_categories(title="楼道灯坏了", description="").items]
    assert "路灯照明" not in names


def test_title_matches_weigh_more_and_longer_terms_win():
    model = KeywordModel([KeywordEntry("a", ("楼道",)), KeywordEntry("b", ("楼道灯",))])
    assert [p.label for p in model.top("楼道灯坏了", "")] == ["b", "a"]
    both = KeywordModel([KeywordEntry("a", ("停水",)), KeywordEntry("b", ("停电",))])
    assert both.top("停水", "昨天也停电")[0].label == "a"
