"""Demo data: the two communes of Bạch Thông in the source article, eight weeks of reports."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import official, people, privacy, reports, units
from storage.clock import iso_week
from storage.enums import (
    AlertDuty,
    Channel,
    IncidentCategory,
    IncidentStatus,
    ModelStatus,
    ReportKind,
    Role,
    UnitKind,
)
from storage.models import (
    Identity,
    ModelInstance,
    ModelType,
    Organization,
    Person,
    Report,
    Unit,
)
from storage.text import fold

MODEL_TYPES = (
    ("moi_truong", "Khu dân cư bảo vệ môi trường sáng - xanh - sạch - đẹp"),
    ("doan_duong", "Đoạn đường tự quản"),
    ("khu_pho_van_minh", "Khu phố văn minh"),
    ("ho_an_toan", "Hộ an toàn, thôn bản bình yên"),
    ("an_toan_giao_thong", "Khu dân cư đảm bảo an toàn giao thông"),
    ("tieng_mo", "Tiếng mõ an ninh"),
    ("an_ninh_trat_tu", "Khu dân cư bảo đảm về an ninh trật tự và không có tệ nạn xã hội"),
)

ORGANIZATIONS = (
    ("hoi_phu_nu", "Hội Phụ nữ"),
    ("hoi_nong_dan", "Hội Nông dân"),
    ("doan_thanh_nien", "Đoàn Thanh niên"),
    ("hoi_cuu_chien_binh", "Hội Cựu chiến binh"),
    ("cong_an_xa", "Công an xã"),
    ("ban_cong_tac_mat_tran", "Ban công tác Mặt trận"),
)

PROVINCE_CODE = "19"
COMMUNES = {"phu_thong": "1969", "bach_thong": "2014"}

# (commune, division, name, hamlet head)
HAMLETS = (
    ("phu_thong", "thôn", "Nà Phải", "Hoàng Văn Thào"),
    ("phu_thong", "phố", "Chính", "Nông Thị Lan"),
    ("phu_thong", "thôn", "Nà Mò", "Lường Văn Khánh"),
    ("phu_thong", "thôn", "Cốc Thử", "Ma Thị Hiền"),
    ("phu_thong", "thôn", "Bản Đán", "Triệu Văn Sinh"),
    ("bach_thong", "thôn", "Nà Lốc", "Hà Văn Tuấn"),
    ("bach_thong", "thôn", "Khuổi Bốc", "Bàn Văn Quý"),
    ("bach_thong", "thôn", "Pác Nà", "Lục Thị Nga"),
    ("bach_thong", "thôn", "Bản Châng", "Hoàng Thị Thu"),
    ("bach_thong", "thôn", "Nà Thoi", "Đinh Văn Hải"),
)

# (hamlet, model type, organization); Nà Phải runs the environment model twice: the overlap.
MODELS = (
    ("Nà Phải", "moi_truong", "hoi_phu_nu"),
    ("Nà Phải", "moi_truong", "doan_thanh_nien"),
    ("Nà Phải", "tieng_mo", "hoi_cuu_chien_binh"),
    ("Chính", "khu_pho_van_minh", "ban_cong_tac_mat_tran"),
    ("Chính", "an_toan_giao_thong", "doan_thanh_nien"),
    ("Nà Mò", "doan_duong", "hoi_nong_dan"),
    ("Cốc Thử", "ho_an_toan", "cong_an_xa"),
    ("Bản Đán", "tieng_mo", "hoi_cuu_chien_binh"),
    ("Nà Lốc", "an_ninh_trat_tu", "cong_an_xa"),
    ("Nà Lốc", "doan_duong", "hoi_phu_nu"),
    ("Khuổi Bốc", "moi_truong", "hoi_phu_nu"),
    ("Pác Nà", "tieng_mo", "hoi_cuu_chien_binh"),
    ("Bản Châng", "ho_an_toan", "hoi_nong_dan"),
    ("Nà Thoi", "an_toan_giao_thong", "doan_thanh_nien"),
)

# Where incidents in these hamlets of Phủ Thông happen, for the officers' map: (place,
# latitude, longitude). Bản Đán and the hamlets of Bạch Thông give no position.
SPOTS = {
    "Nà Phải": ("cầu treo Nà Phải", 22.2712, 105.8796),
    "Chính": ("chợ Phủ Thông", 22.2748, 105.8834),
    "Nà Mò": ("đường vào thôn Nà Mò", 22.2659, 105.8751),
    "Cốc Thử": ("nhà văn hóa thôn Cốc Thử", 22.2803, 105.8907),
}

# How often each hamlet reports in a week; Khuổi Bốc and Nà Thoi often stay silent.
DILIGENCE = {"Khuổi Bốc": 0.35, "Nà Thoi": 0.5, "Bản Đán": 0.7}

INCIDENT_TEXTS = {
    IncidentCategory.SECURITY: (
        "Mất trộm một con gà và hai bao thóc ở nhà dân cuối thôn.",
        "Có người lạ vào thôn hỏi mua đồ cổ, đã báo Công an xã.",
    ),
    IncidentCategory.ENVIRONMENT: (
        "Rác thải đổ bừa bãi cạnh suối đầu thôn.",
        "Cống thoát nước bị tắc sau mưa, nước tràn ra đường.",
    ),
    IncidentCategory.TRAFFIC: (
        "Xe máy va chạm ở khúc cua gần trường, một người bị xây xát nhẹ.",
        "Cây đổ chắn một nửa đường liên thôn.",
    ),
    IncidentCategory.DISPUTE: (
        "Hai hộ tranh chấp ranh giới đất vườn, tổ hòa giải đã đến làm việc.",
    ),
    IncidentCategory.DISASTER: ("Mưa lớn làm sạt một đoạn taluy dương đường vào bản.",),
    IncidentCategory.SOCIAL_EVILS: ("Nghi có nhóm tụ tập đánh bạc ở lán nương.",),
}

ACTIVITY_TEXTS = {
    "moi_truong": "Tổng vệ sinh đường thôn, thu gom rác về điểm tập kết.",
    "doan_duong": "Phát quang, trồng thêm hoa hai bên đoạn đường tự quản.",
    "khu_pho_van_minh": "Họp tổ dân phố, nhắc các hộ giữ vỉa hè thông thoáng.",
    "ho_an_toan": "Kiểm tra các hộ ký cam kết hộ an toàn.",
    "an_toan_giao_thong": "Tuyên truyền đội mũ bảo hiểm cho học sinh.",
    "tieng_mo": "Tuần tra đêm, thử hiệu lệnh mõ với các hộ.",
    "an_ninh_trat_tu": "Họp tổ an ninh, rà soát người tạm trú.",
}


@dataclass(frozen=True)
class DemoIdentity:
    external_id: str
    role: Role | None
    unit: str | None
    confidential: bool = False
    alerts: AlertDuty = AlertDuty.ON_DUTY


# The console accounts `tuquan chat --as NAME` speaks as. The commune officer on duty is also
# the one named for confidential reports; her deputy gets urgent alerts nobody acknowledged.
DEMO_IDENTITIES = {
    "hamlet-head": DemoIdentity("demo-hamlet-head", Role.REPORTER, "Nà Phải"),
    "deputy": DemoIdentity("demo-deputy", Role.DEPUTY, "Nà Phải"),
    "officer": DemoIdentity("demo-officer", Role.OFFICER, "phu_thong", confidential=True),
    "commune-deputy": DemoIdentity(
        "demo-commune-deputy", Role.OFFICER, "phu_thong", alerts=AlertDuty.DEPUTY
    ),
    "other-officer": DemoIdentity("demo-other-officer", Role.OFFICER, "bach_thong"),
    "province-officer": DemoIdentity(
        "demo-province-officer", Role.OFFICER, "province", confidential=True
    ),
    "resident": DemoIdentity("demo-resident", None, None),
}
DEMO_PEOPLE = {
    "hamlet-head": "Hoàng Văn Thào",
    "deputy": "Lý Thị Mai",
    "officer": "Nông Thị Hoa",
    "commune-deputy": "Đàm Văn Khoa",
    "other-officer": "Hà Thị Xuân",
    "province-officer": "Lê Minh Đức",
    "resident": "Triệu Văn Dũng",
}


def head_external_id(hamlet_name: str) -> str:
    """The console account of every other demo hamlet head, so reminders reach someone."""
    return "demo-head-" + fold(hamlet_name).replace(" ", "-")


WEEKS = 8


async def is_seeded(session: AsyncSession) -> bool:
    query = select(Identity.id).where(Identity.external_id == "demo-hamlet-head")
    return (await session.execute(query)).first() is not None


async def seed(session: AsyncSession, now: datetime, tz: ZoneInfo) -> bool:
    """Write the demo data unless it is there; True when it was written."""
    if await is_seeded(session):
        return False
    await official.sync(session)
    communes = {
        key: await units.resolve(session, code, (UnitKind.COMMUNE,))
        for key, code in COMMUNES.items()
    }
    province = await units.resolve(session, PROVINCE_CODE, (UnitKind.PROVINCE,))
    await _history(session, province, communes["phu_thong"])
    model_types = await _catalog_rows(session, ModelType, MODEL_TYPES)
    organizations = await _catalog_rows(session, Organization, ORGANIZATIONS)
    hamlets, heads = await _hamlets(session, communes, now)
    instances = await _models(session, hamlets, model_types, organizations, now)
    demo_people = await _demo_people(
        session, hamlets, heads, {**communes, "province": province}, now
    )
    _head_accounts(session, heads, demo_people["hamlet-head"], now)
    await _reports(session, hamlets, heads, instances, now, tz, demo_people["hamlet-head"])
    return True


async def _history(session: AsyncSession, province: Unit, phu_thong: Unit) -> None:
    """The units the article speaks of, ended by the mergers of 2020 and 2025."""
    bac_kan = units.new_unit(
        kind=UnitKind.PROVINCE, name="Bắc Kạn", division_type="tỉnh", is_demo=True
    )
    bac_kan.valid_to, bac_kan.merged_into_id = date(2025, 6, 30), province.id
    session.add(bac_kan)
    await session.flush()
    district = units.new_unit(
        kind=UnitKind.DISTRICT,
        name="Bạch Thông",
        division_type="huyện",
        parent_id=bac_kan.id,
        is_demo=True,
    )
    district.valid_to = date(2025, 6, 30)
    session.add(district)
    await session.flush()
    town = units.new_unit(
        kind=UnitKind.COMMUNE,
        name="Phủ Thông",
        division_type="thị trấn",
        parent_id=district.id,
        is_demo=True,
    )
    town.valid_to, town.merged_into_id = date(2025, 6, 30), phu_thong.id
    session.add(town)
    await session.flush()
    phuong_linh = units.new_unit(
        kind=UnitKind.COMMUNE,
        name="Phương Linh",
        division_type="xã",
        parent_id=district.id,
        is_demo=True,
    )
    phuong_linh.valid_to, phuong_linh.merged_into_id = date(2019, 12, 31), town.id
    session.add(phuong_linh)
    await session.flush()


Row = TypeVar("Row", ModelType, Organization)


async def _catalog_rows(
    session: AsyncSession,
    model: type[Row],
    rows: tuple[tuple[str, str], ...],
) -> dict[str, int]:
    found: dict[str, int] = {}
    for code, name in rows:
        existing = (
            await session.execute(select(model).where(model.code == code))
        ).scalar_one_or_none()
        if existing is None:
            existing = model(code=code, name=name)
            session.add(existing)
            await session.flush()
        found[code] = existing.id
    return found


async def _hamlets(
    session: AsyncSession, communes: dict[str, Unit], now: datetime
) -> tuple[dict[str, Unit], dict[str, Person]]:
    hamlets: dict[str, Unit] = {}
    heads: dict[str, Person] = {}
    for commune_key, division, name, head_name in HAMLETS:
        hamlet = units.new_unit(
            kind=UnitKind.HAMLET,
            name=name,
            division_type=division,
            parent_id=communes[commune_key].id,
            is_demo=True,
        )
        session.add(hamlet)
        head = Person(full_name=head_name, is_demo=True, created_at=now)
        privacy.agree(head, now)
        session.add(head)
        await session.flush()
        await people.assign(session, head.id, hamlet.id, Role.REPORTER, now - timedelta(days=400))
        hamlets[name], heads[name] = hamlet, head
    return hamlets, heads


async def _models(
    session: AsyncSession,
    hamlets: dict[str, Unit],
    model_types: dict[str, int],
    organizations: dict[str, int],
    now: datetime,
) -> list[tuple[ModelInstance, str]]:
    instances: list[tuple[ModelInstance, str]] = []
    for hamlet_name, type_code, organization_code in MODELS:
        instance = ModelInstance(
            model_type_id=model_types[type_code],
            hamlet_id=hamlets[hamlet_name].id,
            organization_id=organizations[organization_code],
            started_on=(now - timedelta(days=700)).date(),
            status=ModelStatus.ACTIVE,
            is_demo=True,
        )
        session.add(instance)
        instances.append((instance, type_code))
    await session.flush()
    return instances


async def _demo_people(
    session: AsyncSession,
    hamlets: dict[str, Unit],
    heads: dict[str, Person],
    communes: dict[str, Unit],
    now: datetime,
) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for key, demo in DEMO_IDENTITIES.items():
        if demo.role is Role.REPORTER and demo.unit is not None:
            person = heads[demo.unit]
        else:
            person = Person(full_name=DEMO_PEOPLE[key], is_demo=True, created_at=now)
            privacy.agree(person, now)
            session.add(person)
            await session.flush()
            if demo.role is not None and demo.unit is not None:
                unit = hamlets.get(demo.unit) or communes[demo.unit]
                assignment = await people.assign(
                    session, person.id, unit.id, demo.role, now - timedelta(days=300)
                )
                assignment.confidential, assignment.alerts = demo.confidential, demo.alerts
        session.add(
            Identity(
                person_id=person.id,
                channel=Channel.CONSOLE,
                external_id=demo.external_id,
                chat_key=demo.external_id,
                display_name=person.full_name,
                created_at=now,
            )
        )
        found[key] = person
    await session.flush()
    return found


def _head_accounts(
    session: AsyncSession, heads: dict[str, Person], demo_head: Person, now: datetime
) -> None:
    for name, head in heads.items():
        if head.id == demo_head.id:
            continue
        external_id = head_external_id(name)
        session.add(
            Identity(
                person_id=head.id,
                channel=Channel.CONSOLE,
                external_id=external_id,
                chat_key=external_id,
                display_name=head.full_name,
                created_at=now,
            )
        )


async def _reports(
    session: AsyncSession,
    hamlets: dict[str, Unit],
    heads: dict[str, Person],
    instances: list[tuple[ModelInstance, str]],
    now: datetime,
    tz: ZoneInfo,
    demo_head: Person,
) -> None:
    """Eight past weeks; the demo hamlet head's own week is left for them to report."""
    rng = random.Random(2026)
    local_today = now.astimezone(tz).date()
    this_monday = local_today - timedelta(days=local_today.weekday())
    for weeks_back in range(WEEKS, 0, -1):
        monday = this_monday - timedelta(weeks=weeks_back)
        for name, hamlet in hamlets.items():
            if rng.random() > DILIGENCE.get(name, 0.9):
                continue
            for report in _week_of(rng, hamlet, heads[name], instances, monday, tz):
                await reports.add(session, report, [], Channel.CONSOLE, report.reporter_id)


