"""The README's settings table and `.env.example` name every setting, once, and nothing else."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

from pydantic import AliasChoices

from bot.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
ENV_EXAMPLE = ROOT / ".env.example"

ASSIGNMENT = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=", re.MULTILINE)


def environment_names() -> dict[str, set[str]]:
    """Each field of Settings with the environment variables it is read from."""
    prefix = str(Settings.model_config.get("env_prefix", ""))
    names: dict[str, set[str]] = {}
    for field, info in Settings.model_fields.items():
        alias = info.validation_alias
        if isinstance(alias, AliasChoices):
            found = {choice for choice in alias.choices if isinstance(choice, str)}
        elif isinstance(alias, str):
            found = {alias}
        else:
            found = {info.alias or prefix + field}
        names[field] = {name.upper() for name in found}
    return names


def prose(text: str) -> str:
    """text without its fenced code blocks (a guide's `## ` headings live in one)."""
    return re.sub(r"^```.*?^```[^\n]*\n", "", text, flags=re.MULTILINE | re.DOTALL)


def readme() -> str:
    return prose(README.read_text(encoding="utf-8"))


def section(text: str, title: str) -> str:
    """The body of the `## title` section, up to the next heading of that level."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.MULTILINE | re.DOTALL)
    assert match, f"README has no section '## {title}'"
    return match.group(1)


def tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table in text: its body rows as cells (header and rule left out)."""
    found: list[list[list[str]]] = []
    lines = text.splitlines()
    for number, line in enumerate(lines):
        if not line.startswith("|"):
            continue
        if number == 0 or not lines[number - 1].startswith("|"):
            found.append([])  # a header row
        elif not re.fullmatch(r"\|(\s*:?-+:?\s*\|)+", line):
            cells = re.split(r"(?<!\\)\|", line.strip())[1:-1]
            found[-1].append([cell.strip() for cell in cells])
    return found


def settings_table(text: str) -> list[str]:
    """The environment variable named in the first cell of each row of the settings table."""
    names = []
    for rows in tables(section(text, "Settings")):
        for cells in rows:
            match = re.fullmatch(r"`([A-Za-z_][A-Za-z0-9_]*)`", cells[0])
            assert match, f"a settings row names no variable: {cells[0]!r}"
            names.append(match.group(1).upper())
    return names


def problems(listed: list[str], where: str) -> list[str]:
    """What is wrong with a list of environment variable names, against Settings."""
    fields = environment_names()
    known = set().union(*fields.values())
    found: list[str] = []
    found += [f"{where}: {name} twice" for name, n in Counter(listed).items() if n > 1]
    found += [f"{where}: {name} is no setting" for name in listed if name not in known]
    found += [
        f"{where}: {field} ({', '.join(sorted(names))}) is missing"
        for field, names in fields.items()
        if not names & set(listed)
    ]
    return found


def test_the_settings_table_names_every_setting_once() -> None:
    found = problems(settings_table(readme()), "README settings table")
    assert not found, "\n".join(found)


def test_env_example_names_every_setting_once() -> None:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    names = [name.upper() for name in ASSIGNMENT.findall(text)]
    found = problems(names, ".env.example")
    assert not found, "\n".join(found)


def test_no_table_of_the_readme_repeats_a_row() -> None:
    for rows in tables(readme()):
        firsts = [cells[0] for cells in rows if cells]
        assert [first for first, n in Counter(firsts).items() if n > 1] == [], rows[0]


def test_the_check_sees_a_repeated_a_missing_and_an_unknown_row() -> None:
    text = readme()
    row = "| `TUQUAN_LOCALE` | `vi` | language of the messages (`vi` or `en`) |\n"
    assert row in text
    broken = text.replace(row, row * 2).replace("| `TUQUAN_TIMEZONE` |", "| `TUQUAN_TIME_ZONE` |")
    assert problems(settings_table(broken), "README") == [
        "README: TUQUAN_LOCALE twice",
        "README: TUQUAN_TIME_ZONE is no setting",
        "README: timezone (TUQUAN_TIMEZONE) is missing",
    ]
    assert any(len(rows) != len({cells[0] for cells in rows}) for rows in tables(broken))
