"""Real servers started as plain processes for the integration tests (no Docker)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


def stop_process(process: subprocess.Popen[bytes] | None, root: Path) -> None:
    """Terminate a test server (kill it after 10 s) and remove its temp dir."""
    if process is not None and process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
    shutil.rmtree(root, ignore_errors=True)
