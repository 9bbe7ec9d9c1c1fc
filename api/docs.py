"""The API's documentation pages (/docs: Swagger UI, /redoc: ReDoc), served from assets on this
machine: the service must work offline, and a page that loads a script from a CDN would also
hand that CDN the bureau's session."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"


def install(app: FastAPI) -> None:
    """On an app made with docs_url=None and redoc_url=None."""
    app.mount("/docs/static", StaticFiles(directory=ASSETS), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · 接口文档",
            swagger_js_url="/docs/static/swagger-ui-bundle.js",
            swagger_css_url="/docs/static/swagger-ui.css",
            swagger_favicon_url="/docs/static/favicon.png",
            swagger_ui_parameters={"validatorUrl": None},
        )

    @app.get("/redoc", include_in_schema=False)
    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} · 接口文档",
            redoc_js_url="/docs/static/redoc.standalone.js",
            redoc_favicon_url="/docs/static/favicon.png",
            with_google_fonts=False,
        )
