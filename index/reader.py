"""Turn one user file into a :class:`ParsedDocument`: read, decode, clean, split, structure.

Users drop whatever they have into a folder, so every failure a file can cause (unreadable,
binary, undecodable, unsupported, empty, encrypted, scanned) becomes a :class:`ReadError`
naming the file; the caller reports it and goes on with the other files. Formats plug in
through ``_FORMAT_READERS``: one function per suffix returning a :class:`RawDocument` (text
lines plus what the format knows: heading styles, paragraph ends, pages, metadata); the
readers themselves live in ``index.formats``.
"""

from __future__ import annotations

import codecs
import hashlib
import importlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path

from index.clean import clean_text
from index.dating import Dating, date_from_file_name
from index.document import ParsedDocument, Speech
from index.errors import ReadError
from index.filesize import check_size
from index.formats.base import FormatError, RawDocument
from index.listing import list_documents, unsupported_reason
from index.meta import MetadataError, apply_meta, meta_fingerprint, meta_for
from index.provenance import LineMap
from index.split import split_speeches
from index.structure import build_outline

_BINARY_SAMPLE = 65536
_MAX_CONTROL_RATIO = 0.005
_MAX_REPLACEMENT_RATIO = 0.001
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$", re.M)

Decoded = tuple[str, str]  # (text, encoding name)


def decode_bytes(data: bytes, path: Path) -> Decoded:
    """Decode file content: BOMs first, then strict UTF-8, then charset-normalizer's detection.

    UTF-8 is tried strictly before detection because it is self-validating (a non-UTF-8
    file practically never decodes as UTF-8) and detection on a 50 MB file costs time;
    everything else (GB18030/GBK, UTF-16 without BOM, …) is left to charset-normalizer.
    """
    if data.startswith(codecs.BOM_UTF8):
        return _decode(data[len(codecs.BOM_UTF8) :], "utf-8", path), "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _decode(data, "utf-16", path), "utf-16"
    try:
        return _checked(data.decode("utf-8"), path), "utf-8"
    except UnicodeDecodeError:
        pass
    import charset_normalizer  # ~12 ms to import: only files that are not UTF-8 need it

    best = charset_normalizer.from_bytes(data).best()
    if best is None:
        raise ReadError(f"{path}: cannot be decoded as text (binary file or unknown encoding)")
    return _decode(data, best.encoding, path), best.encoding


def _decode(data: bytes, encoding: str, path: Path) -> str:
    """Decode leniently, but refuse text where more than a trace of bytes did not decode."""
    text = data.decode(encoding, errors="replace")
    if text.count("\ufffd") > max(1, len(text) * _MAX_REPLACEMENT_RATIO):
        raise ReadError(f"{path}: cannot be decoded as {encoding} (binary file or mixed encodings)")
    return _checked(text, path)


def _checked(text: str, path: Path) -> str:
    """Refuse decoded text that is really binary data (NULs or many control characters)."""
    sample = text[:_BINARY_SAMPLE]
    if "\x00" in sample or len(_CONTROL.findall(sample)) > len(sample) * _MAX_CONTROL_RATIO:
        raise ReadError(f"{path}: looks like a binary file, not text")
    return text


def read_text_file(path: Path) -> Decoded:
    """Plain text in any supported encoding."""
    return decode_bytes(_read_bytes(path), path)


def read_markdown_file(path: Path) -> Decoded:
    """Markdown: as text, with heading markers (``## 一、…``) removed so the words remain."""
    text, encoding = read_text_file(path)
    return _MD_HEADING.sub(r"\1", text), encoding


def _plain(read: Callable[[Path], Decoded]) -> Callable[[Path], RawDocument]:
    def reader(path: Path) -> RawDocument:
        text, encoding = read(path)
        return RawDocument(text, encoding)

    return reader


def _lazy(module: str, name: str) -> Callable[[Path], RawDocument]:
    """A reader imported on first use: python-docx, PDFium and trafilatura cost start-up time that
    commands which never read a file (``qa ask``) should not pay."""

    def reader(path: Path) -> RawDocument:
        read: Callable[[Path], RawDocument] = getattr(importlib.import_module(module), name)
        return read(path)

    return reader


