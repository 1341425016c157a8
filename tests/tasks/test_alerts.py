"""The DAGs' on_failure_callback: one log line, and a JSON POST to NEWSFLOW_ALERT_WEBHOOK (a real
HTTP server on 127.0.0.1); a broken webhook is logged, never raised."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any, ClassVar

import pytest

from crawler.errors import CrawlError
from crawler.tasks.alerts import alert_failure
from crawler.tasks.defaults import on_failure


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[str, dict[str, str], Any]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.received.append((self.path, dict(self.headers), json.loads(body)))
        self.send_response(204)
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def webhook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    _Hook.received = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks/T0KEN"
    server.shutdown()
    server.server_close()


def _task_context() -> dict[str, Any]:
    ti = SimpleNamespace(
        dag_id="news_ingest",
        task_id="source.crawl",
        rendered_map_index="nhk",
        run_id="scheduled__2026-11-20T00:00:00+00:00",
        try_number=3,
        log_url="http://127.0.0.1:8080/dags/news_ingest/runs/x/tasks/source.crawl",
    )
    return {"ti": ti, "exception": CrawlError("source 'nhk': no article URL discovered\nand 2")}


def test_failure_is_one_line_and_posted(
    webhook: str, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("NEWSFLOW_ALERT_WEBHOOK", webhook)
    caplog.set_level(logging.ERROR, logger="crawler.tasks.alerts")
    line = alert_failure(_task_context())
    assert line == (
        "newsflow FAILED dag_id=news_ingest task_id=source.crawl source=nhk"
        " run_id=scheduled__2026-11-20T00:00:00+00:00 try_number=3"
        " error=CrawlError: source 'nhk': no article URL discovered and 2"
        " log_url=http://127.0.0.1:8080/dags/news_ingest/runs/x/tasks/source.crawl"
    )
    assert [r.getMessage() for r in caplog.records] == [line]
    ((path, headers, payload),) = _Hook.received
    assert path == "/hooks/T0KEN"
    assert headers["Content-Type"] == "application/json"
    assert payload["text"] == line
    assert payload["source"] == "nhk" and payload["task_id"] == "source.crawl"


def test_dag_run_failure_without_webhook(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.delenv("NEWSFLOW_ALERT_WEBHOOK", raising=False)
    dag_run = SimpleNamespace(dag_id="news_maintenance", run_id="manual__1")
    line = alert_failure({"dag_run": dag_run, "reason": "task_failure"})
    assert line == "newsflow FAILED dag_id=news_maintenance run_id=manual__1 error=task_failure"


def test_broken_webhook_is_logged_not_raised(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import socket

    with socket.socket() as s:  # a port with nothing listening
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("NEWSFLOW_ALERT_WEBHOOK", f"http://127.0.0.1:{port}/secret-token")
    caplog.set_level(logging.WARNING, logger="crawler.tasks.alerts")
    alert_failure(_task_context())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "alert webhook on 127.0.0.1 failed" in warnings[0], warnings
    assert "secret-token" not in warnings[0], "the webhook URL (it may hold a token) was logged"


def test_the_dags_callback_is_the_alert(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """crawler.tasks.defaults.on_failure, which every DAG and task is given, sends this alert."""
    monkeypatch.delenv("NEWSFLOW_ALERT_WEBHOOK", raising=False)
    caplog.set_level(logging.ERROR, logger="crawler.tasks.alerts")
    on_failure({"dag_run": SimpleNamespace(dag_id="news_ingest", run_id="manual__2")})
    assert [r.getMessage() for r in caplog.records] == [
        "newsflow FAILED dag_id=news_ingest run_id=manual__2"
    ]
