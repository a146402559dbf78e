"""GraphiQL in a real browser: log in with the `login` mutation, put the token in the headers, ask `me`."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from tests.browser.driver import expect
from tests.conftest import ADMIN_PASSWORD

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

LOGIN = f'mutation {{ login(username: "admin", password: "{ADMIN_PASSWORD}") {{ accessToken }} }}'


def editor_text(editor: Locator) -> str:
    return str(editor.evaluate("element => element.CodeMirror.getValue()"))


def type_into(editor: Locator, text: str) -> None:
    """Replace an editor's text through CodeMirror itself (typing would add auto-closed brackets)."""
    editor.evaluate("(element, text) => element.CodeMirror.setValue(text)", text)


def run(page: Page, query: str) -> dict[str, object]:
    type_into(page.locator(".graphiql-query-editor .CodeMirror"), query)
    response = page.locator(".graphiql-response .CodeMirror")
    type_into(response, "")
    page.locator(".graphiql-execute-button").click()
    expect(response).to_contain_text('"data"')
    result: dict[str, object] = json.loads(editor_text(response))
    return result


def test_graphiql_opens_with_an_authorization_header_to_fill_in(
    page: Page, screenshot: Callable[[str], Path]
) -> None:
    page.goto("/graphql")
    headers = page.locator(".graphiql-editor-tool .CodeMirror").filter(visible=True)
    expect(headers).to_contain_text("Authorization")
    screenshot("headers-ready")
    assert json.loads(editor_text(headers)) == {"Authorization": "Bearer "}


def test_graphiql_logs_in_and_runs_me_with_the_token_in_the_headers(
    page: Page, screenshot: Callable[[str], Path]
) -> None:
    page.goto("/graphql")
    expect(page.locator(".graphiql-query-editor .CodeMirror")).to_be_visible()
    login = run(page, LOGIN)
    screenshot("logged-in")
    token = login["data"]["login"]["accessToken"]  # type: ignore[index]

    headers = page.locator(".graphiql-editor-tool .CodeMirror").filter(visible=True)
    type_into(headers, json.dumps({"Authorization": f"Bearer {token}"}))
    me = run(page, "{ me { username } }")
    screenshot("me")
    assert me == {"data": {"me": {"username": "admin"}}}
