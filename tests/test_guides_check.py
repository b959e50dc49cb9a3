"""`tuquan guides check` and reloading: broken files are named with their line, never shown."""

from __future__ import annotations

import os
import shutil
import unicodedata
from pathlib import Path

import pytest

from bot.cli import main
from handlers.guides import DEFAULT_GUIDES_DIR, GuideLibrary, check

GOOD = (DEFAULT_GUIDES_DIR / "tieng-mo-an-ninh.md").read_text(encoding="utf-8")


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    target = tmp_path / "guides"
    shutil.copytree(DEFAULT_GUIDES_DIR, target)
    return target


def run_check(folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(["guides", "check", str(folder)])
    captured = capsys.readouterr()
    return int(exit_info.value.code or 0), captured.out, captured.err


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_project_guides_pass(folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run_check(folder, capsys)
    assert code == 0, err
    assert "9 hướng dẫn trong" in out and "tất cả đều tốt" in out


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        (GOOD.replace('summary: "Mỗi', 'summari: "Mỗi'), 5, "unknown field 'summari'"),
        (GOOD.replace("model_type: tieng_mo\n", ""), 1, "'model_type' is missing"),
        (GOOD.replace("model_type: tieng_mo", "model_type: Tiếng Mõ"), 3, "model_type"),
        (GOOD.replace("keywords: [", "keywords: [: ]["), 4, "not valid YAML"),
        (GOOD.replace("## Ai tham gia", "## Ai được tham gia"), 16, "in this order"),
        (
            GOOD.split("## Liên hệ")[0] + "## Liên hệ\n",
            64,
            "section 'Liên hệ' is empty",
        ),
        (
            GOOD.replace("---\n\n## Mục đích", "---\nLời mở đầu\n\n## Mục đích"),
            7,
            "before the first",
        ),
        (
            GOOD.replace(
                "Tiếng mõ an ninh” là", unicodedata.normalize("NFD", "Tiếng mõ an ninh” là")
            ),
            10,
            "NFC",
        ),
        (GOOD.split("---", 2)[2], 1, "front matter"),
    ],
    ids=[
        "unknown",
        "missing",
        "bad-type",
        "yaml",
        "order",
        "empty",
        "preamble",
        "nfd",
        "no-header",
    ],
)
def test_a_broken_guide_is_named_with_its_line(
    folder: Path, capsys: pytest.CaptureFixture[str], text: str, line: int, words: str
) -> None:
    path = write(folder, "tieng-mo-an-ninh.md", text)
    code, _, err = run_check(folder, capsys)
    assert code == 1
    assert f"{path}:{line}: " in err and words in err, err


def test_two_guides_of_one_model_type_are_refused(folder: Path) -> None:
    write(folder, "copy.md", GOOD)
    _, problems = check(folder)
    assert any("also in" in problem.message for problem in problems)


def test_an_empty_folder_is_a_problem(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run_check(tmp_path, capsys)
    assert code == 1 and "no guide" in err


def touch_later(path: Path) -> None:
    """A new modification time even on file systems with coarse timestamps."""
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 2_000_000_000))


def test_an_edit_is_picked_up_without_a_restart(folder: Path) -> None:
    library = GuideLibrary(folder, check_interval=0)
    assert library.current().by_slug("tieng-mo-an-ninh") is not None
    assert not library.current().index.search("chuông gió")
    path = folder / "tieng-mo-an-ninh.md"
    path.write_text(GOOD.replace("treo một chiếc mõ hoặc kẻng", "treo chuông gió"), "utf-8")
    touch_later(path)
    hits = library.current().index.search("chuông gió")
    assert hits and hits[0].guide.slug == "tieng-mo-an-ninh"


def test_a_broken_edit_keeps_the_guides_in_use(folder: Path) -> None:
    library = GuideLibrary(folder, check_interval=0)
    before = library.current()
    path = write(folder, "tieng-mo-an-ninh.md", GOOD.replace("## Liên hệ", "## Lien he"))
    touch_later(path)
    assert library.current() is before
    result = library.reload()
    assert result.count == 9 and result.problems
    assert library.current().by_slug("tieng-mo-an-ninh") is not None


def test_a_broken_file_at_start_leaves_out_only_that_guide(folder: Path) -> None:
    write(folder, "tieng-mo-an-ninh.md", GOOD.replace("## Liên hệ", "## Lien he"))
    library = GuideLibrary(folder)
    shelf = library.current()
    assert len(shelf.guides) == 8
    assert shelf.by_slug("tieng-mo-an-ninh") is None
