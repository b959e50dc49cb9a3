"""A drafted report laid out as a Word document in the form of Decree 30/2020/NĐ-CP: A4,
Times New Roman, margins top and bottom 20 mm, left 30 mm, right 15 mm; the issuer and the
nation's name side by side at the top, the signature block at the end, page numbers from the
second page on."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from docx.table import Table as DocxTable
from docx.table import _Cell
from docx.text.paragraph import Paragraph

from handlers.front_report import Draft
from handlers.report_parts import Section, Table

FONT = "Times New Roman"
BODY_PT = 14
HEADER_PT = 13
TABLE_PT = 12
SMALL_PT = 11
TEXT_WIDTH_CM = 21.0 - 3.0 - 1.5
LANGUAGE = "vi-VN"


def render(draft: Draft, chart_png: bytes | None = None) -> bytes:
    document = Document()
    _page(document)
    _styles(document)
    _header(document, draft)
    _title(document, draft)
    _body(document, draft.opening)
    for section in draft.sections:
        _section(document, section)
    _signature(document, draft)
    _annex(document, draft.annex, chart_png, draft.figure_caption)
    _properties(document, draft)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _page(document: DocumentObject) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)
    section.top_margin = section.bottom_margin = Cm(2.0)
    section.left_margin, section.right_margin = Cm(3.0), Cm(1.5)
    section.different_first_page_header_footer = True
    number = section.header.paragraphs[0]
    number.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _page_field(number)


def _page_field(paragraph: Paragraph) -> None:
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "2"
    run.append(text)
    field.append(run)
    paragraph._p.append(field)


def _styles(document: DocumentObject) -> None:
    normal = document.styles["Normal"]
    font = normal.font
    font.name = FONT
    font.size = Pt(BODY_PT)
    properties = normal.element.get_or_add_rPr()
    fonts = properties.get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:cs", "w:eastAsia"):
        fonts.set(qn(attribute), FONT)
    language = OxmlElement("w:lang")
    language.set(qn("w:val"), LANGUAGE)
    properties.append(language)
    spacing = normal.paragraph_format
    spacing.space_before = Pt(0)
    spacing.space_after = Pt(6)
    spacing.line_spacing = 1.15


def _line(
    container: DocumentObject | _Cell,
    text: str,
    *,
    size: int = BODY_PT,
    bold: bool = False,
    italic: bool = False,
    underline: bool = False,
    align: WD_ALIGN_PARAGRAPH = WD_ALIGN_PARAGRAPH.CENTER,
    after: int = 0,
) -> Paragraph:
    paragraph = container.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(after)
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    run.bold, run.italic, run.underline = bold, italic, underline
    return paragraph


def _borderless(document: DocumentObject, widths: tuple[float, float]) -> DocxTable:
    table: DocxTable = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(table, widths)
    for cell in table.rows[0].cells:
        # A new cell holds one empty paragraph; the lines are added after it, so drop it.
        cell._tc.remove(cell.paragraphs[0]._p)
    return table


def _set_widths(table: DocxTable, widths: tuple[float, ...]) -> None:
    """Widths on the grid and on every cell: Word reads the cells, LibreOffice the grid."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Cm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Cm(width)


def _column_widths(count: int) -> tuple[float, ...]:
    """The first column (a name) and the last of a long table (organizations) get room."""
    if count <= 2:
        return (TEXT_WIDTH_CM / count,) * count
    if count >= 6:
        first, last = 4.0, 3.5
        middle = (TEXT_WIDTH_CM - first - last) / (count - 2)
        return (first, *([middle] * (count - 2)), last)
    first = 5.5
    rest = (TEXT_WIDTH_CM - first) / (count - 1)
    return (first, *([rest] * (count - 1)))


def _header(document: DocumentObject, draft: Draft) -> None:
    table = _borderless(document, (6.5, TEXT_WIDTH_CM - 6.5))
    left, right = table.rows[0].cells
    front, unit, board = draft.issuer
    _line(left, front, size=HEADER_PT)
    _line(left, unit, size=HEADER_PT, bold=True)
    _line(left, board, size=HEADER_PT, bold=True, underline=True, after=6)
    _line(left, draft.number_line, size=HEADER_PT)
    nation, motto = draft.nation
    _line(right, nation, size=12, bold=True)
    _line(right, motto, size=HEADER_PT, bold=True, underline=True, after=6)
    _line(right, draft.place_and_date, size=HEADER_PT, italic=True)


