"""`/docs`: Swagger UI from the service's own files, and the OAuth2 redirect page its Authorize dialog uses.

FastAPI's built-in page loads Swagger UI from a public CDN, which leaves a blank page on a closed network;
this one is the same page with every script, style sheet and icon served by `rbac_api.pages.assets`.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.openapi.docs import get_swagger_ui_html, get_swagger_ui_oauth2_redirect_html
from fastapi.responses import HTMLResponse

from rbac_api.pages.vendor import asset
from rbac_api.rest.targets import public_route

DOCS_PATH = "/docs"
OAUTH2_REDIRECT_PATH = "/docs/oauth2-redirect"
#: FastAPI's defaults, plus no online validator: Swagger UI would otherwise send the document to swagger.io.
SWAGGER_UI_PARAMETERS: dict[str, Any] = {
    "dom_id": "#swagger-ui",
    "layout": "BaseLayout",
    "deepLinking": True,
    "showExtensions": True,
    "showCommonExtensions": True,
    "validatorUrl": None,
}

router = APIRouter(include_in_schema=False)


@router.get(DOCS_PATH, openapi_extra=public_route("the API's documentation page; shows no data"))
async def swagger_ui(request: Request) -> HTMLResponse:
    """The password flow's scopes, with their descriptions, come from the OpenAPI document, which takes
    them from the policy catalogue in force."""
    root = request.scope.get("root_path", "").rstrip("/")
    return get_swagger_ui_html(
        openapi_url=root + request.app.openapi_url,
        title=f"{request.app.title} - Swagger UI",
        swagger_js_url=asset("swagger-ui-dist", "swagger-ui-bundle.js").url(root),
        swagger_css_url=asset("swagger-ui-dist", "swagger-ui.css").url(root),
        swagger_favicon_url=asset("swagger-ui-dist", "favicon-32x32.png").url(root),
        oauth2_redirect_url=root + OAUTH2_REDIRECT_PATH,
        swagger_ui_parameters=SWAGGER_UI_PARAMETERS,
    )


@router.get(
    OAUTH2_REDIRECT_PATH, openapi_extra=public_route("Swagger UI's OAuth2 redirect page; shows no data")
)
async def swagger_ui_oauth2_redirect() -> HTMLResponse:
    return get_swagger_ui_oauth2_redirect_html()
