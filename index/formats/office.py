"""Legacy and other office formats (.doc, .wps, .rtf, .odt) through LibreOffice, then the .docx reader.

Binary Word (.doc) and WPS Office (.wps) files have no maintained pure-Python reader that
keeps list numbering and heading styles; LibreOffice reads them faithfully (also .rtf and
.odt, for which the small libraries lose the structure: striprtf drops numbering and
styles, odfpy has had no release since 2020), so each file is converted headless to .docx
in a temporary folder and read by :mod:`index.formats.word`. LibreOffice is found at run
time; without it the message names the package to install. A conversion takes ~2–3 s
(LibreOffice's start-up), so large .doc collections are better converted once in bulk.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import replace
from pathlib import Path

from index.formats.base import FormatError, RawDocument
from index.formats.word import read_docx

#: Seconds one conversion may take; a large .doc converts in well under a minute.
CONVERT_TIMEOUT = 180
INSTALL_HINT = ("install LibreOffice (Debian/Ubuntu: apt-get install libreoffice-writer-nogui; "
                "macOS/Windows: libreoffice.org), or save the file as .docx")
#: LibreOffice imports a file it cannot parse as plain text, which for binary data gives mostly
#: characters no Chinese or Western text uses (Hangul syllables, private-use, rare blocks). Real
#: documents have practically none; random bytes give ~80%. Above this share the file is refused.
MAX_IMPLAUSIBLE = 0.2
_PLAUSIBLE = re.compile(r"[\s\u0020-\u024f\u2000-\u206f\u2100-\u22ff\u2460-\u24ff\u2500-\u27bf"
                        r"\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef]")
_KNOWN_PATHS = (
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
    r"C:\Program Files\LibreOffice\program\soffice.exe",
)


def find_soffice() -> str | None:
    """The LibreOffice executable: ``soffice``/``libreoffice`` on PATH, or a standard install path."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    return found or next((p for p in _KNOWN_PATHS if os.path.exists(p)), None)


def read_via_libreoffice(path: Path) -> RawDocument:
    """Convert ``path`` to .docx with LibreOffice and read that (raises :class:`FormatError`)."""
    kind = path.suffix.lower()
    exe = find_soffice()
    if exe is None:
        raise FormatError(f"{path}: reading {kind} files needs LibreOffice, which is not installed; {INSTALL_HINT}")
    with tempfile.TemporaryDirectory(prefix="speech-qa-") as tmp:
        work = Path(tmp)
        source = work / f"input{kind}"  # a plain name: no spaces or Chinese characters on the command line
        shutil.copyfile(path, source)
        command = [exe, f"-env:UserInstallation={(work / 'profile').as_uri()}", "--headless", "--norestore",
                   "--convert-to", "docx:MS Word 2007 XML", "--outdir", str(work / "out"), str(source)]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=CONVERT_TIMEOUT, check=False)
        except subprocess.TimeoutExpired as exc:
            raise FormatError(f"{path}: LibreOffice did not finish converting it within {CONVERT_TIMEOUT} s") from exc
        except OSError as exc:
            raise FormatError(f"{path}: LibreOffice ({exe}) could not be started: {exc}") from exc
        converted = work / "out" / "input.docx"
        if not converted.is_file() or converted.stat().st_size == 0:
            detail = (done.stderr or done.stdout).strip().splitlines()
            raise FormatError(f"{path}: LibreOffice could not convert it (damaged, password-protected, or not "
                              f"a {kind} file){': ' + detail[-1] if detail else ''}")
        try:
            raw = read_docx(converted)
        except FormatError as exc:
            raise FormatError(f"{path}: converted by LibreOffice, but {str(exc).split(': ', 1)[-1]}") from exc
    implausible = len(_PLAUSIBLE.sub("", raw.text))
    if implausible > MAX_IMPLAUSIBLE * max(len(raw.text), 1):
        raise FormatError(f"{path}: LibreOffice could only read it as binary data: it is damaged or not a {kind} file")
    return replace(raw, encoding=f"{kind[1:]} via LibreOffice")
