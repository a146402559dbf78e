"""The policy console in a real browser: log in, open each view, ask, end a session, read a denial and a
rejected policy edit; no request leaves 127.0.0.1 and the page logs no error (a CSP violation is one).

`RBAC_UPDATE_SCREENSHOTS=1` also writes the Roles and Matrix screenshots of the README into docs/.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import pytest

from tests.browser.conftest import Network
from tests.browser.driver import expect
from tests.conftest import ADMIN_PASSWORD, PASSWORD, REPO
from tests.servers import TLS, Server

if TYPE_CHECKING:
    from playwright.sync_api import ConsoleMessage, Locator, Page

#: The viewport of the README's screenshots, the size the console is laid out for.
README_VIEWPORT = {"width": 1280, "height": 800}
UPDATE_SCREENSHOTS = "RBAC_UPDATE_SCREENSHOTS"
#: The roles of the shipped policy, as the graph draws them.
ROLES = ("user", "auditor", "admin", "member", "reader", "editor")


@dataclass
class Console:
    """The console page, the errors it logged and the requests it made."""

    page: Page
    network: Network
    errors: list[str] = field(default_factory=list)

    def log_in(self, username: str = "admin", password: str = ADMIN_PASSWORD) -> None:
        self.page.goto("/console")
        form = self.page.locator("#login-view")
        form.get_by_label("User name").fill(username)
        form.get_by_label("Password").fill(password)
        form.get_by_role("button", name="Log in").click()

    def open(self, view: str) -> Locator:
        self.page.get_by_role("tab", name=view).click()
        panel = self.page.get_by_role("tabpanel", name=view)
        expect(panel).to_be_visible()
        return panel

    def assert_clean(self) -> None:
        """Nothing left 127.0.0.1, nothing was blocked, and the page logged no error."""
        assert (self.network.outside(), self.network.blocked, self.errors) == ([], [], [])


@pytest.fixture
def console(page: Page, network: Network) -> Console:
    found = Console(page, network)

    def record(message: ConsoleMessage) -> None:
        if message.type == "error":
            found.errors.append(message.text)

    page.on("console", record)
    page.on("pageerror", lambda error: found.errors.append(str(error)))
    return found


@pytest.fixture
def admin(console: Console) -> Console:
    console.log_in()
    expect(console.page.locator("#roles-graph svg")).to_be_visible()
    return console


def readme_screenshot(page: Page, name: str) -> None:
    """The README's picture of a view, written only when asked (they are committed, not regenerated)."""
    if os.environ.get(UPDATE_SCREENSHOTS) == "1":
        page.set_viewport_size(README_VIEWPORT)
        page.screenshot(path=str(REPO / "docs" / name))


def post_form(server: Server, path: str, **form: str) -> httpx.Response:
    return httpx.post(server.url + path, data=form, timeout=10, verify=TLS)


def log_in_over_http(server: Server, username: str, agent: str = "python-httpx") -> dict[str, Any]:
    form = {"grant_type": "password", "username": username, "password": PASSWORD}
    response = httpx.post(
        server.url + "/token", data=form, headers={"user-agent": agent}, timeout=10, verify=TLS
    )
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def refreshes(server: Server, refresh_token: str) -> bool:
    return (
        post_form(server, "/token", grant_type="refresh_token", refresh_token=refresh_token).status_code
        == 200
    )


def session_id(access_token: str) -> str:
    payload = access_token.split(".")[1]
    return str(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))["sid"])


def test_roles_shows_the_inheritance_graph_inline_and_each_grants_file_and_line(
    admin: Console, live_server: Server, screenshot: Callable[[str], Path]
) -> None:
    page = admin.page
    roles = page.locator("#roles-graph svg g.role")
    expect(roles).to_have_count(len(ROLES))
    expect(page.locator("#role-admin title")).to_contain_text("effective scopes (12)")
    admin_row = page.locator("#roles-list tr", has_text="admin")
    expect(admin_row.first).to_contain_text(f"roles.yaml:{live_server.line_of('roles.yaml', '- users:*')}")
    screenshot("roles")
    readme_screenshot(page, "console-roles.png")
    admin.assert_clean()


