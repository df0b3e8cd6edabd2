"""System checks that keep demo settings and demo passwords out of production.

- `gongzhi.W001` (with `check --deploy`): the demo mode is on.
- `gongzhi.W002` (with `check --deploy`): one-time codes are not required of county administrators.
- `gongzhi.W003` (with `check --deploy`): outside the demo, the cache is local to each process, so
  every app process keeps its own rate-limit counters.
- `gongzhi.E001` (database check: `migrate`, `check --database default`): outside the demo, an
  administrator account, or a group of accounts sharing one password hash as bulk-loaded demo accounts do,
  still has the published demo password.
"""

from __future__ import annotations

from collections import Counter

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.checks import Error, Tags, Warning, register
from django.db import DatabaseError

# The demo county's accounts share this password, published in the README; `demo` sets it, the checks
# below refuse it outside the demo.
DEMO_PASSWORD = "Gongzhi-Demo-2026"


@register(Tags.security, deploy=True)
def demo_mode_check(app_configs=None, **kwargs) -> list[Warning]:
    """A production deployment never runs with GONGZHI_DEMO=true: it publishes passwords and test keys."""
    warnings: list[Warning] = []
    if settings.DEMO:
        warnings.append(Warning(
            "GONGZHI_DEMO 为 true：演示模式使用公开的演示账号密码和演示密钥，不得用于生产环境。",
            hint=(
                "生产环境请设置 GONGZHI_DEMO=false，"
                "并配置 GONGZHI_SECRET_KEY、GONGZHI_PII_KEYS 和 GONGZHI_PII_INDEX_KEY。"
            ),
            id="gongzhi.W001",
        ))
    if not settings.REQUIRE_TOTP_FOR_COUNTY and not settings.DEMO:
        warnings.append(Warning(
            "GONGZHI_REQUIRE_TOTP_FOR_COUNTY 为 false：县级管理员账号仅凭密码即可登录。",
            hint="等保三级要求管理员使用两种以上鉴别方式，请保持 GONGZHI_REQUIRE_TOTP_FOR_COUNTY=true。",
            id="gongzhi.W002",
        ))
    backend = settings.CACHES["default"]["BACKEND"]
    if not settings.DEMO and backend.endswith(("LocMemCache", "DummyCache")):
        warnings.append(Warning(
            "缓存只在本进程内：多个应用进程各自计数，匿名反映和查询码的限流会按进程数放宽。",
            hint="生产环境请设置 GONGZHI_CACHE=database，并运行 python manage.py createcachetable。",
            id="gongzhi.W003",
        ))
    return warnings


@register(Tags.security, Tags.database)
def demo_password_check(app_configs=None, databases=None, **kwargs) -> list[Error]:
    """Outside the demo, no administrator and no bulk-loaded account may keep the published demo password.

    Hashing is deliberately slow, so not every account is tried: administrators (superusers and
    admin-site staff), and one account of each password hash that several accounts share (the demo
    loader gives all its accounts one hash).
    """
    if settings.DEMO or not databases or "default" not in databases:
        return []
    from .models import User

    try:
        rows = list(User.objects.filter(is_active=True).values_list("username", "password", "is_superuser", "is_staff"))
    except DatabaseError:
        return []  # not migrated yet: there is no account to check
    shared = Counter(password for _, password, _, _ in rows)
    tried: dict[str, bool] = {}
    found: list[str] = []
    for username, password, is_superuser, is_staff in rows:
        if not (is_superuser or is_staff or shared[password] > 1):
            continue
        if password not in tried:
            tried[password] = check_password(DEMO_PASSWORD, password)
        if tried[password]:
            found.append(username)
    if not found:
        return []
    return [Error(
        f"以下账号仍使用公开的演示密码：{'、'.join(sorted(found)[:20])}{' 等' if len(found) > 20 else ''}。",
        hint="生产环境不得保留演示账号：请停用这些账号或重置其密码后再启动。",
        id="gongzhi.E001",
    )]
