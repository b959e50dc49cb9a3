"""The workbook and the CSV export: what an officer opens in Excel, read back cell by cell."""

from __future__ import annotations

import io

import openpyxl
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet
from sqlalchemy import func, select, update

from handlers.periods import month_period
from storage import files, units
from storage.demo import head_external_id
from storage.enums import ReportKind
from storage.models import Person, Report, Unit
from tests.cli import exported
from tests.officers import COMMUNE_DEPUTY, file_incident
from tests.support import HEAD, Harness

NOVEMBER_WEEKS = [
    "tuần 44 (26/10 - 01/11/2026)",
    "tuần 45 (02/11 - 08/11/2026)",
    "tuần 46 (09/11 - 15/11/2026)",
    "tuần 47 (16/11 - 22/11/2026)",
    "tuần 48 (23/11 - 29/11/2026)",
    "tuần 49 (30/11 - 06/12/2026)",
]


async def file_located_incident(harness: Harness) -> int:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    await harness.tap(HEAD, "An toàn giao thông")
    await harness.tap(HEAD, "Không khẩn")
    await harness.say(HEAD, "Cây đổ chắn đường liên thôn")
    await harness.tap(HEAD, "Hôm nay")
    await harness.location(HEAD, 22.2801, 105.8652)
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Gửi báo cáo")
    return (await harness.reports())[-1].id


async def file_placed_incident(harness: Harness) -> int:
    await harness.say(HEAD, "/menu")
    await harness.say(HEAD, "bao su viec")
    await harness.say(HEAD, "moi truong")
    await harness.say(HEAD, "khong khan")
    await harness.say(HEAD, "Khói đốt rơm rạ bay vào trường học")
    await harness.say(HEAD, "hom nay")
    await harness.say(HEAD, "cổng trường tiểu học")
    await harness.say(HEAD, "bo qua")
    await harness.say(HEAD, "gui bao cao")
    return (await harness.reports())[-1].id


async def file_activity(harness: Harness) -> int:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo hoạt động mô hình")
    await harness.tap(HEAD, "Tiếng mõ an ninh (Hội Cựu chiến binh)")
    await harness.say(HEAD, "Tuần tra đêm, thử hiệu lệnh mõ")
    await harness.tap(HEAD, "Hôm nay")
    await harness.say(HEAD, "18")
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Gửi báo cáo")
    return (await harness.reports(kind=ReportKind.ACTIVITY))[-1].id


async def confidential_in_november(harness: Harness) -> int:
    """Counted independently of the workbook's query: the commune's hamlets, November's weeks."""
    async with harness.sessions() as session:
        commune = await units.resolve(session, "1969")
        hamlets = select(Unit.id).where(Unit.parent_id == commune.id)
        query = select(func.count(Report.id)).where(
            Report.sensitive.is_(True),
            Report.withdrawn_at.is_(None),
            Report.unit_id.in_(hamlets),
            Report.week.in_(month_period(2026, 11).weeks),
        )
        return int((await session.execute(query)).scalar_one())


async def export_this_month(harness: Harness, officer: str) -> dict[str, Worksheet]:
    await harness.say(officer, "/menu")
    await harness.tap(officer, "Xuất Excel")
    replies = await harness.tap(officer, "Tháng này")
    document = next(r.attachment for r in replies if r.attachment is not None)
    async with harness.sessions() as session:
        stored = await files.load(session, document.file_id)
    assert stored is not None
    book = load_workbook(io.BytesIO(stored.content))
    return {name: book[name] for name in book.sheetnames}


def table(sheet: Worksheet) -> list[dict[str, object]]:
    """The rows under the header, up to the first empty row, keyed by the header's words."""
    rows = list(sheet.iter_rows(values_only=True))
    header = [str(cell) for cell in rows[0]]
    found: list[dict[str, object]] = []
    for row in rows[1:]:
        if all(cell is None for cell in row):
            break
        found.append(dict(zip(header, row, strict=True)))
    return found


async def test_the_workbook_shows_place_coordinates_and_the_models_name_and_organization(
    harness: Harness,
) -> None:
    located = await file_located_incident(harness)
    placed = await file_placed_incident(harness)
    activity = await file_activity(harness)
    sheets = await export_this_month(harness, COMMUNE_DEPUTY)

    rows = {row["Số"]: row for row in table(sheets["Báo cáo"])}
    assert (rows[located]["Vĩ độ"], rows[located]["Kinh độ"]) == (22.2801, 105.8652)
    assert rows[located]["Địa điểm"] is None
    assert rows[placed]["Địa điểm"] == "cổng trường tiểu học"
    assert (rows[placed]["Vĩ độ"], rows[placed]["Kinh độ"]) == (None, None)
    assert rows[activity]["Loại sự việc / mô hình"] == "Tiếng mõ an ninh"
    assert rows[activity]["Tổ chức xây dựng"] == "Hội Cựu chiến binh"
    assert rows[activity]["Số người"] == 18
    assert not any(row["Loại sự việc / mô hình"] == "tieng_mo" for row in rows.values())


