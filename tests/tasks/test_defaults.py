"""crawler.tasks.defaults, which every DAG file imports at top level: standard library only, and
the default_args it builds."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta

import pytest

from crawler.tasks.defaults import OWNER, default_args, on_failure

ALLOWED = {"crawler", "crawler.tasks", "crawler.tasks.defaults"}

_PROBE = """
import json, sys
before = set(sys.modules)
import {module}
print(json.dumps(sorted(set(sys.modules) - before)))
"""


@pytest.mark.parametrize(
    ("module", "allowed"),
    [("crawler.tasks", {"crawler", "crawler.tasks"}), ("crawler.tasks.defaults", ALLOWED)],
)
def test_imports_the_standard_library_only(module: str, allowed: set[str]) -> None:
    """In a fresh interpreter, so that what this test session imported hides nothing."""
    probe = subprocess.run(
        [sys.executable, "-c", _PROBE.format(module=module)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    imported = json.loads(probe.stdout)
    foreign = sorted(
        m for m in imported if m not in allowed and m.split(".")[0] not in sys.stdlib_module_names
    )
    assert foreign == [], f"importing {module} imports {foreign}: the DAG processor would too"


def test_default_args_back_off_unless_told_not_to() -> None:
    args = default_args(execution_timeout=timedelta(hours=1))
    assert args == {
        "owner": OWNER,
        "retries": 2,
        "retry_delay": timedelta(minutes=5),
        "retry_exponential_backoff": 2.0,
        "max_retry_delay": timedelta(hours=1),
        "execution_timeout": timedelta(hours=1),
        "on_failure_callback": on_failure,
    }
    fixed = default_args(execution_timeout=timedelta(hours=6), retries=1, max_retry_delay=None)
    assert "retry_exponential_backoff" not in fixed and "max_retry_delay" not in fixed, fixed
    assert fixed["retries"] == 1 and fixed["retry_delay"] == timedelta(minutes=5)