def _title(document: DocumentObject, draft: Draft) -> None:
    heading, subtitle = draft.title
    first = _line(document, heading, bold=True)
    first.paragraph_format.space_before = Pt(18)
    _line(document, subtitle, bold=True, after=12)


def _body(container: DocumentObject, text: str, *, bold: bool = False) -> Paragraph:
    paragraph = container.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    paragraph.paragraph_format.first_line_indent = Cm(1.0)
    run = paragraph.add_run(text)
    run.bold = bold
    return paragraph


def _section(document: DocumentObject, section: Section, *, level: int = 1) -> None:
    heading = _body(document, section.heading, bold=True)
    heading.paragraph_format.keep_with_next = True
    if level == 1:
        heading.paragraph_format.space_before = Pt(6)
    for text in section.paragraphs:
        _body(document, text)
    if section.table is not None:
        _table(document, section.table)
    for text in section.after_table:
        _body(document, text)
    for part in section.parts:
        _section(document, part, level=level + 1)


def _table(document: DocumentObject, table: Table) -> None:
    rows = [table.headings, *table.rows, *([table.total] if table.total else [])]
    grid = document.add_table(rows=len(rows), cols=len(table.headings))
    grid.style = "Table Grid"
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    _set_widths(grid, _column_widths(len(table.headings)))
    last = len(rows) - 1
    for number, values in enumerate(rows):
        bold = number == 0 or (table.total is not None and number == last)
        for column, (cell, value) in enumerate(zip(grid.rows[number].cells, values, strict=True)):
            paragraph = cell.paragraphs[0]
            paragraph.paragraph_format.space_after = Pt(0)
            paragraph.alignment = (
                WD_ALIGN_PARAGRAPH.LEFT if column == 0 and number else WD_ALIGN_PARAGRAPH.CENTER
            )
            run = paragraph.add_run(value)
            run.font.size = Pt(TABLE_PT)
            run.bold = bold
    _mark_header_row(grid)
    document.add_paragraph().paragraph_format.space_after = Pt(0)


def _mark_header_row(grid: DocxTable) -> None:
    """The headings repeat at the top of each page a long table runs onto."""
    properties = grid.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    properties.append(repeat)


def _figure(document: DocumentObject, png: bytes, caption: str) -> None:
    document.add_picture(io.BytesIO(png), width=Cm(TEXT_WIDTH_CM))
    document.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    _line(document, caption, size=TABLE_PT, italic=True, after=12)


def _signature(document: DocumentObject, draft: Draft) -> None:
    table = _borderless(document, (TEXT_WIDTH_CM / 2, TEXT_WIDTH_CM / 2))
    left, right = table.rows[0].cells
    heading, *recipients = draft.recipients
    _line(left, heading, size=12, bold=True, italic=True, align=WD_ALIGN_PARAGRAPH.LEFT)
    for recipient in recipients:
        _line(left, recipient, size=SMALL_PT, align=WD_ALIGN_PARAGRAPH.LEFT)
    on_behalf, title = draft.signature
    _line(right, on_behalf, size=BODY_PT, bold=True)
    _line(right, title, size=BODY_PT, bold=True)
    for _ in range(4):  # room for the signature and the seal
        _line(right, "")
    note = _line(document, draft.draft_note, size=SMALL_PT, italic=True)
    note.paragraph_format.space_before = Pt(12)


def _annex(document: DocumentObject, annex: Section, chart_png: bytes | None, caption: str) -> None:
    document.add_section(WD_SECTION.NEW_PAGE)
    for number, line in enumerate(annex.heading.split("\n")):
        _line(document, line, bold=True, after=12 if number else 0)
    if chart_png:
        _figure(document, chart_png, caption)
    if annex.table is not None and annex.table.rows:
        _table(document, annex.table)
    for text in annex.after_table:
        _body(document, text)


def _properties(document: DocumentObject, draft: Draft) -> None:
    properties = document.core_properties
    properties.title = f"{draft.title[0]} {draft.title[1]}"
    properties.author = f"{draft.issuer[2]} {draft.issuer[0]} {draft.issuer[1]}"
    properties.language = LANGUAGE
