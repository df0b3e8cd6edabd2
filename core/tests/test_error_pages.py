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
