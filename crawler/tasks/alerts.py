"""Failure alerts: one log line per failed task or DAG run, POSTed to a webhook if configured."""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from crawler.config import load_config

LOGGER = logging.getLogger(__name__)


def alert_failure(context: Mapping[str, Any]) -> str:
    """``on_failure_callback`` of every newsflow DAG: log one line, POST it to the webhook if set.

    Works with a task's context (``ti``, ``exception``) and a DAG run's (``dag_run``, ``reason``).
    The webhook (``NEWSFLOW_ALERT_WEBHOOK``) receives JSON: ``text`` (the line, so that Slack and
    Mattermost incoming webhooks show it as is) plus the fields one by one. A webhook that fails
    is logged, never raised: the alert must not hide the failure it reports. Returns the line.
    """
    ti = context.get("ti")
    dag_run = context.get("dag_run")
    fields: dict[str, Any] = {
        "dag_id": getattr(ti, "dag_id", None) or getattr(dag_run, "dag_id", None),
        "task_id": getattr(ti, "task_id", None),
        "source": getattr(ti, "rendered_map_index", None),
        "run_id": getattr(ti, "run_id", None) or getattr(dag_run, "run_id", None),
        "try_number": getattr(ti, "try_number", None),
        "error": _error_text(context.get("exception")) or context.get("reason"),
        "log_url": _log_url(ti),
    }
    line = "newsflow FAILED " + " ".join(
        f"{k}={v}" for k, v in fields.items() if v not in (None, "")
    )
    LOGGER.error("%s", line)
    webhook = load_config().alert_webhook
    if webhook:
        post_webhook(webhook, {"text": line, **{k: v for k, v in fields.items() if v is not None}})
    return line


def post_webhook(url: str, payload: Mapping[str, Any], *, timeout: float = 10.0) -> bool:
    """POST ``payload`` as JSON to ``url``; True on a 2xx answer. Failures are logged only."""
    body = json.dumps(payload, default=str).encode("utf-8")
    request = urllib.request.Request(
        url,
        data=body,
        headers={"Content-Type": "application/json", "User-Agent": "newsflow-alert/0.1"},
        method="POST",
    )
    host = urlsplit(url).hostname  # the URL may hold a token: log its host only
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status: int = response.status
            ok = 200 <= status < 300
    except (urllib.error.URLError, OSError) as exc:
        LOGGER.warning("alert webhook on %s failed: %s", host, exc)
        return False
    if not ok:
        LOGGER.warning("alert webhook on %s answered %s", host, status)
    return ok


def _error_text(exc: object) -> str | None:
    if exc is None:
        return None
    text = f"{type(exc).__name__}: {exc}" if isinstance(exc, BaseException) else str(exc)
    return " ".join(text.split())[:500]  # one line, bounded


def _log_url(ti: object) -> str | None:
    try:
        url = getattr(ti, "log_url", None)
    except Exception:  # a property that needs configuration we may lack
        return None
    return url if isinstance(url, str) else None
