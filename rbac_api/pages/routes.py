"""Which page routes an app gets. ReDoc is not served (`/redoc` is a 404): `/docs` is the one documentation
page, and it can try requests out."""

from __future__ import annotations

from fastapi import APIRouter

from rbac_api.pages import assets, console, docs


def page_routers(*, docs_page: bool, graphql_ide: bool, console_page: bool = False) -> list[APIRouter]:
    """`/docs` when `docs_page`, `/console` when `console_page`, and the vendored files whenever a page
    needs them (the GraphQL router renders GraphiQL itself; the console needs none)."""
    pages = [docs.router] if docs_page else []
    pages += [console.router] if console_page else []
    return [*pages, assets.router] if docs_page or graphql_ide else pages
