"""The model registry: no second copy of a model, and overlaps told before anything is saved."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from storage.enums import ModelStatus
from storage.models import Conversation, Identity, ModelInstance, ModelType, Organization, Unit
from tests.support import OFFICER, Harness, labels, text_of

TIENG_MO = "Tiếng mõ an ninh"


async def model_count(harness: Harness) -> int:
    async with harness.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ModelInstance)) or 0)


async def officer_step(harness: Harness) -> str:
    async with harness.sessions() as session:
        query = (
            select(Conversation.step)
            .join(Identity, Identity.id == Conversation.identity_id)
            .where(Identity.external_id == OFFICER)
        )
        return str((await session.execute(query)).scalar_one())


async def add_to_na_phai(harness: Harness, model: str, organization: str) -> str:
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Mô hình tự quản")
    await harness.tap(OFFICER, "Thêm mô hình")
    await harness.tap(OFFICER, "thôn Nà Phải")
    await harness.tap(OFFICER, model)
    return text_of(await harness.tap(OFFICER, organization))


async def set_veterans_tieng_mo(harness: Harness, status: ModelStatus, *, copies: int) -> None:
    """Nà Phải's Tiếng mõ by the veterans (demo data) in `status`, plus older copies of it."""
    async with harness.sessions() as session, session.begin():
        veterans = (
            await session.execute(
                select(Organization).where(Organization.name == "Hội Cựu chiến binh")
            )
        ).scalar_one()
        tieng_mo = (
            await session.execute(select(ModelType).where(ModelType.name == TIENG_MO))
        ).scalar_one()
        na_phai = (await session.execute(select(Unit).where(Unit.name == "Nà Phải"))).scalar_one()
        demo = (
            await session.execute(
                select(ModelInstance).where(
                    ModelInstance.hamlet_id == na_phai.id,
                    ModelInstance.model_type_id == tieng_mo.id,
                    ModelInstance.organization_id == veterans.id,
                )
            )
        ).scalar_one()
        demo.status = status
        for _ in range(copies):
            session.add(
                ModelInstance(
                    model_type_id=tieng_mo.id,
                    hamlet_id=na_phai.id,
                    organization_id=veterans.id,
                    started_on=date(2024, 3, 1),
                    status=ModelStatus.PAUSED,
                )
            )


async def test_the_same_model_by_the_same_organization_is_refused(harness: Harness) -> None:
    before = await model_count(harness)

    answer = await add_to_na_phai(harness, TIENG_MO, "Hội Cựu chiến binh")

    assert answer.startswith(
        "Thôn Nà Phải đã có mô hình Tiếng mõ an ninh do Hội Cựu chiến binh xây dựng"
    )
    assert "đang hoạt động" in answer and "không thêm lần nữa" in answer
    assert await model_count(harness) == before
    assert await officer_step(harness) == "model_org", "the organization is asked again"
    assert "Công an xã" in labels(harness.last[OFFICER])


async def test_a_paused_copy_counts_as_the_same_model(harness: Harness) -> None:
    await set_veterans_tieng_mo(harness, ModelStatus.PAUSED, copies=0)
    before = await model_count(harness)
    answer = await add_to_na_phai(harness, TIENG_MO, "Hội Cựu chiến binh")
    assert "không thêm lần nữa" in answer and "tạm dừng" in answer
    assert await model_count(harness) == before


async def test_an_overlap_is_told_before_saving_naming_each_organization_once(
    harness: Harness,
) -> None:
    await set_veterans_tieng_mo(harness, ModelStatus.ACTIVE, copies=1)
    before = await model_count(harness)

    answer = await add_to_na_phai(harness, TIENG_MO, "Công an xã")

    assert "chồng chéo" in answer
    assert answer.count("Hội Cựu chiến binh") == 1
    assert await model_count(harness) == before, "nothing is saved before the answer"
    assert await officer_step(harness) != "model_org"


async def test_a_stopped_model_may_be_started_again_without_a_warning(harness: Harness) -> None:
    await set_veterans_tieng_mo(harness, ModelStatus.STOPPED, copies=0)
    answer = await add_to_na_phai(harness, TIENG_MO, "Hội Cựu chiến binh")
    assert "không thêm lần nữa" not in answer and "chồng chéo" not in answer
