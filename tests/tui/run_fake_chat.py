"""Run the real chat app on the FakeEngine (for trying the UI or scripts/tmux_chat.sh without an index).

Usage: ``python -m tests.tui.run_fake_chat [DATA_DIR]`` (from the repository root).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from qa.settings import Settings
from tests.tui.fake_engine import FakeEngine
from tui.app import run

if __name__ == "__main__":
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(tempfile.mkdtemp(prefix="qa-fake-chat-"))
    run(FakeEngine(delay=0.5), Settings(data_dir=data_dir))
