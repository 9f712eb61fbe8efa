"""Write small PDFs with PDFium (Latin text in a standard font) so tests control the layout exactly."""

from __future__ import annotations

import ctypes
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

WIDTH, HEIGHT = 595.0, 842.0  # A4 in points


def write_pdf(path: Path, pages: list[list[tuple[float, float, str]]], size: float = 10.0) -> Path:
    """One page per list of ``(x, baseline y, text)``; an empty list gives a page without text."""
    pdf = pdfium.PdfDocument.new()
    for lines in pages:
        page = pdf.new_page(WIDTH, HEIGHT)
        for x, y, text in lines:
            obj = pdfium_c.FPDFPageObj_NewTextObj(pdf.raw, b"Helvetica", ctypes.c_float(size))
            encoded = (text + "\x00").encode("utf-16-le")
            buffer = ctypes.create_string_buffer(encoded, len(encoded))
            pdfium_c.FPDFText_SetText(obj, ctypes.cast(buffer, ctypes.POINTER(pdfium_c.FPDF_WCHAR)))
            pdfium_c.FPDFPageObj_Transform(obj, 1, 0, 0, 1, x, y)
            pdfium_c.FPDFPage_InsertObject(page.raw, obj)
        pdfium_c.FPDFPage_GenerateContent(page.raw)
        page.close()
    pdf.save(str(path))
    pdf.close()
    return path
