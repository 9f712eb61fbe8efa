"""Run the real chat app on the FakeEngine (for trying the UI or scripts/tmux_chat.sh without an index).

Usage: ``python tests/tui/run_fake_chat.py [DATA_DIR]``.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from fake_engine import FakeEngine  # noqa: E402

from qa.settings import Settings  # noqa: E402
from tui.app import run  # noqa: E402

if __name__ == "__main__":
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="qa-fake-chat-"))
    run(FakeEngine(delay=0.5), Settings(data_dir=data_dir))
