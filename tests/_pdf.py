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


def write_locked_pdf(path: Path) -> Path:
    """A PDF encrypted with the standard security handler and an unknown user password.

    PDFium checks the empty password against /U; random /O and /U never match, so the file
    opens only with a password nobody has – what a user's protected PDF looks like to us.
    """
    import os

    def hexstr(data: bytes) -> str:
        return "<" + data.hex() + ">"

    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
        f"<< /Filter /Standard /V 1 /R 2 /O {hexstr(os.urandom(32))} /U {hexstr(os.urandom(32))} /P -4 >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += f"{n} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += "".join(f"{o:010d} 00000 n \n" for o in offsets).encode()
    ident = hexstr(os.urandom(16))
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R /Encrypt 4 0 R /ID [{ident} {ident}] >>\n"
            f"startxref\n{xref}\n%%EOF\n").encode()
    path.write_bytes(bytes(out))
    return path
