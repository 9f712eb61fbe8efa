"""Turn one user file into a :class:`ParsedDocument`: read, decode, clean, split, structure.

Users drop whatever they have into a folder, so every failure a file can cause (unreadable,
binary, undecodable, unsupported, empty) becomes a :class:`ReadError` naming the file; the
caller reports it and goes on with the other files. Formats plug in through
``_FORMAT_READERS``: one function per suffix returning the decoded text, so .docx, .pdf and
.html readers can be added later without touching the pipeline after them.
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path

import charset_normalizer

from index.clean import clean_text
from index.dating import Dating, date_from_file_name
from index.document import ParsedDocument, Speech
from index.errors import ReadError
from index.filesize import MAX_FILE_BYTES, check_size
from index.meta import MetadataError, apply_meta, meta_fingerprint, meta_for
from index.split import split_speeches
from index.structure import build_outline

#: Files larger than this are refused with a message rather than read into memory (index/filesize.py).
MAX_BYTES = MAX_FILE_BYTES
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


_FORMAT_READERS: dict[str, Callable[[Path], Decoded]] = {
    ".txt": read_text_file,
    ".md": read_markdown_file,
}
#: Suffixes (lower case, with the dot) that :func:`parse_document` accepts.
SUPPORTED_SUFFIXES: frozenset[str] = frozenset(_FORMAT_READERS)


def _read_bytes(path: Path) -> bytes:
    try:
        check_size(path)
        data = path.read_bytes()
    except OSError as exc:
        raise ReadError(f"{path}: cannot be read ({exc.strerror or exc})") from exc
    if not data.strip():
        raise ReadError(f"{path}: the file is empty")
    return data


def iter_documents(paths: Sequence[Path]) -> list[Path]:
    """Expand folders (recursively) to the supported files in them; sorted, without duplicates.

    Files named explicitly are kept whatever their suffix, so that parsing them reports
    "unsupported file type" instead of skipping them silently.
    """
    found: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found.update(
                p
                for p in path.rglob("*")
                if p.is_file()
                and p.suffix.lower() in SUPPORTED_SUFFIXES
                and not any(part.startswith(".") for part in p.relative_to(path).parts)
            )
        else:
            found.add(path)
    return sorted(found)


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
    so reading never depends on the index's chunk size.
    """
    reader = _FORMAT_READERS.get(path.suffix.lower())
    if reader is None:
        supported = ", ".join(sorted(SUPPORTED_SUFFIXES))
        raise ReadError(f"{path}: unsupported file type '{path.suffix or '(none)'}' (supported: {supported})")
    raw, encoding = reader(path)
    cleaned = clean_text(raw.replace("\r\n", "\n").replace("\r", "\n"))
    dropped = list(cleaned.dropped)
    drafts = split_speeches(cleaned.paragraphs, path.stem, dropped)
    if not drafts:
        raise ReadError(f"{path}: no speech text found (the file holds only titles or page furniture)")
    speeches = []
    for draft in drafts:
        dated = Dating(draft.date, draft.date_source) if draft.date else date_from_file_name(path.name)
        speeches.append(Speech(draft.title, dated.date, draft.text, build_outline(draft.text),
                               title_derived=draft.title_derived, source_name=path.name, subtitle=draft.subtitle,
                               venue=draft.venue, date_source=dated.source))
    try:
        meta = meta_for(path)
        if meta is not None:
            apply_meta(speeches, meta, path)
    except MetadataError as exc:
        raise ReadError(str(exc)) from exc
    return ParsedDocument(path, encoding, speeches, dropped)
