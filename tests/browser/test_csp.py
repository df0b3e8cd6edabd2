"""Every page keeps to the Content-Security-Policy in a real browser: no script, style or other resource
is refused on the console (as `community`), the admin site, the API docs, the audit log or the portal."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role, User
from cases import services as case_services
from cases.models import Channel, Kind
from conftest import PASSWORD
from console.navigation import navigation_for
from organisations.models import Person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Runs before any page script and is not itself subject to the policy: records every violation.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


@pytest.fixture
def csp_watch(page):
    """Console messages about the policy and violation events, per page visited."""
    messages: list[str] = []
    page.on("console", lambda msg: messages.append(msg.text) if "Content Security Policy" in msg.text else None)
    page.add_init_script(RECORD_VIOLATIONS)

    def visit(url: str) -> list[str]:
        messages.clear()
        response = page.goto(url)
        page.wait_for_load_state("networkidle")
        assert response is not None and response.status == 200, (url, response and response.status)
        assert "Content-Security-Policy" in {name.title() for name in response.headers} or \
            "content-security-policy" in response.headers
        return messages + page.evaluate("window.__cspViolations")

    return visit


def console_pages(users, tree) -> list[str]:
    """The community worker's navigation, and the detail and form pages reached from it."""
    user = users["community"]
    links = [link["url"] for section in navigation_for(user) for link in section["links"]]
    case, _ = case_services.case_submit(
        actor=user, channel=Channel.SERVICE_HALL, kind=Kind.PROBLEM, title="楼道照明损坏",
        description="3单元楼道灯不亮", region=tree.east, contact_name="王大爷", contact_phone="13700001234",
    )
    member = Person.objects.get(name="党员甲")
    extra = [
        reverse("console:home"), reverse("accounts:password_change"), reverse("accounts:totp"),
        reverse("regions:detail", args=[user.region.code]), reverse("notifications:inbox"),
        reverse("reports:kpis"), reverse("reports:dashboard"), reverse("cases:detail", args=[case.pk]),
        reverse("organisations:detail", args=[tree.east_party.pk]), reverse("organisations:create"),
        reverse("organisations:person_detail", args=[member.pk]), reverse("organisations:party_member_create"),
        reverse("regions:facility_create"),
    ]
    return list(dict.fromkeys(extra + links))


def test_the_console_pages_of_a_community_worker_keep_to_the_policy(page, live_server, users, tree, login,
                                                                     csp_watch):
    login(page, "community")
    pages = console_pages(users, tree)
    assert len(pages) >= 15
    violations = {}
    for path in pages:
        found = csp_watch(f"{live_server.url}{path}")
        if found:
            violations[path] = found
        # Our own scripts ran: htmx is loaded from the site itself.
        assert page.evaluate("typeof window.htmx") == "object", path
    assert violations == {}


def test_the_sign_in_pages_and_the_portal_keep_to_the_policy(page, live_server, users, csp_watch):
    for path in (reverse("accounts:login"), reverse("portal:home"), reverse("portal:report"), reverse("portal:track"),
                 reverse("halls:rooms")):
        assert csp_watch(f"{live_server.url}{path}") == [], path


def test_the_admin_site_the_api_docs_and_the_audit_log_keep_to_the_policy(page, live_server, users, login,
                                                                          csp_watch):
    User.objects.create_superuser(username="root", password=PASSWORD, role=Role.COUNTY_STAFF)
    login(page, "root")
    community = users["community"]
    paths = [
        "/admin/", "/admin/accounts/user/", f"/admin/accounts/user/{community.pk}/change/", "/admin/accounts/user/add/",
        "/admin/core/auditevent/", "/admin/regions/region/", "/api/v1/docs", reverse("accounts:audit_log"),
    ]
    violations = {path: found for path in paths if (found := csp_watch(f"{live_server.url}{path}"))}
    assert violations == {}


def test_the_watch_sees_a_violation_when_there_is_one(page, live_server, users, csp_watch):
    """The checks above are not vacuous: an inline script and an inline style are refused and reported."""
    assert csp_watch(f"{live_server.url}{reverse('accounts:login')}") == []
    page.evaluate("""() => {
      const script = document.createElement("script");
      script.textContent = "window.__ran = true";
      document.head.appendChild(script);
      document.body.setAttribute("style", "color: red");
    }""")
    page.wait_for_timeout(200)
    seen = page.evaluate("window.__cspViolations")
    assert any(v.startswith("script-src") for v in seen), seen
    assert any(v.startswith("style-src") for v in seen), seen
    assert page.evaluate("window.__ran === undefined")


def test_the_category_admin_keeps_to_the_policy(page, live_server, users, login, csp_watch):
    from categories.services import category_create

    User.objects.create_superuser(username="root", password=PASSWORD, role=Role.COUNTY_STAFF)
    category_create(actor=None, name="占道经营", parent=category_create(actor=None, name="市容环境"))
    login(page, "root")
    assert csp_watch(f"{live_server.url}/admin/categories/category/") == []
