"""The Front's report in Word: asked for in the officer's menu or by `tuquan report`, read back
with python-docx, its figures compared with the digest of the same period."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.document import Document as DocumentObject
from docx.table import Table
from sqlalchemy import func, select

from handlers import digest_text
from handlers.digest import build
from handlers.front_report import issue_date
from handlers.i18n import Translator
from handlers.periods import month_period, parse_period
from handlers.report_parts import period_words
from storage import files, units
from storage.models import AuditEntry, StoredFile
from tests.cli import tuquan
from tests.databases import TZ
from tests.officers import COMMUNE_DEPUTY, PROVINCE_OFFICER, file_incident
from tests.support import OFFICER, Harness, labels, text_of

NOVEMBER = month_period(2026, 11)
SECTIONS = (
    "I. TÌNH HÌNH CHUNG",
    "II. KẾT QUẢ THỰC HIỆN CÁC MÔ HÌNH TỰ QUẢN Ở CỘNG ĐỒNG DÂN CƯ",
    "III. TÌNH HÌNH AN NINH TRẬT TỰ, MÔI TRƯỜNG, AN TOÀN GIAO THÔNG VÀ CÁC LĨNH VỰC KHÁC",
    "IV. ĐÁNH GIÁ CHUNG",
    "1. Ưu điểm",
    "2. Hạn chế",
    "V. PHƯƠNG HƯỚNG, NHIỆM VỤ tháng 12 năm 2026",
)
# Words of English the catalogs would leak if a key fell back or a heading were left untranslated.
ENGLISH = re.compile(r"\b(?:the|report|period|incidents?|models?|total|none)\b", re.IGNORECASE)


def read(content: bytes) -> DocumentObject:
    return Document(io.BytesIO(content))


def every_text(document: DocumentObject) -> list[str]:
    found = [p.text for p in document.paragraphs]
    for table in document.tables:
        found += [cell.text for row in table.rows for cell in row.cells]
    return [text for text in found if text.strip()]


def rows_of(table: Table) -> list[list[str]]:
    return [[cell.text for cell in row.cells] for row in table.rows]


def table_headed(document: DocumentObject, first: str) -> list[dict[str, str]]:
    rows = rows_of(next(t for t in document.tables if t.rows[0].cells[0].text == first))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


async def ask_report(harness: Harness, user: str, answer: str, *, tap: bool = True) -> bytes:
    await harness.say(user, "/menu")
    asked = await harness.tap(user, "Báo cáo Word")
    assert await harness.step_of(user) == "exports/report", text_of(asked)
    replies = await (harness.tap(user, answer) if tap else harness.say(user, answer))
    document = next(
        r.attachment
        for r in replies
        if r.attachment is not None and r.attachment.name.endswith(".docx")
    )
    assert any(r.attachment and r.attachment.name.endswith(".xlsx") for r in replies)
    async with harness.sessions() as session:
        stored = await files.load(session, document.file_id)
    assert stored is not None
    return stored.content


async def test_the_officer_asks_for_last_months_report_in_the_menu(harness: Harness) -> None:
    await harness.say(OFFICER, "/menu")
    asked = await harness.tap(OFFICER, "Báo cáo Word")
    assert labels(asked[-1]) == [
        "Tháng 10/2026",
        "Tháng 11/2026 (đến nay)",
        "Quý III năm 2026",
        "Quý IV năm 2026 (đến nay)",
        "6 tháng đầu năm 2026",
        "6 tháng cuối năm 2026 (đến nay)",
        "Năm 2025",
        "Năm 2026 (đến nay)",
        "Về menu",
    ]
    content = await ask_report(harness, OFFICER, "Tháng 11/2026 (đến nay)")
    document = read(content)
    header = rows_of(document.tables[0])[0]
    assert header[0].split("\n") == [
        "ỦY BAN MTTQ VIỆT NAM",
        "xã Phủ Thông".upper(),
        "BAN THƯỜNG TRỰC",
        "Số: " + "\u00a0" * 8 + "/BC-MTTQ-BTT",
    ]
    assert header[1].split("\n") == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
        "Phủ Thông, ngày 27 tháng 11 năm 2026",
    ]
    paragraphs = [p.text for p in document.paragraphs]
    assert "BÁO CÁO" in paragraphs
    assert "Kết quả công tác Mặt trận tháng 11 năm 2026" in paragraphs
    at = [paragraphs.index(heading) for heading in SECTIONS]
    assert at == sorted(at), "the sections in the Front's order"
    signature = rows_of(document.tables[-2])[0]
    assert signature[0].startswith("Nơi nhận:\n- Ban Thường trực Ủy ban MTTQ Việt Nam tỉnh")
    assert signature[1].split("\n")[:2] == ["TM. BAN THƯỜNG TRỰC", "CHỦ TỊCH"]
    assert len(document.inline_shapes) == 1, "the chart is in the annex"
    assert not [text for text in every_text(document) if ENGLISH.search(text)]
    section = document.sections[0]
    page = (section.page_width, section.page_height, section.left_margin, section.right_margin)
    assert [round(length.cm, 1) if length else None for length in page] == [21.0, 29.7, 3.0, 1.5]
    assert document.styles["Normal"].font.name == "Times New Roman"
    async with harness.sessions() as session:
        audited = await session.scalar(
            select(func.count()).where(
                AuditEntry.action == "export", AuditEntry.details["period"].as_string() == "2026-11"
            )
        )
    assert audited == 2, "the document and its workbook are both recorded"
    assert await harness.step_of(OFFICER) == "menu/main"


async def test_the_models_and_the_numbers_are_the_digests(harness: Harness) -> None:
    content = await ask_report(harness, OFFICER, "Tháng 11/2026 (đến nay)")
    document = read(content)
    t = Translator("vi")
    async with harness.sessions() as session:
        commune = await units.resolve(session, "1969")
        digest = await build(session, commune.id, NOVEMBER, harness.clock(), TZ)
    text = digest_text.render(digest, t, harness.clock(), TZ)
    said = {
        name: (int(reports), int(people))
        for name, reports, people in re.findall(r"• (.+): (\d+) lần, (\d+) người tham gia", text)
    }
    models = table_headed(document, "Mô hình")
    total = models.pop()
    assert total["Mô hình"] == "Tổng cộng"
    shown = {
        row["Mô hình"]: (int(row["Lượt hoạt động"]), int(row["Lượt người tham gia"]))
        for row in models
        if int(row["Lượt hoạt động"])
    }
    assert shown == said and said, "each model type's activities and people, as the digest"
    dormant = re.search(r"Mô hình không hoạt động từ 4 tuần trở lên \((\d+)\)", text)
    assert dormant is not None
    assert int(total["Ít hoạt động"]) == int(dormant[1]) == len(digest.dormant)
    assert int(total["Số mô hình"]) == sum(int(row["Số mô hình"]) for row in models)

    c = digest.completeness
    assert f"{c.reported}/{c.expected} lượt thôn-tuần" in text
    general = next(p.text for p in document.paragraphs if p.text.startswith("Tỷ lệ báo cáo đầy đủ"))
    assert f"({c.reported}/{c.expected} lượt thôn - tuần)" in general
    assert f"đạt {digest_text.percent(c.rate)}%" in general
    categories = table_headed(document, "Lĩnh vực")
    for category, (now, before) in digest.categories.items():
        row = next(r for r in categories if r["Lĩnh vực"] == t(f"category.{category}"))
        assert (int(row["Kỳ này"]), int(row["Kỳ trước"])) == (now, before)
        assert f"• {t(f'category.{category}')}: {now} ({before})" in text
    annex = table_headed(document, "Thôn, tổ dân phố")
    assert annex[-1]["Đã báo cáo"] == str(c.reported)
    missing = next(p.text for p in document.paragraphs if p.text.startswith("Còn "))
    assert all(m.hamlet.label in missing for m in digest.missing)


async def test_confidential_reports_are_counts_only_even_for_the_officer_named_for_them(
    harness: Harness,
) -> None:
    await file_incident(harness, "Tệ nạn xã hội", "Ổ cờ bạc sau nhà văn hóa", urgent=True)
    await file_incident(harness, "Môi trường", "Rác thải đổ & đốt <ven suối>", urgent=True)
    for officer in (OFFICER, COMMUNE_DEPUTY):
        content = await ask_report(harness, officer, "Tháng 11/2026 (đến nay)")
        texts = every_text(read(content))
        assert not any("cờ bạc" in line for line in texts)
        assert any("sự việc khẩn thuộc lĩnh vực cần giữ kín" in line for line in texts)
        assert any("Rác thải đổ & đốt <ven suối>" in line for line in texts), "user text kept"


async def test_typed_periods_and_bad_answers(harness: Harness) -> None:
    for typed, title in (
        ("tháng 10", "Kết quả công tác Mặt trận tháng 10 năm 2026"),
        ("quy 3", "Kết quả công tác Mặt trận quý III năm 2026"),
        ("6 tháng đầu năm", "Kết quả công tác Mặt trận 6 tháng đầu năm 2026"),
        ("năm ngoái", "Kết quả công tác Mặt trận năm 2025"),
        ("2026-Q4", "Kết quả công tác Mặt trận quý IV năm 2026"),
    ):
        content = await ask_report(harness, OFFICER, typed, tap=False)
        assert title in [p.text for p in read(content).paragraphs], typed

    async with harness.sessions() as session:
        stored_before = await session.scalar(select(func.count()).select_from(StoredFile))
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Báo cáo Word")
    for answer in ("năm 2030", "tháng 13", "x" * 10_000):
        replies = await harness.say(OFFICER, answer)
        assert await harness.step_of(OFFICER) == "exports/report", answer
        assert not any(r.attachment for r in replies)
    sticker = await harness.event(OFFICER, kind="unsupported")
    assert labels(sticker[-1])[:2] == ["Tháng 10/2026", "Tháng 11/2026 (đến nay)"]
    assert await harness.step_of(OFFICER) == "exports/report"
    forged = await harness.event(OFFICER, kind="choice", choice_token="1", choice_id="last_year")
    assert not any(r.attachment for r in forged)
    async with harness.sessions() as session:
        assert await session.scalar(select(func.count()).select_from(StoredFile)) == stored_before
    done = await harness.say(OFFICER, "quý này")
    assert any(r.attachment and r.attachment.name.endswith("2026-Q4.docx") for r in done)


async def test_a_provinces_report_rolls_up_its_communes(harness: Harness) -> None:
    content = await ask_report(harness, PROVINCE_OFFICER, "Tháng 11/2026 (đến nay)")
    document = read(content)
    header = rows_of(document.tables[0])[0][0].split("\n")
    assert header[1].startswith("TỈNH ")
    annex = table_headed(document, "Xã, phường")
    assert annex[-1]["Xã, phường"] == "Tổng cộng" and len(annex) >= 2
    rates = {row["Xã, phường"]: row["Tỷ lệ"] for row in annex[:-1]}
    lowest = next(
        (p.text for p in document.paragraphs if p.text.startswith("Các xã, phường có tỷ lệ")), ""
    )
    behind = [name for name, rate in rates.items() if rate != "100%"]
    assert all(name in lowest for name in behind[:3])
    recipients = rows_of(document.tables[-2])[0][0].split("\n")
    assert recipients[1] == "- Ban Thường trực Ủy ban Trung ương MTTQ Việt Nam;"
    assert recipients[2].startswith("- Thường trực Tỉnh ủy ")


async def test_characters_a_document_cannot_hold_are_dropped_not_fatal(harness: Harness) -> None:
    await file_incident(harness, "An toàn giao thông", "Cây đổ\x0b chắn\x07 đường", urgent=True)
    texts = every_text(read(await ask_report(harness, OFFICER, "Tháng 11/2026 (đến nay)")))
    assert any("Cây đổ chắn đường" in text for text in texts)


@pytest.mark.parametrize(
    ("key", "words"),
    [
        ("2026-11", "tháng 11 năm 2026"),
        ("2026-Q4", "quý IV năm 2026"),
        ("2026-H1", "6 tháng đầu năm 2026"),
        ("2026-H2", "6 tháng cuối năm 2026"),
        ("2025", "năm 2025"),
    ],
)
def test_periods_in_the_fronts_words(key: str, words: str) -> None:
    assert period_words(Translator("vi"), parse_period(key)) == words


def test_dates_are_written_as_decree_30_asks() -> None:
    t = Translator("vi")
    assert issue_date(t, datetime(2026, 12, 1).date()) == "ngày 01 tháng 12 năm 2026"
    assert issue_date(t, datetime(2027, 2, 5).date()) == "ngày 05 tháng 02 năm 2027"
    assert issue_date(t, datetime(2027, 3, 15).date()) == "ngày 15 tháng 3 năm 2027"


def test_the_catalogs_report_words_are_vietnamese() -> None:
    from handlers.i18n import catalog

    words = {k: v for k, v in catalog("vi").items() if k.startswith("report.")}
    assert len(words) > 90
    assert not [k for k, v in words.items() if ENGLISH.search(re.sub(r"\{\w+\}", "", v))]


# The command and LibreOffice do not depend on the database; the flows above run on both.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_cli_writes_a_report_that_libreoffice_opens(
    database_url: str, tmp_path: Path
) -> None:
    target, annex = tmp_path / "r.docx", tmp_path / "r.xlsx"
    result = tuquan(
        "report", "--unit", "1969", "--month", "2026-11", "--docx", str(target),
        "--xlsx", str(annex), database_url=database_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    document = read(target.read_bytes())
    assert "Kết quả công tác Mặt trận tháng 11 năm 2026" in [p.text for p in document.paragraphs]
    assert annex.read_bytes()[:2] == b"PK"
    wrong = tuquan(
        "report", "--unit", "1969", "--quarter", "2026-Q9", "--docx", str(target),
        database_url=database_url,
    )  # fmt: skip
    assert wrong.returncode == 2 and "--quarter 2026-Q4" in wrong.stderr

    office = shutil.which("soffice") or shutil.which("libreoffice")
    if office is None:
        pytest.skip("LibreOffice is not installed (Debian: libreoffice-writer-nogui)")
    pdf = to_pdf(office, target)
    assert pdf.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", pdf)) >= 2


def to_pdf(office: str, document: Path) -> bytes:
    """The document as LibreOffice prints it, with a profile of its own for the run."""
    profile = document.parent / "office-profile"
    converted = subprocess.run(
        [
            office, f"-env:UserInstallation={profile.as_uri()}", "--headless",
            "--convert-to", "pdf", "--outdir", str(document.parent), str(document),
        ],
        capture_output=True, text=True, timeout=240,
    )  # fmt: skip
    assert converted.returncode == 0, converted.stderr
    return document.with_suffix(".pdf").read_bytes()


async def test_a_model_stopped_in_the_month_is_named_and_still_counted_for_it(
    harness: Harness,
) -> None:
    await harness.say(OFFICER, "/menu")
    listed = await harness.tap(OFFICER, "Mô hình tự quản")
    line = next(
        label
        for label in labels(listed[-1])
        if label.startswith("thôn Nà Phải: Tiếng mõ an ninh (Hội Cựu chiến binh)")
    )
    await harness.tap(OFFICER, line)
    await harness.tap(OFFICER, "Ngừng hẳn")
    await harness.say(OFFICER, "có")

    november = read(await ask_report(harness, OFFICER, "Tháng 11/2026 (đến nay)"))
    stopped = next(p.text for p in november.paragraphs if p.text.startswith("Mô hình dừng"))
    assert stopped == (
        "Mô hình dừng hoạt động trong kỳ (1): Tiếng mõ an ninh ở thôn Nà Phải (Hội Cựu chiến binh)."
    )
    in_november = next(
        r for r in table_headed(november, "Mô hình") if r["Mô hình"] == "Tiếng mõ an ninh"
    )

    harness.clock.advance(days=40)
    december = read(await ask_report(harness, OFFICER, "Tháng 12/2026"))
    assert "Trong kỳ không có mô hình dừng hoạt động." in every_text(december)
    in_december = next(
        r for r in table_headed(december, "Mô hình") if r["Mô hình"] == "Tiếng mõ an ninh"
    )
    assert int(in_december["Số mô hình"]) == int(in_november["Số mô hình"]) - 1
