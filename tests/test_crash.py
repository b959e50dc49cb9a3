"""SIGKILL at each stage of the pipeline: after a restart, the report exists exactly once."""

from __future__ import annotations

import signal

import pytest

from tests.cli import exported, tuquan

TEXT = "Sạt taluy đường vào bản sau mưa lớn"
LINES = ["/menu", "1", "6", "1", TEXT, "1", "1", "1", "1"]
SCRIPT = "\n".join(LINES) + "\n"
# The console passes each failpoint once for its opening "resume" and once per line.
LAST_LINE_HIT = len(LINES) + 1


@pytest.mark.slow
@pytest.mark.parametrize(
    "failpoint", ["after_inbox_commit", "engine_before_commit", "after_engine_commit"]
)
def test_killed_while_sending_the_report_then_restarted(database_url: str, failpoint: str) -> None:
    before = len(exported(database_url))
    killed = tuquan(
        "chat",
        "--as",
        "hamlet-head",
        database_url=database_url,
        stdin=SCRIPT,
        failpoints=f"{failpoint}:{LAST_LINE_HIT}",
    )
    assert killed.returncode == -signal.SIGKILL
    assert "Đã ghi nhận báo cáo số" not in killed.stdout

    restarted = tuquan("chat", "--as", "hamlet-head", database_url=database_url, stdin="")
    assert restarted.returncode == 0, restarted.stderr
    assert restarted.stdout.count("Đã ghi nhận báo cáo số") == 1

    rows = exported(database_url)[before:]
    assert [(row["kind"], row["category"], row["text"]) for row in rows] == [
        ("incident", "disaster", TEXT)
    ]
    again = tuquan("chat", "--as", "hamlet-head", database_url=database_url, stdin="")
    assert "Đã ghi nhận báo cáo số" not in again.stdout
    assert len(exported(database_url)) == before + 1


@pytest.mark.slow
def test_killed_after_showing_a_reply_shows_it_at_most_once_more(database_url: str) -> None:
    killed = tuquan(
        "chat",
        "--as",
        "hamlet-head",
        database_url=database_url,
        stdin=SCRIPT,
        failpoints="after_send_before_mark:1",
    )
    assert killed.returncode == -signal.SIGKILL
    first_prompt = killed.stdout.strip().splitlines()[0]
    restarted = tuquan("chat", "--as", "hamlet-head", database_url=database_url, stdin="")
    # Once again for the row that was shown but not marked, once for this run's own greeting;
    # and never a third time on a later start.
    assert restarted.stdout.count(first_prompt) == 2
    later = tuquan("chat", "--as", "hamlet-head", database_url=database_url, stdin="")
    assert later.stdout.count(first_prompt) == 1


async def outbox_keys(database_url: str, prefix: str) -> list[str]:
    from sqlalchemy import select

    from storage.db import create_engine, session_factory
    from storage.models import OutboxItem

    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        query = (
            select(OutboxItem.idempotency_key)
            .where(OutboxItem.idempotency_key.startswith(prefix))
            .order_by(OutboxItem.id)
        )
        keys = list((await session.execute(query)).scalars())
    await engine.dispose()
    return keys


DIGEST_RUN = ("scheduler", "run-once", "digest", "--at", "2026-11-30T07:10")


def units(keys: list[str]) -> list[str]:
    """kind:period:unit:recipient → the units in the order first written."""
    return list(dict.fromkeys(key.split(":")[2] for key in keys))


@pytest.mark.slow
@pytest.mark.parametrize(
    "failpoint", ["digest_unit_written:2", "digest_chart_written:1", "digest_chart_written:2"]
)
async def test_scheduler_killed_in_the_middle_of_the_digest_resumes_it(
    database_url: str, failpoint: str
) -> None:
    killed = tuquan(*DIGEST_RUN, database_url=database_url, failpoints=failpoint)
    assert killed.returncode == -signal.SIGKILL
    texts_before = await outbox_keys(database_url, "digest:")
    charts_before = await outbox_keys(database_url, "digest-chart:")
    # What was committed before the kill stays: each commune's texts, then its chart.
    expected_text_units = 2 if failpoint.startswith("digest_unit") else None
    if expected_text_units is not None:
        assert len(units(texts_before)) == expected_text_units
        assert charts_before == []
    else:
        assert len(units(charts_before)) == int(failpoint[-1])

    again = tuquan(*DIGEST_RUN, database_url=database_url)
    assert again.returncode == 0, again.stderr
    texts = await outbox_keys(database_url, "digest:")
    charts = await outbox_keys(database_url, "digest-chart:")
    assert texts[: len(texts_before)] == texts_before
    assert charts[: len(charts_before)] == charts_before
    if expected_text_units is not None:
        assert len(units(texts)) > len(units(texts_before))
    assert len(units(charts)) > len(units(charts_before))
    # Every officer once: no key twice (the outbox's unique key) and each recipient once.
    recipients = [key.split(":", 2)[2] for key in texts]
    assert texts and len(recipients) == len(set(recipients))
    assert set(units(charts)) <= set(units(texts))

    third = tuquan(*DIGEST_RUN, database_url=database_url)
    assert "đã chạy rồi, không ghi thêm gì" in third.stdout
    assert await outbox_keys(database_url, "digest:") == texts
    assert await outbox_keys(database_url, "digest-chart:") == charts