async def test_an_officer_without_the_confidential_right_sees_confidential_reports_as_a_count(
    harness: Harness,
) -> None:
    secret = await file_incident(harness, "Tệ nạn xã hội", "Ổ cờ bạc sau nhà văn hóa", urgent=False)
    ordinary = await file_placed_incident(harness)
    count = await confidential_in_november(harness)
    assert count >= 1
    sheets = await export_this_month(harness, COMMUNE_DEPUTY)

    reports = sheets["Báo cáo"]
    rows = table(reports)
    assert ordinary in {row["Số"] for row in rows}
    assert secret not in {row["Số"] for row in rows}
    assert not any(row["Loại sự việc / mô hình"] == "Tệ nạn xã hội" for row in rows)
    every_cell = [str(c) for row in reports.iter_rows(values_only=True) for c in row if c]
    assert not any("cờ bạc" in cell for cell in every_cell)
    assert f"Ngoài ra có {count} báo cáo bảo mật (chỉ báo số lượng)." in every_cell
    # The autofilter covers the table, not the count below it.
    assert reports.auto_filter.ref == f"A1:P{len(rows) + 1}"


async def test_every_table_sheet_has_an_autofilter_and_a_frozen_header(harness: Harness) -> None:
    sheets = await export_this_month(harness, COMMUNE_DEPUTY)
    assert list(sheets) == ["Báo cáo", "Báo cáo theo tuần", "Mô hình"]
    for name, sheet in sheets.items():
        last = len(table(sheet)) + 1
        assert sheet.auto_filter.ref is not None, name
        assert sheet.auto_filter.ref.startswith("A1:") and sheet.auto_filter.ref.endswith(
            f"{last}"
        ), name
        assert sheet.freeze_panes in ("A2", "B2"), name
    assert sheets["Báo cáo theo tuần"].freeze_panes == "B2"
    assert sheets["Báo cáo"]["P1"].value == "Người báo"


async def test_the_november_workbook_has_every_iso_week_with_a_day_in_november(
    harness: Harness,
) -> None:
    """1/11/2026 is a Sunday and 30/11 a Monday: weeks 44 and 49 are partly November's."""
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Tuần này bình thường")
    sheets = await export_this_month(harness, COMMUNE_DEPUTY)

    weekly = sheets["Báo cáo theo tuần"]
    header = [cell.value for cell in weekly[1]]
    assert header == ["Đơn vị", *NOVEMBER_WEEKS]
    na_phai = next(row for row in table(weekly) if str(row["Đơn vị"]).endswith("thôn Nà Phải"))
    assert na_phai["tuần 48 (23/11 - 29/11/2026)"] == "bình thường"
    # Made on 27/11, before week 49 began: nobody was late for it yet.
    assert na_phai["tuần 49 (30/11 - 06/12/2026)"] is None
    assert weekly.auto_filter.ref == f"A1:G{len(table(weekly)) + 1}"


async def test_the_csv_export_has_place_coordinates_and_the_models_name(
    harness: Harness, database_url: str
) -> None:
    located = await file_located_incident(harness)
    placed = await file_placed_incident(harness)
    activity = await file_activity(harness)

    rows = {row["id"]: row for row in exported(database_url)}
    assert (rows[str(located)]["latitude"], rows[str(located)]["longitude"]) == (
        "22.280100",
        "105.865200",
    )
    assert rows[str(placed)]["place"] == "cổng trường tiểu học"
    assert rows[str(placed)]["latitude"] == rows[str(placed)]["longitude"] == ""
    assert rows[str(activity)]["category"] == "tieng_mo"
    assert rows[str(activity)]["model"] == "Tiếng mõ an ninh"
    assert rows[str(activity)]["organization"] == "Hội Cựu chiến binh"
    assert rows[str(located)]["model"] == rows[str(located)]["organization"] == ""


HYPERLINK = '=HYPERLINK("http://evil","x")'
NA_MO = head_external_id("Nà Mò")


