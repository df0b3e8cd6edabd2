"""Case photos are streamed only to those who may open the case, with their checked type and no sniffing."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cases import services
from cases.models import Attachment
from cases.tests.conftest import JPEG, PNG, WEBP, png
from cases.tests.images import opened
from conftest import PASSWORD


def body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.fixture
def photo(flow) -> Attachment:
    """A PNG taken in with a case at the east community's window, reported by the resident."""
    case = flow.submit(photos=[png()])
    return case.attachments.get()


def get(client, username: str | None, attachment: Attachment):
    if username:
        client.login(username=username, password=PASSWORD)
    return client.get(reverse("cases:attachment", args=[attachment.pk]))


def test_staff_of_the_community_get_the_photo_inline_with_its_checked_type(client, photo):
    response = get(client, "community", photo)
    assert response.status_code == 200
    image = opened(body(response))
    assert image.format == "PNG" and image.size == opened(PNG).size
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == f'inline; filename="photo-{photo.pk}.png"'
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize("username", ["street", "county", "grid", "resident"])
def test_everyone_who_may_open_the_case_gets_the_photo(client, photo, username):
    assert get(client, username, photo).status_code == 200


@pytest.mark.parametrize("username", ["community2", "dept", "member", "resident2", "dept2"])
def test_anyone_else_gets_404(client, photo, username):
    response = get(client, username, photo)
    assert response.status_code == 404
    assert response.get("Content-Type", "").startswith("text/html")


def test_a_department_sees_the_photo_once_the_case_is_dispatched_to_it(client, flow, photo):
    assert get(client, "dept", photo).status_code == 404
    flow.dispatch(flow.classify(photo.case))
    assert get(client, None, photo).status_code == 200


def test_a_signed_out_visitor_is_sent_to_sign_in(client, photo):
    response = get(client, None, photo)
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_an_unknown_photo_is_404(client, photo):
    client.login(username="community", password=PASSWORD)
    assert client.get(reverse("cases:attachment", args=[photo.pk + 1000])).status_code == 404


@pytest.mark.parametrize("content, content_type", [(JPEG, "image/jpeg"), (WEBP, "image/webp")])
def test_each_accepted_type_is_sent_as_itself(client, flow, content, content_type):
    case = flow.submit(photos=[png("photo.bin", content)])
    response = get(client, "community", case.attachments.get())
    assert response["Content-Type"] == content_type
    assert opened(body(response)).get_format_mimetype() == content_type


def test_a_file_that_no_longer_matches_its_type_is_not_sent(client, photo):
    with photo.file.open("wb") as handle:
        handle.write(b"<script>alert(1)</script>")
    assert get(client, "community", photo).status_code == 404


def test_a_missing_file_is_404(client, photo):
    photo.file.storage.delete(photo.file.name)
    assert get(client, "community", photo).status_code == 404


def test_reply_photos_are_served_the_same_way(client, flow, world):
    case = flow.accept(flow.dispatch(flow.classify(flow.submit())))
    case = services.case_reply(case=case, actor=world.users["dept"], expected_version=case.version,
                               assignment=flow.lead(case), reply="已修复", photos=[png()])
    attachment = case.attachments.get()
    assert get(client, "dept", attachment).status_code == 200
    client.logout()
    assert get(client, "community2", attachment).status_code == 404


def test_only_get_and_head_are_allowed(client, photo):
    client.login(username="community", password=PASSWORD)
    assert client.head(reverse("cases:attachment", args=[photo.pk])).status_code == 200
    assert client.post(reverse("cases:attachment", args=[photo.pk])).status_code == 405
