"""On a Dask cluster, a worker killed in the middle of a batch costs a retry, not the batch."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def make_data(data: Path, copies: int) -> None:
    seed = ROOT / "data" / "futian-sti" / "2018"
    shutil.copy(ROOT / "data" / "departments.csv", data / "departments.csv")
    for i in range(copies):
        slug = f"copy-{i}"
        dst = data / slug / "2018"
        shutil.copytree(seed, dst)
        meta = json.loads((dst / "meta.json").read_text(encoding="utf-8"))
        meta["slug"] = slug
        (dst / "meta.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")


@pytest.mark.slow
def test_a_worker_killed_mid_batch_is_retried_and_the_batch_completes(tmp_path):
    from dask.distributed import Client, LocalCluster

    data, reports = tmp_path / "data", tmp_path / "reports"
    data.mkdir()
    make_data(data, 4)
    env = {**os.environ, "FISCAL_DATA": str(data), "FISCAL_REPORTS": str(reports)}
    env.pop("MPLBACKEND", None)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                      dashboard_address=None) as cluster, Client(cluster) as client:
        proc = subprocess.Popen(
            [sys.executable, "-m", "fiscal.cli", "report", "--all", "--executor", "dask",
             "--scheduler", cluster.scheduler_address],
            env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not list(reports.glob("*/2018.html")):
            time.sleep(0.2)  # the first report is done: the workers are busy
        victim = next(iter(client.run(os.getpid).values()))
        os.kill(victim, signal.SIGKILL)
        out, err = proc.communicate(timeout=600)
    assert proc.returncode == 0, out + err
    assert "4 built" in out
    for i in range(4):
        page = (reports / f"copy-{i}" / "2018.html").read_text(encoding="utf-8")
        assert page.rstrip().endswith("</html>")