async def rename(harness: Harness, user: str, name: str) -> None:
    person = await harness.person(user)
    async with harness.sessions() as session, session.begin():
        await session.execute(update(Person).where(Person.id == person.id).values(full_name=name))


async def file_formula_lookalikes(harness: Harness) -> dict[str, int]:
    """Reports whose text or reporter's name a spreadsheet would read as a formula, and one
    placed south of the equator, whose latitude is a negative number."""
    await rename(harness, HEAD, "+cmd")
    await rename(harness, NA_MO, "@SUM(1)")
    found = {
        "hyperlink": await file_incident(harness, "An toàn giao thông", HYPERLINK, urgent=False),
        "at": await file_incident(
            harness, "Môi trường", "Khói đốt rơm rạ", urgent=False, user=NA_MO
        ),
    }
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Báo sự việc")
    await harness.tap(HEAD, "An toàn giao thông")
    await harness.tap(HEAD, "Không khẩn")
    await harness.say(HEAD, "-1 cầu tràn bị cuốn trôi")
    await harness.tap(HEAD, "Hôm nay")
    await harness.location(HEAD, -22.2801, 105.8652)
    await harness.tap(HEAD, "Bỏ qua")
    await harness.tap(HEAD, "Gửi báo cáo")
    found["minus"] = (await harness.reports())[-1].id
    # What is typed is trimmed (storage.text.clean): a leading tab or carriage return is
    # written to the stored reports directly.
    found["tab"] = await file_incident(
        harness, "Môi trường", "Rác đổ cạnh suối đầu thôn", urgent=False
    )
    found["return"] = await file_incident(
        harness, "Môi trường", "Khói bay vào lớp học", urgent=False
    )
    async with harness.sessions() as session, session.begin():
        for key, text in (("tab", "\t=1+1"), ("return", "\r=2+2")):
            await session.execute(update(Report).where(Report.id == found[key]).values(text=text))
    return found


async def test_text_that_looks_like_a_formula_is_a_text_cell_in_the_workbook(
    harness: Harness,
) -> None:
    found = await file_formula_lookalikes(harness)
    sheet = (await export_this_month(harness, COMMUNE_DEPUTY))["Báo cáo"]

    header = [cell.value for cell in sheet[1]]
    text_at, reporter_at = header.index("Nội dung"), header.index("Người báo")
    latitude_at = header.index("Vĩ độ")
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2) if row[0].value}
    expected = {
        found["hyperlink"]: (HYPERLINK, "+cmd"),
        found["at"]: ("Khói đốt rơm rạ", "@SUM(1)"),
        found["minus"]: ("-1 cầu tràn bị cuốn trôi", "+cmd"),
        found["tab"]: ("\t=1+1", "+cmd"),
        found["return"]: ("\r=2+2", "+cmd"),
    }
    for report_id, (text, reporter) in expected.items():
        for cell, typed in (
            (rows[report_id][text_at], text),
            (rows[report_id][reporter_at], reporter),
        ):
            # openpyxl writes through lxml (python-docx needs it), which keeps a carriage
            # return as typed; the standard library's writer gave back a line feed.
            assert openpyxl.LXML
            assert (cell.value, cell.data_type) == (typed, "s"), typed
            assert cell.quotePrefix is (typed != "Khói đốt rơm rạ"), typed
    latitude = rows[found["minus"]][latitude_at]
    assert (latitude.value, latitude.data_type) == (-22.2801, "n")
    assert rows[found["minus"]][0].data_type == "n"


async def test_text_that_looks_like_a_formula_is_quoted_in_the_csv(
    harness: Harness, database_url: str
) -> None:
    found = await file_formula_lookalikes(harness)

    rows = {row["id"]: row for row in exported(database_url)}
    assert rows[str(found["hyperlink"])]["text"] == "'" + HYPERLINK
    assert rows[str(found["hyperlink"])]["reporter"] == "'+cmd"
    assert rows[str(found["at"])]["reporter"] == "'@SUM(1)"
    assert rows[str(found["at"])]["text"] == "Khói đốt rơm rạ"
    assert rows[str(found["minus"])]["text"] == "'-1 cầu tràn bị cuốn trôi"
    assert rows[str(found["tab"])]["text"] == "'\t=1+1"
    # The pipe is read as text, which turns the carriage return into a line feed.
    assert rows[str(found["return"])]["text"] == "'\n=2+2"
    assert rows[str(found["minus"])]["latitude"] == "-22.280100"
    assert rows[str(found["minus"])]["unit_path"].startswith("tỉnh")
