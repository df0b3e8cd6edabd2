import pytest

from conftest import PASSWORD


def test_a_region_out_of_scope_shows_a_chinese_not_found_page(client, users):
    client.login(username="community", password=PASSWORD)
    response = client.get("/regions/610424001002/")
    assert response.status_code == 404
    assert "不存在，或不在您的管辖范围内" in response.content.decode()


def test_a_refused_change_shows_a_chinese_page(client, users):
    client.login(username="grid", password=PASSWORD)
    response = client.get("/organisations/new/")
    assert response.status_code == 403
    assert "没有进行此项操作的权限" in response.content.decode()


@pytest.mark.urls("core.tests.failing_urls")
def test_a_fault_shows_a_styled_chinese_page_with_ways_back(client, db):
    client.raise_request_exception = False
    response = client.get("/failing/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "系统繁忙" in body and "已记录" in body
    assert "css/gongzhi.css" in body
    assert 'href="/"' in body and 'href="/public/"' in body
    assert "RuntimeError" not in body and "a fault in a view" not in body


def test_the_admin_names_the_platform_not_the_framework(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser(username="root", password=PASSWORD))
    body = client.get("/admin/").content.decode()
    assert "共治 管理后台" in body
    assert "Django" not in body