_FORMAT_READERS: dict[str, Callable[[Path], RawDocument]] = {
    ".txt": _plain(read_text_file),
    ".md": _plain(read_markdown_file),
    ".docx": _lazy("index.formats.word", "read_docx"),
    ".pdf": _lazy("index.formats.pdf", "read_pdf"),
    ".html": _lazy("index.formats.web", "read_html"),
    ".htm": _lazy("index.formats.web", "read_html"),
    **dict.fromkeys((".doc", ".wps", ".rtf", ".odt"), _lazy("index.formats.office", "read_via_libreoffice")),
}
#: Suffixes (lower case, with the dot) that :func:`parse_document` accepts.
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMAT_READERS)


def _check_size(path: Path) -> None:
    """A missing, unreadable, empty or too large file is a :class:`ReadError` naming it (nothing is read)."""
    try:
        if not path.is_file():
            raise IsADirectoryError(21, "is a directory") if path.exists() else FileNotFoundError(2, "no such file")
        check_size(path)
        empty = path.stat().st_size == 0
    except OSError as exc:
        raise ReadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if empty:
        raise ReadError(f"{path}: the file is empty")


def _read_bytes(path: Path) -> bytes:
    _check_size(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise ReadError(f"{path}: the file is empty")
    return data


def read_raw(path: Path) -> RawDocument:
    """The file's lines and format facts, by suffix (raises :class:`ReadError`)."""
    reader = _FORMAT_READERS.get(path.suffix.lower())
    if reader is None:
        raise ReadError(unsupported_reason(path, SUPPORTED_SUFFIXES))
    _check_size(path)
    try:
        return reader(path)
    except FormatError as exc:
        raise ReadError(str(exc)) from exc


def iter_documents(paths: Sequence[Path]) -> list[Path]:
    """The files to read among ``paths`` (folders expanded recursively; see ``index.listing``)."""
    return list(list_documents(paths, SUPPORTED_SUFFIXES).files)


def document_fingerprint(path: Path) -> str:
    """sha256 of the file's bytes plus its ``speeches.toml`` entry, if any: a changed entry
    makes the indexer read the file again; without one the hash is the plain content hash.

    An oversized file is refused before it is read (it used to be read whole here first), and
    the bytes are hashed in blocks, never held in memory.
    """
    check_size(path)
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    try:
        digest.update(meta_fingerprint(path))
    except MetadataError as exc:
        raise ReadError(str(exc)) from exc
    return digest.hexdigest()


def parse_document(path: Path) -> ParsedDocument:
    """Read one file into cleaned, structured speeches (raises :class:`ReadError`).

    Chunks are left empty: cutting them is the indexer's step (:func:`index.chunker.chunk_document`),
    so reading never depends on the index's chunk size. Each speech keeps where its pages start
    (``Speech.page_marks``), so chunks cut later still know their pages.
    """
    raw = read_raw(path)
    cleaned = clean_text(raw.text.replace("\r\n", "\n").replace("\r", "\n"), raw.joins)
    dropped = list(raw.dropped) + cleaned.dropped
    drafts = split_speeches(cleaned.paragraphs, raw.title or path.stem, dropped)
    if not drafts:
        raise ReadError(f"{path}: no speech text found (the file holds only titles or page furniture)")
    speeches = []
    for draft in drafts:
        lines = LineMap.build(draft.paragraphs, draft.origins)
        sections = build_outline(draft.text, lines.headings(raw.headings))
        dated = _dating(draft.date, draft.date_source, raw, len(drafts), path)
        speeches.append(Speech(draft.title, dated.date, draft.text, sections, title_derived=draft.title_derived,
                               source_name=path.name, subtitle=draft.subtitle, venue=draft.venue,
                               date_source=dated.source, page_marks=lines.page_marks(raw.pages)))
    try:
        meta = meta_for(path)
        if meta is not None:
            apply_meta(speeches, meta, path)
    except MetadataError as exc:
        raise ReadError(str(exc)) from exc
    return ParsedDocument(path, raw.encoding, speeches, dropped)


def _dating(date: str | None, source: str | None, raw: RawDocument, speeches: int, path: Path) -> Dating:
    """The text's own date wins; then the file's metadata (one speech only); then a year in the file name."""
    if date:
        return Dating(date, source)
    if raw.date and speeches == 1:
        return Dating(raw.date, "metadata")
    return date_from_file_name(path.name)
