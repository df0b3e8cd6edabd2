from django.db import migrations

# The nine categories of work a community may be asked to take on, as the county's list names them.
NINE = [
    ("party_building", "基层党建"), ("civilisation", "文明创建"), ("social_security", "社保服务"),
    ("employment", "创业就业"), ("civil_affairs", "民政救助"), ("governance", "综合治理"),
    ("sanitation", "环境卫生"), ("health", "卫生健康"), ("culture_sports", "文化体育"),
]


def add(apps, schema_editor):
    category = apps.get_model("tasks", "TaskCategory")
    for order, (code, name) in enumerate(NINE, start=1):
        category.objects.get_or_create(code=code, defaults={"name": name, "order": order})


class Migration(migrations.Migration):
    dependencies = [("tasks", "0001_initial")]
    operations = [migrations.RunPython(add, migrations.RunPython.noop)]
