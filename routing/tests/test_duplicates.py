"""Likely duplicates at intake, measured on a synthetic set with planted duplicates, and hot spots."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cases.models import Case
from regions import services as region_services
from routing.selectors import hot_spots, likely_duplicates
from routing.tests.planted import TOPICS, planted_set


@pytest.fixture
def places(tree):
    """Two communities with two grids each."""
    west_grid2 = region_services.region_create(actor=None, code="610424001002002", name="西街二网格", parent=tree.west)
    return [(tree.east, [tree.east_grid1, tree.east_grid2]), (tree.west, [tree.west_grid1, west_grid2])]


def _grid(places, item):
    return places[item["community"]][1][item["grid"]]


@pytest.fixture
def planted(places, intake, users):
    originals, duplicates = planted_set(seed=0)
    staff = [users["community"], users["community2"]]
    cases = []
    for item in originals:
        cases.append(intake.submit(item["title"], item["text"], region=_grid(places, item),
                                   actor=staff[item["community"]]))
    return originals, duplicates, cases


def test_planted_duplicates_are_found_with_high_recall_and_precision(planted, places):
    originals, duplicates, cases = planted
    by_key = {(o["community"], o["topic"], o["place"]): case for o, case in zip(originals, cases, strict=True)}
    found = returned = correct = 0
    for item in duplicates:
        expected = by_key[(item["community"], item["topic"], item["place"])]
        matches = likely_duplicates(title=item["title"], description=item["text"], region=_grid(places, item))
        returned += len(matches)
        correct += sum(1 for match in matches if match.case == expected)
        found += any(match.case == expected for match in matches)
    recall = found / len(duplicates)
    precision = correct / returned if returned else 0.0
    print(f"planted duplicates: {len(duplicates)}, recall {recall:.3f}, precision {precision:.3f}")
    assert recall >= 0.9
    assert precision >= 0.8


def test_only_open_recent_cases_of_the_same_community_are_candidates(planted, places, tree):
    originals, _, cases = planted
    item, case = originals[0], cases[0]
    other_community = places[1 - item["community"]][1][0]
    Case.objects.filter(pk=case.pk).update(received_at=timezone.now() - dt.timedelta(days=31))
    title, text = TOPICS[item["topic"]][0]
    query = dict(title=title.format(place=item["place"]), description=text.format(place=item["place"]))
    assert case not in [m.case for m in likely_duplicates(region=_grid(places, item), **query)]
    assert case in [m.case for m in likely_duplicates(region=_grid(places, item), days=40, **query)]
    assert case not in [m.case for m in likely_duplicates(region=other_community, days=40, **query)]
    Case.objects.filter(pk=case.pk).update(status="closed")
    assert case not in [m.case for m in likely_duplicates(region=_grid(places, item), days=40, **query)]


def test_the_case_itself_is_excluded_and_the_same_grid_ranks_first(planted, places, intake):
    originals, _, cases = planted
    item, case = originals[0], cases[0]
    grid = _grid(places, item)
    neighbour = places[item["community"]][1][1 - item["grid"]]
    twin = intake.submit(case.title, case.description, region=neighbour,
                         actor=case.created_by)
    matches = likely_duplicates(title=case.title, description=case.description, region=grid, exclude_case=case)
    assert matches[0].case == twin and not matches[0].same_place and matches[0].score < 1.0
    assert case not in [m.case for m in matches]


def test_duplicates_take_a_fixed_number_of_queries(planted, places):
    _, duplicates, _ = planted
    item = duplicates[0]
    with CaptureQueriesContext(connection) as queries:
        matches = likely_duplicates(title=item["title"], description=item["text"], region=_grid(places, item))
    # The candidates' texts, then the matching cases with their places.
    assert matches and len(queries) == 2
    with CaptureQueriesContext(connection) as queries:
        assert likely_duplicates(title="完全无关的内容", description="今天天气晴朗", region=_grid(places, item)) == []
    assert len(queries) == 1


def test_hot_spots_group_reports_of_one_problem_in_one_community(planted, places, intake, users, tree):
    originals, duplicates, cases = planted
    for item in duplicates[:3]:
        intake.submit(item["title"], item["text"], region=_grid(places, item), actor=users["county"])
    spots = hot_spots(tree.county)
    assert len(spots) == 3
    assert all(spot.size == 2 for spot in spots)
    titles = {case.title for spot in spots for case in spot.cases}
    assert {d["title"] for d in duplicates[:3]} <= titles
    assert all(spot.community is not None for spot in spots)
    assert hot_spots(tree.north) == []
