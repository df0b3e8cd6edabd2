"""The scoping rule, walked for every role over HTTP: pages and API alike.

A cell is the status a user gets for one object: 200 when it lies in their scope, 404 when it does not
(never 403, so that existence does not leak).
"""

import pytest

from conftest import PASSWORD
from organisations.models import Person

EAST, WEST, EAST_GRID = "610424001001", "610424001002", "610424001001001"

# object → {role: expected status}; roles not named expect 404.
MATRIX = {
    "region_east": {"county": 200, "street": 200, "community": 200, "dept": 200, "member": 200},
    "region_west": {"county": 200, "street": 200, "community2": 200, "dept": 200},
    "region_east_grid": {"county": 200, "street": 200, "community": 200, "grid": 200, "dept": 200, "member": 200},
    "org_east_party": {"county": 200, "street": 200, "community": 200, "dept": 200, "member": 200},
    "org_west_party": {"county": 200, "street": 200, "community2": 200, "dept": 200},
    "person_member": {"county": 200, "street": 200, "community": 200, "grid": 200, "dept": 200, "member": 200},
    "api_figures_east": {"county": 200, "street": 200, "community": 200, "dept": 200, "member": 200},
    "api_figures_west": {"county": 200, "street": 200, "community2": 200, "dept": 200},
    "api_regions_children_of_east": {"county": 200, "street": 200, "community": 200, "dept": 200, "member": 200},
}
ROLES = ["county", "street", "community", "community2", "grid", "dept", "member", "resident"]


def _url(obj: str, tree) -> str:
    member = Person.objects.get(name="党员甲")
    return {
        "region_east": f"/regions/{EAST}/",
        "region_west": f"/regions/{WEST}/",
        "region_east_grid": f"/regions/{EAST_GRID}/",
        "org_east_party": f"/organisations/{tree.east_party.pk}/",
        "org_west_party": f"/organisations/{tree.west_party.pk}/",
        "person_member": f"/organisations/people/{member.pk}/",
        "api_figures_east": f"/api/v1/reports/figures?region={EAST}",
        "api_figures_west": f"/api/v1/reports/figures?region={WEST}",
        "api_regions_children_of_east": f"/api/v1/regions?parent={EAST}",
    }[obj]


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("obj", list(MATRIX))
def test_scope_cell(client, tree, users, role, obj):
    url = _url(obj, tree)
    if url.startswith("/api/"):
        token = client.post("/api/v1/auth/token", {"username": role, "password": PASSWORD},
                            content_type="application/json").json()["token"]
        response = client.get(url, HTTP_AUTHORIZATION=f"Bearer {token}")
    else:
        client.login(username=role, password=PASSWORD)
        response = client.get(url)
    expected = MATRIX[obj].get(role, 404)
    assert response.status_code == expected, f"{role} → {obj}: {response.status_code}, expected {expected}"
