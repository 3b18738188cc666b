"""Helper processes fork from a server that loaded the main module once (connectors.workers)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import sys
sys.path.insert(0, {root!r})
with open({marker!r}, "a") as f:
    f.write(__name__ + "\\n")  # one line per time this file is run or imported

from connectors import workers

if __name__ == "__main__":
    ctx = workers.context()
    for _ in range(3):
        p = ctx.Process(target=workers._noop)
        p.start()
        p.join()
        assert p.exitcode == 0
"""


def test_helpers_do_not_run_the_main_script_again(tmp_path: Path) -> None:
    marker = tmp_path / "runs.txt"
    script = tmp_path / "main_script.py"
    script.write_text(SCRIPT.format(root=str(ROOT), marker=str(marker)))
    subprocess.run([sys.executable, str(script)], check=True, timeout=60, cwd=tmp_path)
    runs = marker.read_text().split()
    # the script itself, and the fork server once: not once more per helper (3 + 1 started)
    assert runs == ["__main__", "__mp_main__"], runs
