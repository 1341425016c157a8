"""The built wheel carries sql/: an installed newsflow migrates a fresh database on its own."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from crawler.db.scratch import scratch_database
from tests.helpers import query_rows

REPO = Path(__file__).resolve().parents[2]


def _uv() -> str:
    found = shutil.which("uv") or str(REPO / ".tools" / "bin" / "uv")
    if not Path(found).exists():
        pytest.skip("uv is not installed (make setup bootstraps it)")
    return found


def test_an_installed_wheel_finds_its_migrations(pg_server_url: str, tmp_path: Path) -> None:
    """Build the wheel, install it (without dependencies: those of this venv are lent through a
    .pth) into a fresh venv, and run `newsflow db migrate` from a directory outside the checkout.
    Nothing points it at the repository: no NEWSFLOW_SQL_DIR, no editable path."""
    uv = _uv()
    dist = tmp_path / "dist"
    subprocess.run(
        [uv, "build", "--wheel", "-o", str(dist), str(REPO)], check=True, capture_output=True
    )
    (wheel,) = dist.glob("newsflow-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "crawler/sql/migrations/0001_initial.sql" in names, "sql/ is not in the wheel"
    assert not any(n.startswith("tools/") for n in names), "development tools ship in the wheel"
    # Airflow finds the Sources page through this entry point, in any environment with the wheel
    # installed (the Docker image too): no plugins folder to configure.
    (entry_points,) = [n for n in names if n.endswith(".dist-info/entry_points.txt")]
    text = zipfile.ZipFile(wheel).read(entry_points).decode()
    assert "[airflow.plugins]\nnewsflow = crawler.tasks.plugin:NewsflowPlugin" in text, text

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    subprocess.run(
        [uv, "pip", "install", "--python", str(python), "--no-deps", str(wheel)],
        check=True,
        capture_output=True,
    )
    # The dependencies, not the project: this venv's site-packages minus its editable .pth files.
    (Path(site) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")

    outside = tmp_path / "elsewhere"
    outside.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "NEWSFLOW_SQL_DIR"}}
    with scratch_database(pg_server_url, "wheel") as url:
        proc = subprocess.run(
            [
                python,
                "-c",
                "import crawler, sys; print(crawler.__file__); from crawler.cli import main; sys.exit(main(['db', 'migrate']))",
            ],
            cwd=outside,
            env={**env, "DATABASE_URL": url, "NEWSFLOW_HOME": str(tmp_path / "home")},
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert proc.stdout.splitlines()[0].startswith(str(venv)), (
            f"crawler was imported from {proc.stdout.splitlines()[0]}, not from the installed wheel"
        )
        migrations = sorted(p.name for p in (REPO / "sql" / "migrations").glob("*.sql"))
        applied = [
            name for (name,) in query_rows(url, "SELECT filename FROM schema_migrations ORDER BY 1")
        ]
    assert applied == migrations
