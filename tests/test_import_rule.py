"""handlers/ and storage/ know no platform: only bot/ may import one. Starting the bot loads
no library that only occasional work needs."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PLATFORM_LIBRARIES = {"telegram", "aiogram", "httpx", "aiohttp", "requests", "urllib3"}
# bot → scheduler → handlers → storage: each may import only those to its right.
ALLOWED = {
    "storage": {"storage"},
    "handlers": {"handlers", "storage"},
    "scheduler": {"scheduler", "handlers", "storage"},
}
OURS = {"bot", "scheduler", "handlers", "storage"}
# Workbooks, charts, webhooks, questions to the guides, a units sync: each imports its library
# when it begins, so that every start does not pay for them (bench/startup.py).
OCCASIONAL_LIBRARIES = {"openpyxl", "matplotlib", "aiohttp", "bm25s", "numpy", "vietnam_provinces"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_one_way(package: str) -> None:
    files = list((ROOT / package).rglob("*.py"))
    assert files
    for path in files:
        roots = imported_roots(path)
        assert not roots & PLATFORM_LIBRARIES, f"{path} imports {roots & PLATFORM_LIBRARIES}"
        assert roots & OURS <= ALLOWED[package], f"{path} imports {roots & OURS}"


def test_loading_the_engine_loads_no_platform_library() -> None:
    modules = "handlers.engine, handlers.flows, storage.demo, storage.official"
    assert loaded(modules, PLATFORM_LIBRARIES) == "[]"


def loaded(modules: str, libraries: set[str]) -> str:
    probe = (
        f"import sys, {modules};"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {libraries!r}))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=ROOT
    )
    return result.stdout.strip()


def test_the_command_line_and_the_telegram_transport_load_no_occasional_library() -> None:
    assert loaded("bot.cli, bot.run, bot.telegram.ptb_api", OCCASIONAL_LIBRARIES) == "[]"


def test_conversations_leave_the_queries_to_the_use_cases() -> None:
    """A flow says what happens; handlers/services/ and storage/ say how it is stored."""
    for path in (ROOT / "handlers" / "flows").rglob("*.py"):
        assert "sqlalchemy" not in imported_roots(path), f"{path} imports sqlalchemy"
        text = path.read_text(encoding="utf-8")
        for query in (
            "ctx.session.get",
            "ctx.session.add",
            "ctx.session.execute",
            "ctx.session.scalar",
        ):
            assert query not in text, f"{path} runs a query of its own: {query}"
