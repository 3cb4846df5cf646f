"""Card sheets of any length, fast (SPEC C2; issue 17: 1,000 cards in under 10 s).

Every card of a range carries the same face — the shop, the blanks, the promise, the hotlines —
and differs only in its serial and its QR code. So WeasyPrint lays out ONE A4 page of ten card
faces (``pdf/card_faces.html``, the cards at fixed positions from ``GEOMETRY``), and each sheet
page is a copy of it (pypdf) with one small content stream drawn over it: the ten serials in
Helvetica-Bold and the ten QR codes as filled rectangles (one per run of dark modules), so no
page is laid out twice. QR codes use a fixed mask (segno's mask 0): choosing the best of eight
costs five times as much, and a fixed mask is a valid code for every reader.

``render(card_range, base_url, first, last, progress)`` returns the PDF bytes; ``progress(done,
total)`` is called after each page. Sizes are millimetres unless named otherwise.
"""
from __future__ import annotations

import io
import os
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass

PT_PER_MM = 72 / 25.4
CARDS_PER_PAGE = 10


@dataclass(frozen=True)
class Geometry:
    """Where the cards sit on an A4 page (mm from the top-left corner)."""

    page_w: float = 210
    page_h: float = 297
    left: float = 10  # first column's left edge
    top: float = 7  # first row's top edge
    card_w: float = 90
    card_h: float = 54
    gap_x: float = 10
    gap_y: float = 3
    border: float = 0.3
    inset: float = 3  # the QR code's and the serial's distance from the card's inner edge
    qr: float = 24  # QR code side, quiet zone included

    def card_origin(self, i: int) -> tuple[float, float]:
        """Top-left corner of the i-th card of a page (0–9: left, right, left, right …)."""
        return self.left + (i % 2) * (self.card_w + self.gap_x), self.top + (i // 2) * (self.card_h + self.gap_y)

    def positions(self) -> list[dict]:
        """The ten cards' positions, for the face template."""
        return [{"x": x, "y": y} for x, y in (self.card_origin(i) for i in range(CARDS_PER_PAGE))]


GEOMETRY = Geometry()
# Helvetica-Bold advance widths (1/1000 em) of the characters a serial line uses.
_WIDTHS = {**{str(d): 556 for d in range(10)}, "N": 722, "o": 611, ".": 278, " ": 278}
SERIAL_PT = 9
_DARK_RUN = re.compile(b"[\x01-\xff]+")  # segno's matrix: 0 light, anything else dark
PARALLEL_FROM = 200  # cards; from here the overlays are drawn by a pool of processes


def _serial_ops(text: str, right_mm: float, top_mm: float, g: Geometry) -> str:
    width_pt = sum(_WIDTHS.get(c, 556) for c in text) * SERIAL_PT / 1000
    x = right_mm * PT_PER_MM - width_pt
    y = (g.page_h - top_mm) * PT_PER_MM - SERIAL_PT * 0.8  # baseline below the top edge
    return f"BT /CSerial {SERIAL_PT} Tf {x:.2f} {y:.2f} Td ({text}) Tj ET\n"


def _qr_ops(url: str, x_mm: float, y_mm: float, g: Geometry) -> str:
    """Rectangles for the dark modules of ``url``'s QR code in the box at (x, y) from the top-left."""
    import segno

    matrix = segno.make(url, error="m", mask=0, boost_error=False).matrix
    n = len(matrix) + 2  # one module of quiet zone on each side
    m = g.qr / n * PT_PER_MM  # module side in points
    x0, y0 = x_mm * PT_PER_MM + m, (g.page_h - y_mm) * PT_PER_MM - m
    h = m + 0.05  # a little overlap so neighbouring rows leave no hairline gaps on screen
    out = []
    for r, row in enumerate(matrix):
        y = y0 - (r + 1) * m
        for run in _DARK_RUN.finditer(bytes(row)):
            out.append(f"{x0 + run.start() * m:.2f} {y:.2f} {(run.end() - run.start()) * m:.2f} {h:.2f} re")
    return "\n".join(out) + "\nf\n"


def page_overlay(cards: list[dict], g: Geometry = GEOMETRY) -> bytes:
    """The content stream drawn over one page: serial and QR code of each of its (≤ 10) cards.

    ``cards``: dicts with ``serial`` (printed digits) and ``url`` (what the QR code encodes)."""
    ops = ["q 0 g\n"]
    for i, card in enumerate(cards):
        x, y = g.card_origin(i)
        inner_right = x + g.card_w - g.border - g.inset
        ops.append(_serial_ops(f"No. {card['serial']}", inner_right, y + g.border + 2.5, g))
        ops.append(_qr_ops(card["url"], inner_right - g.qr, y + g.card_h - g.border - g.inset - g.qr, g))
    ops.append("Q\n")
    return "".join(ops).encode("ascii")


def _overlays(chunks: list[list[dict]], g: Geometry):
    """Each page's overlay, in order: in this process for short sheets, else by one process per
    CPU (the QR codes are pure Python; the pages are independent), yielded as they complete."""
    if sum(len(c) for c in chunks) < PARALLEL_FROM or (os.cpu_count() or 1) < 2:
        for chunk in chunks:
            yield page_overlay(chunk, g)
        return
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    workers = min(os.cpu_count() or 1, 4)
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        yield from pool.map(page_overlay, chunks, [g] * len(chunks), chunksize=max(1, len(chunks) // (4 * workers)))


def render(face_pdf: bytes, cards: list[dict], progress: Callable[[int, int], None] | None = None,
           g: Geometry = GEOMETRY) -> bytes:
    """The sheet: ``face_pdf`` (one page of ten faces) once per ten ``cards``, each page with its
    overlay; the last page's unused faces are blanked out. Returns the PDF bytes."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, StreamObject

    face = PdfReader(io.BytesIO(face_pdf)).pages[0]
    writer = PdfWriter()
    font = writer._add_object(DictionaryObject({
        NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
        NameObject("/BaseFont"): NameObject("/Helvetica-Bold"), NameObject("/Encoding"): NameObject("/WinAnsiEncoding")}))
    # WeasyPrint's page leaves its own coordinate system in force (y downwards): the face is
    # wrapped in q … Q so the overlay draws in the PDF's default one (points, origin bottom-left).
    push, pop = StreamObject(), StreamObject()
    push._data, pop._data = b"q\n", b"\nQ\n"
    push, pop = writer._add_object(push), writer._add_object(pop)
    total = len(cards)
    chunks = [cards[i:i + CARDS_PER_PAGE] for i in range(0, total, CARDS_PER_PAGE)]
    for n, (chunk, data) in enumerate(zip(chunks, _overlays(chunks, g))):
        start = n * CARDS_PER_PAGE
        page = writer.add_page(face)
        if len(chunk) < CARDS_PER_PAGE:  # white boxes over the faces with no card
            blanks = []
            for i in range(len(chunk), CARDS_PER_PAGE):
                x, y = g.card_origin(i)
                blanks.append(f"{(x - 0.5) * PT_PER_MM:.2f} {(g.page_h - y - g.card_h - 0.5) * PT_PER_MM:.2f} "
                              f"{(g.card_w + 1) * PT_PER_MM:.2f} {(g.card_h + 1) * PT_PER_MM:.2f} re")
            data = b"q 1 g\n" + "\n".join(blanks).encode() + b"\nf\nQ\n" + data
        stream = StreamObject()
        stream._data = zlib.compress(data, 6)
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        contents = page.get("/Contents")
        existing = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([push, *existing, pop, writer._add_object(stream)])
        resources = page["/Resources"].get_object()
        fonts = resources.get("/Font")
        fonts = fonts.get_object() if fonts is not None else DictionaryObject()
        if "/CSerial" not in fonts:
            fonts[NameObject("/CSerial")] = font
            resources[NameObject("/Font")] = fonts
        if progress:
            progress(min(start + CARDS_PER_PAGE, total), total)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()