def _week_of(
    rng: random.Random,
    hamlet: Unit,
    head: Person,
    instances: list[tuple[ModelInstance, str]],
    monday: date,
    tz: ZoneInfo,
) -> list[Report]:
    def moment(day_offset: int) -> datetime:
        local = datetime(monday.year, monday.month, monday.day, 9, tzinfo=tz)
        return (local + timedelta(days=day_offset, hours=rng.randint(0, 9))).astimezone(UTC)

    def report(kind: ReportKind, day: int, **fields: object) -> Report:
        occurred = moment(day)
        return Report(
            unit_id=hamlet.id,
            reporter_id=head.id,
            kind=kind,
            occurred_at=occurred,
            received_at=occurred + timedelta(hours=2),
            week=iso_week(occurred.astimezone(tz)),
            is_demo=True,
            **fields,
        )

    roll = rng.random()
    if roll < 0.35:
        return [report(ReportKind.NOTHING, 4, text="")]
    found: list[Report] = []
    own = [(i, code) for i, code in instances if i.hamlet_id == hamlet.id]
    if own:
        instance, code = rng.choice(own)
        found.append(
            report(
                ReportKind.ACTIVITY,
                rng.randint(0, 5),
                category=code,
                text=ACTIVITY_TEXTS[code],
                model_instance_id=instance.id,
                participants=rng.randint(6, 40),
            )
        )
    if roll > 0.6:
        category = rng.choice(list(INCIDENT_TEXTS))
        status = rng.choice(
            [
                IncidentStatus.RESOLVED,
                IncidentStatus.RESOLVED,
                IncidentStatus.IN_PROGRESS,
                IncidentStatus.OPEN,
            ]
        )
        found.append(
            report(
                ReportKind.INCIDENT,
                rng.randint(0, 6),
                category=category.value,
                text=rng.choice(INCIDENT_TEXTS[category]),
                urgent=category.urgent_by_default,
                status=status,
                sensitive=category.confidential,
                **_spot(hamlet.name),
            )
        )
    return found


def _spot(hamlet_name: str) -> dict[str, object]:
    """The hamlet's incident place and position, without a draw from the random numbers:
    the demo's other facts stay as they were."""
    if hamlet_name not in SPOTS:
        return {}
    place, latitude, longitude = SPOTS[hamlet_name]
    return {"place": place, "latitude": latitude, "longitude": longitude}
