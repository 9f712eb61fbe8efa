"""Folders: walked recursively; lock/temp/hidden files ignored; every other file read or listed with its reason."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from _index_fakes import FakeEncoder

from index.indexer import Indexer
from index.listing import is_ignored, list_documents
from index.reader import SUPPORTED_SUFFIXES
from qa.render import report_to_json
from qa.settings import Settings
from tests._docx import p, write_docx
from tests._pdf import write_locked_pdf

BODY = "要坚持以人民为中心的发展思想，把各项工作落到实处，推动全区经济社会高质量发展。" * 3


def make_folder(root: Path) -> dict[str, Path]:
    """Good speeches under Chinese folder names with spaces, and every kind of bad or ignorable file."""
    sub = root / "讲话 材料" / "2023 年"
    sub.mkdir(parents=True)
    files = {
        "txt": sub / "在全区 工作会议上的讲话.txt",
        "docx": root / "讲话 材料" / "党建 讲话.docx",
        "empty_docx": root / "空白.docx",
        "zip_docx": root / "损坏.docx",
        "locked_pdf": root / "加密 文件.pdf",
        "image": sub / "合影.png",
        "sheet": root / "名单.xlsx",
    }
    files["txt"].write_text(f"在全区工作会议上的讲话\n同志们：\n{BODY}\n", encoding="utf-8")
    write_docx(files["docx"], p("在党建工作会议上的讲话") + p("同志们：") + p(BODY))
    files["empty_docx"].write_bytes(b"")
    with zipfile.ZipFile(files["zip_docx"], "w") as z:
        z.writestr("hello.txt", "not a word document")
    write_locked_pdf(files["locked_pdf"])
    files["image"].write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    files["sheet"].write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    for ignorable in ("~$党建 讲话.docx", "~WRL0001.tmp", "下载中.crdownload", "讲话.txt~", ".DS_Store"):
        (root / ignorable).write_bytes(b"\x00" * 16)
    (root / ".git").mkdir()
    (root / ".git" / "config.txt").write_text("x", encoding="utf-8")
    return files


@pytest.mark.parametrize(("name", "ignored"), [
    ("~$讲话.docx", True), (".~lock.讲话.docx#", True), ("~WRL0001.tmp", True), ("x.tmp", True), ("a.txt~", True),
    ("Thumbs.db", True), ("x.swp", True), ("讲话.docx", False), ("~讲话.docx", False), ("report.pdf", False)])
def test_ignored_names(name: str, ignored: bool) -> None:
    assert is_ignored(name) is ignored


def test_listing_reads_supported_and_reports_the_rest(tmp_path: Path) -> None:
    files = make_folder(tmp_path)
    listing = list_documents([tmp_path], SUPPORTED_SUFFIXES)
    readable = {files[k] for k in ("txt", "docx", "empty_docx", "zip_docx", "locked_pdf")}
    assert set(listing.files) == readable and list(listing.files) == sorted(readable)
    reasons = dict(listing.skipped)
    assert set(reasons) == {files["image"], files["sheet"]}
    assert "unsupported file type '.png'" in reasons[files["image"]] and str(files["image"]) in reasons[files["image"]]


def test_build_indexes_the_good_files_and_lists_each_bad_one(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    files = make_folder(folder)
    settings = Settings(data_dir=tmp_path / "data")
    report = Indexer(settings.index_config, lambda s, n: FakeEncoder(), fingerprint=lambda s: "fp").build([folder])
    assert sorted(report.added) == sorted(str(files[k].resolve()) for k in ("txt", "docx"))
    why = {Path(path).name: reason for path, reason in report.skipped}
    assert set(why) == {"空白.docx", "损坏.docx", "加密 文件.pdf", "合影.png", "名单.xlsx"}
    assert "empty" in why["空白.docx"]
    assert "not a readable Word .docx file" in why["损坏.docx"]
    assert "password-protected" in why["加密 文件.pdf"]
    assert "unsupported file type '.png'" in why["合影.png"]
    assert all("Traceback" not in r for r in why.values())
    data = report_to_json(report)
    assert data["counts"]["skipped"] == 5 and data["counts"]["added"] == 2
    assert {Path(s["path"]).name for s in data["skipped"]} == set(why)
    assert not any(s["reason"].startswith(s["path"]) for s in data["skipped"])  # the path is not repeated


def test_add_and_sync_report_unread_files_too(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    make_folder(folder)
    settings = Settings(data_dir=tmp_path / "data")
    indexer = Indexer(settings.index_config, lambda s, n: FakeEncoder(), fingerprint=lambda s: "fp")
    added = indexer.add([folder])
    synced = indexer.sync(folder)
    assert len(added.added) == 2 and len(added.skipped) == 5
    assert len(synced.unchanged) == 2 and len(synced.skipped) == 5  # broken files are tried again and listed again
    assert {Path(path).suffix for path, _ in synced.skipped} == {".png", ".xlsx", ".docx", ".pdf"}
