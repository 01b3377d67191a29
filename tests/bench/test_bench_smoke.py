"""The benchmark harness runs and prints its tables (tiny sizes, SQLite only).
No timings are asserted: speed is compared in `python -m bench`, not in tests."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_quick_benchmark_runs_and_prints_a_table(tmp_path):
    output = tmp_path / "performance.md"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--databases", "sqlite", "--output", str(output)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    for title in ("Ack latency", "Event ingest", "Memory", "Search", "Digest", "Dashboard"):
        assert title in done.stdout
    written = output.read_text()
    assert "| database |" in written and "Python" in written and "slack-bolt" in written
    assert "scores exact" in written and "| yes |" in written  # the ingest stored exactly what was saved
    assert "| sqlite | 3,000 items, 200 members" in written  # the digest and dashboard ran on the search corpus
    assert "| Overview |" in written and "| Topics |" in written
