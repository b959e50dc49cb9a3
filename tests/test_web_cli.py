"""The officers' pages as an administrator starts them: `tuquan web` alone, or `tuquan run`
with TUQUAN_WEB_LISTEN, and a sign-in link from `tuquan web link`, all real processes."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from tests.cli import ROOT, clock_setting, tuquan
from tests.telegram_flows.world import free_port

FORM_TOKEN = re.compile(r'name="form_token" value="([^"]+)"')


def _env(database_url: str, listen: str) -> dict[str, str]:
    env = {
        **os.environ,
        "TUQUAN_DATABASE_URL": database_url,
        "TUQUAN_LOG_LEVEL": "WARNING",
        "TUQUAN_WEB_LISTEN": listen,
        **clock_setting(),
    }
    for unwanted in ("TELEGRAM_BOT_TOKEN", "ZALO_BOT_TOKEN", "TUQUAN_PUBLIC_URL"):
        env.pop(unwanted, None)
    return env


@asynccontextmanager
async def serving(database_url: str, *command: str) -> AsyncIterator[str]:
    """`tuquan <command>` running with its pages on a free port; their root address."""
    listen = f"127.0.0.1:{free_port()}"
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", *command,
        env=_env(database_url, listen), cwd=ROOT,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        await _answering(f"http://{listen}/web/signed-out", process)
        yield f"http://{listen}/web"
    finally:
        if process.returncode is None:
            process.terminate()
            await asyncio.wait_for(process.wait(), 30)


async def _answering(url: str, process: asyncio.subprocess.Process) -> None:
    async with aiohttp.ClientSession() as client:
        for _ in range(300):
            if process.returncode is not None:
                assert process.stderr is not None
                said = (await process.stderr.read()).decode()
                pytest.fail(f"exited {process.returncode}: {said}")
            try:
                async with client.get(url) as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientConnectionError:
                pass
            await asyncio.sleep(0.1)
    pytest.fail(f"{url} never answered")


def printed_link(database_url: str, root: str) -> str:
    listen = root.removeprefix("http://").removesuffix("/web")
    result = _link(database_url, listen)
    assert result.returncode == 0, result.stderr
    link = result.stdout.strip().splitlines()[-1]
    assert link.startswith(f"{root}/signin/"), result.stdout
    return link


def _link(database_url: str, listen: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot", "web", "link", "--as", "officer"],
        capture_output=True, text=True, env=_env(database_url, listen), cwd=ROOT, timeout=120,
    )  # fmt: skip


async def signs_in(link: str) -> tuple[int, str]:
    """Open the link, press the button; the status and the page reached."""
    jar = aiohttp.CookieJar(unsafe=True)  # cookies for 127.0.0.1
    async with aiohttp.ClientSession(cookie_jar=jar) as client:
        async with client.get(link) as shown:
            form = FORM_TOKEN.search(await shown.text())
            assert shown.status == 200 and form is not None
        async with client.post(link, data={"form_token": form.group(1)}) as reached:
            return reached.status, await reached.text()


async def test_tuquan_web_serves_the_pages_and_its_link_signs_in_once(database_url: str) -> None:
    async with serving(database_url, "web") as root:
        link = printed_link(database_url, root)
        status, page = await signs_in(link)
        assert status == 200
        assert 'id="completeness"' in page and "xã Phủ Thông" in page and "Nông Thị Hoa" in page
        again, refused = await signs_in(link)
        assert again == 410 and 'id="signin-failed"' in refused


async def test_tuquan_run_serves_the_pages_beside_the_console_chat(database_url: str) -> None:
    async with serving(database_url, "run") as root:
        status, page = await signs_in(printed_link(database_url, root))
        assert status == 200 and 'id="heatmap"' in page


def test_a_link_for_a_demo_person_without_the_demo_data_says_to_load_it() -> None:
    result = tuquan("web", "link", "--as", "officer", database_url="sqlite+aiosqlite://")
    # A fresh in-memory database has no demo people: said, not a traceback.
    assert result.returncode == 2 and "tuquan seed demo" in result.stderr + result.stdout