def test_matrix_says_how_each_scope_is_granted_and_filters_by_prefix(
    admin: Console, screenshot: Callable[[str], Path]
) -> None:
    panel = admin.open("Matrix")
    users_read = panel.locator("tr", has=admin.page.locator("th", has_text="users:read"))
    expect(users_read).to_contain_text("from auditor")
    expect(users_read).to_contain_text("users:* at roles.yaml:")
    screenshot("matrix")
    readme_screenshot(admin.page, "console-matrix.png")
    panel.get_by_label("Scope prefix").fill("documents")
    panel.get_by_role("button", name="Filter").click()
    expect(panel.locator("tbody tr")).to_have_count(2)
    expect(panel.locator("tbody th")).to_have_text(["documents:read", "documents:write"])
    screenshot("matrix-documents")
    admin.assert_clean()


def test_ask_explains_an_allow_and_a_deny(
    admin: Console, live_server: Server, screenshot: Callable[[str], Path]
) -> None:
    live_server.add_user("console-reader", "reader")
    panel = admin.open("Ask")
    answer = panel.locator("#ask-answer")
    for scope, verdict in (("documents:read", "ALLOW"), ("users:write", "DENY")):
        panel.get_by_label("User", exact=True).fill("console-reader")
        panel.get_by_label("Scope", exact=True).fill(scope)
        panel.get_by_role("button", name="Ask").click()
        expect(answer.locator(".verdict")).to_have_text(verdict)
        expect(answer.locator(".lines")).to_contain_text(f"console-reader (reader) asking for {scope}")
        screenshot(verdict.lower())
    expect(answer.locator(".lines")).to_contain_text("DENY")
    admin.assert_clean()


def test_users_lists_a_users_sessions_and_ends_one_whose_refresh_token_then_fails(
    admin: Console, live_server: Server, screenshot: Callable[[str], Path]
) -> None:
    live_server.add_user("console-sam", "user")
    laptop = log_in_over_http(live_server, "console-sam", agent="sams-laptop")
    panel = admin.open("Users")
    panel.get_by_label("User to look up").fill("console-sam")
    panel.get_by_role("button", name="Look up").click()
    expect(panel.locator("#users-result")).to_contain_text("console-sam (id")
    row = panel.locator("#users-sessions tbody tr", has_text="sams-laptop")
    expect(row).to_contain_text(session_id(laptop["access_token"]))
    screenshot("sessions")
    row.get_by_role("button", name="End session").click()
    expect(row).to_have_count(0)
    expect(panel.locator("#users-sessions tbody tr")).to_have_count(1)  # the session add_user started
    screenshot("ended")
    assert not refreshes(live_server, laptop["refresh_token"])
    admin.assert_clean()


def test_denials_shows_a_plain_users_denial_newest_first(
    admin: Console, live_server: Server, screenshot: Callable[[str], Path]
) -> None:
    plain = live_server.add_user("console-paula", "user")
    assert live_server.get("/users", plain).status_code == 403
    panel = admin.open("Denials")
    panel.get_by_label("User contains").fill("console-paula")
    panel.get_by_role("button", name="Show").click()
    first = panel.locator("tbody tr").first
    expect(first).to_contain_text("GET /users")
    expect(first).to_contain_text("users:read")
    screenshot("denials")
    admin.assert_clean()


@pytest.fixture
def broken_policy(live_server: Server) -> Iterator[int]:
    """A role inheriting one that does not exist, written into the live server's own copy of the policy;
    the line of the mistake. The file is put back, and reloaded, afterwards."""
    path = live_server.policy_dir / "roles.yaml"
    shipped, version = path.read_text(), live_server.version()
    live_server.edit(
        "roles.yaml", lambda text: text + "\n  ghost:\n    description: Broken\n    inherits: [nobody]\n"
    )
    live_server.wait_for(lambda health: "error" in health["policy"])
    yield live_server.line_of("roles.yaml", "inherits: [nobody]")
    path.write_text(shipped)
    live_server.wait_for(lambda health: (health["status"], health["policy"]["version"]) == ("ok", version))
    assert "error" not in live_server.health()["policy"]


