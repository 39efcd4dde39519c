"""`make bench`'s pipeline, end to end at a tiny size, so CI proves it works."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings

from conftest import _missing
from testing.processes import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.postgres
def test_the_bench_pipeline_runs_and_writes_its_report(tmp_path):
    if not shutil.which("hey"):
        _missing("the benchmark needs hey: apt-get install -y hey")
    output = tmp_path / "BENCHMARKS.md"
    # Named after this run's test database and on a free port, so two test
    # runs on one machine (or a `make bench` beside them) never share either.
    test_database = settings.DATABASES["default"]["NAME"]
    env = os.environ | {
        "BENCH_DATABASE_URL": f"postgres://postgres@127.0.0.1:5432/{test_database}_bench",
        "BENCH_PORT": str(free_port()),
    }
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.run",
            "--orders",
            "2000",
            "--big",
            "1000",
            "--jobs",
            "500",
            "--duration",
            "1",
            "--scan-sizes",
            "300,900",
            "--scan-due",
            "5",
            "--output",
            str(output),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    report = output.read_text()
    for heading in (
        "## Pages under load",
        "## Queries of each page",
        "## Deadline scans",
        "## Goals",
    ):
        assert heading in report
    assert "Sales, last page (completed)" in report and "Post a message" in report
    assert "Browse, sort rating" in report and "Seller profile, big seller" in report
    assert "| late | 900 |" in report
    # Every page answered: 200s (and the redirect after posting a message), no errors.
    table = report.split("## Pages under load")[1].split("##")[0]
    assert "500:" not in table and "404:" not in table
    assert table.count("200:") >= 11 and "302:" in table
