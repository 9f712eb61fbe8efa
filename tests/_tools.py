"""Skip markers for tests that need a command-line tool: skipped where it is absent, never in CI.

CI (env CI=true) installs the tools in .ci/run, so there a missing tool fails the test instead
of hiding it behind a skip.
"""

from __future__ import annotations

import os

import pytest

from index.formats.office import find_soffice

IN_CI = os.environ.get("CI") == "true"
needs_soffice = pytest.mark.skipif(find_soffice() is None and not IN_CI,
                                   reason="LibreOffice is not installed (apt-get install libreoffice-writer-nogui)")