def test_policy_shows_a_rejected_edit_with_its_file_and_line(
    admin: Console, broken_policy: int, screenshot: Callable[[str], Path]
) -> None:
    panel = admin.open("Policy")
    expect(panel.locator("#policy-result")).to_contain_text("Last rejected change")
    rejected = panel.locator("#policy-result .problems").last
    expect(rejected).to_contain_text(f"roles.yaml:{broken_policy}")
    expect(rejected).to_contain_text("nobody")
    expect(panel.locator("#policy-result")).to_contain_text("The files on disk would be rejected")
    screenshot("rejected")
    admin.assert_clean()


def test_the_tabs_are_reached_with_the_arrow_keys(admin: Console) -> None:
    page = admin.page
    page.get_by_role("tab", name="Roles").focus()
    page.keyboard.press("ArrowRight")
    expect(page.get_by_role("tab", name="Matrix")).to_be_focused()
    expect(page.get_by_role("tab", name="Matrix")).to_have_attribute("aria-selected", "true")
    page.keyboard.press("End")
    expect(page.get_by_role("tabpanel", name="Denials")).to_be_visible()
    admin.assert_clean()


def test_on_a_narrow_window_the_page_does_not_scroll_sideways(
    admin: Console, screenshot: Callable[[str], Path]
) -> None:
    admin.page.set_viewport_size({"width": 400, "height": 800})
    for view in ("Roles", "Matrix", "Policy"):
        admin.open(view)
        admin.page.wait_for_load_state("networkidle")
        assert admin.page.evaluate("document.documentElement.scrollWidth") <= 400, view
        screenshot(f"narrow-{view.lower()}")
    admin.assert_clean()


def test_logging_out_ends_the_session_and_shows_the_login_form(console: Console, live_server: Server) -> None:
    page = console.page
    with page.expect_response("**/token") as login:
        console.log_in()
    refresh_token = login.value.json()["refresh_token"]
    expect(page.locator("#roles-graph svg")).to_be_visible()
    with page.expect_request("**/revoke"):
        page.get_by_role("button", name="Log out").click()
    expect(page.locator("#login-view")).to_be_visible()
    expect(page.locator("#app")).to_be_hidden()
    assert page.locator("#roles-graph").inner_html() == ""
    assert not refreshes(live_server, refresh_token)
    console.assert_clean()


def test_the_console_refreshes_its_token_before_it_expires(console: Console) -> None:
    page = console.page
    page.clock.install()
    console.log_in()
    expect(page.locator("#roles-graph svg")).to_be_visible()
    with page.expect_request(
        lambda r: r.url.endswith("/token") and "refresh_token" in (r.post_data or "")
    ) as sent:
        page.clock.run_for("15:00")
    answer = sent.value.response()
    assert answer is not None
    assert answer.status == 200
    with page.expect_request("**/policy/matrix") as asked:
        matrix = console.open("Matrix")
    expect(matrix.locator("tbody tr").first).to_be_visible()
    assert asked.value.headers["authorization"] == f"Bearer {answer.json()['access_token']}"
    console.assert_clean()


def test_an_account_without_policy_read_is_not_let_in_and_its_session_is_ended(
    console: Console, live_server: Server
) -> None:
    live_server.add_user("console-plain", "user")
    with console.page.expect_response("**/token") as login:
        console.log_in("console-plain", PASSWORD)
    expect(console.page.locator("#login-message")).to_contain_text("does not hold policy:read")
    expect(console.page.locator("#app")).to_be_hidden()
    console.page.wait_for_load_state("networkidle")
    assert not refreshes(live_server, login.value.json()["refresh_token"])
    console.assert_clean()
