"""`/docs` in a real browser: authorize with the password flow, choosing scopes, then try a route out."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from rbac_api.policy import load_policy
from tests.browser.driver import expect
from tests.conftest import ADMIN_PASSWORD, POLICY_DIR

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page


def open_authorize_dialog(page: Page) -> Locator:
    page.goto("/docs")
    page.locator("button.authorize").first.click()
    dialog = page.locator(".modal-ux")
    expect(dialog.locator(".flow code")).to_have_text("password")
    return dialog


def test_the_authorize_dialog_offers_one_checkbox_per_catalogue_scope_with_its_description(
    page: Page, screenshot: Callable[[str], Path]
) -> None:
    dialog = open_authorize_dialog(page)
    screenshot("authorize-dialog")
    scopes = dialog.locator(".scopes .checkbox")
    offered = {
        scopes.nth(i).locator(".name").inner_text(): scopes.nth(i).locator(".description").inner_text()
        for i in range(scopes.count())
    }
    catalogue = load_policy(POLICY_DIR).scopes
    assert offered == {name: scope.description for name, scope in catalogue.items()}
    assert dialog.locator(".scopes input[type=checkbox]").count() == len(catalogue)


def test_swagger_ui_authorizes_with_the_password_flow_and_runs_users_me(
    page: Page, screenshot: Callable[[str], Path]
) -> None:
    dialog = open_authorize_dialog(page)
    dialog.locator("#oauth_username").fill("admin")
    dialog.locator("#oauth_password").fill(ADMIN_PASSWORD)
    dialog.locator("label[for='profile:read-password-checkbox-OAuth2']").click()
    screenshot("credentials-and-scope")
    with page.expect_request("**/token") as token_request:
        dialog.get_by_role("button", name="Apply given OAuth2 credentials").click()
    expect(dialog.get_by_text("Authorized")).to_be_visible()
    screenshot("authorized")
    form = token_request.value
    assert form.headers["content-type"] == "application/x-www-form-urlencoded"
    assert parse_qs(form.post_data or "")["scope"] == ["profile:read"]

    dialog.get_by_role("button", name="Close").click()
    operation = page.locator("#operations-users-read_me_users_me_get")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    answer = operation.locator(".live-responses-table .response")
    expect(answer.locator(".response-col_status")).to_have_text("200")
    expect(answer.locator(".response-col_description")).to_contain_text('"username": "admin"')
    operation.scroll_into_view_if_needed()
    screenshot("users-me-200")
