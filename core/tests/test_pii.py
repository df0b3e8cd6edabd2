from django.db import connection

from core import pii
from organisations import services
from organisations.models import Person


def test_personal_data_is_encrypted_in_the_database_and_plain_in_python(db):
    person = services.person_create(actor=None, name="张三", phone="13812341234", id_number="610424199001011234",
                                    address="城关街道东街社区3号楼2单元")
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, id_number, address FROM organisations_person WHERE id = %s", [person.pk])
        stored = cursor.fetchone()
    assert all("1381234" not in value and "东街" not in value for value in stored)
    fresh = Person.objects.get(pk=person.pk)
    assert fresh.phone == "13812341234"
    assert fresh.address == "城关街道东街社区3号楼2单元"


def test_masks_hide_the_middle_of_phone_and_id_number():
    assert pii.mask_phone("13812341234") == "138****1234"
    assert pii.mask_id_number("610424199001011234") == "610424********1234"
    assert pii.mask_address("城关街道东街社区3号楼2单元").endswith("****")
    assert "3号楼" not in pii.mask_address("城关街道东街社区3号楼2单元")


def test_names_keep_their_first_character_and_public_text_hides_a_number_whole():
    assert [pii.mask_name(name) for name in ("张建华", "欧阳", "李", " ", "")] == ["张**", "欧*", "李*", "", ""]
    text = "电话13812341234，身份证610424199001011234"
    assert pii.mask_text(text) == "电话138****1234，身份证610424********1234"
    assert pii.mask_text(text, public=True) == "电话（号码已隐去），身份证（号码已隐去）"


def test_old_keys_still_decrypt_after_a_new_key_is_put_in_front(settings):
    settings.PII_KEYS = ["ZGVtby1vbmx5LXBpaS1rZXktMDEyMzQ1Njc4OWFiY2Q="]
    token = pii.encrypt("13800000000")
    settings.PII_KEYS = ["bmV3LWtleS1mb3ItdGVzdGluZy1yb3RhdGlvbi0wMDE=", *settings.PII_KEYS]
    assert pii.decrypt(token) == "13800000000"
    rotated = pii.reencrypt(token)
    settings.PII_KEYS = settings.PII_KEYS[:1]
    assert pii.decrypt(rotated) == "13800000000"
