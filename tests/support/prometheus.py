"""A real Prometheus for a test: started on a free port with the given configuration, always stopped."""
from __future__ import annotations

import contextlib
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

from fixtures.services.ports import free_port

PROMETHEUS = shutil.which("prometheus") or ""  # "": not installed (the tests skip)


@contextlib.contextmanager
def running_prometheus(work: Path, config: str) -> Iterator[str]:
    """Prometheus reading ``config`` (written to work/prometheus.yml, so relative rule files resolve
    there), its TSDB and log in ``work``; yields its base URL, terminates it on the way out."""
    (work / "prometheus.yml").write_text(config)
    port = free_port()
    prom = subprocess.Popen([PROMETHEUS, f"--config.file={work / 'prometheus.yml'}",
                             f"--storage.tsdb.path={work / 'tsdb'}", f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=(work / "prometheus.log").open("wb"))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        prom.terminate()
        try:
            prom.wait(15)
        except subprocess.TimeoutExpired:
            prom.kill()
            prom.wait()
