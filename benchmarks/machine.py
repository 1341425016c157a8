"""The line each benchmark prints about the machine it ran on: figures mean little without it."""

from __future__ import annotations

import os
import platform


def describe_machine() -> str:
    """Cores, architecture, kernel, load average and Python, as ``machine: …``."""
    load1, load5, _ = os.getloadavg()
    return (
        f"machine: {os.cpu_count()} cores, {platform.machine()}, {platform.system()} "
        f"{platform.release()}, load average {load1:.2f}/{load5:.2f} (1/5 min); "
        f"Python {platform.python_version()}"
    )
