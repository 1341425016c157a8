"""The *Sources* page inside Airflow's UI: an Airflow 3 plugin, loaded through the entry point
``airflow.plugins`` of pyproject.toml (so ``make airflow`` and the Docker image both load it).

- ``fastapi_apps``: ``/newsflow/sources`` (the HTML page) and ``/newsflow/sources.json``, served by
  the API server itself, for users who may see Airflow's UI;
- ``external_views``: the *Sources* entry of the navigation, which shows the page in the UI.

Everything else is :mod:`crawler.quality.health`. Every Airflow process loads its plugins, tasks
included: the FastAPI app (and Airflow's API security) is built only when the API server asks for
it, not at import.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from airflow.plugins_manager import AirflowPlugin

URL_PREFIX = "/newsflow"


@cache
def sources_app() -> Any:
    """The FastAPI app of the page and its JSON (one per process)."""
    from airflow.api_fastapi.auth.managers.models.resource_details import AccessView
    from airflow.api_fastapi.core_api.security import requires_access_view
    from fastapi import Depends, FastAPI, HTTPException
    from fastapi.responses import HTMLResponse

    from crawler.quality import health
    from crawler.tasks.connections import news_reader_url

    app = FastAPI(title="newsflow sources", docs_url=None, redoc_url=None, openapi_url=None)
    allowed = [Depends(requires_access_view(AccessView.WEBSITE))]

    def read() -> tuple[Any, list[health.SourceHealth]]:
        try:
            return health.read_source_health(news_reader_url())
        except health.HealthReadError as exc:
            raise HTTPException(status_code=503, detail=str(exc)) from exc

    # Plain functions: FastAPI runs them in its thread pool, off the event loop (psycopg2 blocks).
    @app.get("/sources", response_class=HTMLResponse, dependencies=allowed)
    def sources_page() -> str:
        return health.render_page(*read())

    @app.get("/sources.json", dependencies=allowed)
    def sources_json() -> dict[str, Any]:
        return health.health_json(*read())

    return app


class _SourcesApps:
    """``fastapi_apps``, built on first access: only the API server reads it."""

    def __get__(self, instance: object, owner: type) -> list[dict[str, Any]]:
        return [{"app": sources_app(), "url_prefix": URL_PREFIX, "name": "newsflow sources"}]


class NewsflowPlugin(AirflowPlugin):
    """newsflow's *Sources* page."""

    name = "newsflow"
    fastapi_apps = _SourcesApps()
    external_views = [  # noqa: RUF012 (Airflow reads the class attribute)
        {
            "name": "Sources",
            "href": URL_PREFIX.lstrip("/") + "/sources",  # relative to the UI's base URL
            "url_route": "sources",  # the page is shown inside the UI at /plugin/sources
            "destination": "nav",
            "nav_top_level": True,
        }
    ]
