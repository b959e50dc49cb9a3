"""One guide: a Markdown file with front matter and six sections, read and checked.

A guide that breaks a rule is reported with its file and line and never shown to anyone:
officers edit these files by hand, and a half-saved file must not reach residents.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECTION_TITLES = (
    "Mục đích",
    "Ai tham gia",
    "Hoạt động hằng tuần",
    "Thế nào là làm tốt",
    "Cách tham gia hoặc thành lập",
    "Liên hệ",
)
FIELDS = ("title", "model_type", "keywords", "summary")
FENCE = "---"
_HEADING = re.compile(r"^##\s+(.*?)\s*$")
_MODEL_TYPE = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True)
class Section:
    title: str
    body: str
    line: int


@dataclass(frozen=True)
class Guide:
    slug: str
    title: str
    model_type: str
    keywords: tuple[str, ...]
    summary: str
    sections: tuple[Section, ...]
    path: Path


def read(path: Path) -> tuple[Guide | None, list[Problem]]:
    """The guide in `path`, or None with every problem found in it."""
    try:
        text = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [Problem(path, 1, f"not UTF-8: {error.reason} at byte {error.start}")]
    except OSError as error:
        return None, [Problem(path, 1, f"cannot read: {error.strerror}")]
    lines = text.replace("\r\n", "\n").split("\n")
    problems = _not_nfc(path, lines)
    header, body_start, header_problems = _front_matter(path, lines)
    problems += header_problems
    sections, section_problems = _sections(path, lines, body_start)
    problems += section_problems
    if problems or header is None:
        return None, problems
    guide = Guide(
        slug=path.stem,
        title=header["title"].strip(),
        model_type=header["model_type"],
        keywords=tuple(k.strip() for k in header["keywords"]),
        summary=header["summary"].strip(),
        sections=tuple(sections),
        path=path,
    )
    return guide, []


def _not_nfc(path: Path, lines: list[str]) -> list[Problem]:
    """Search and display expect composed letters; a file pasted from elsewhere may not be."""
    return [
        Problem(path, number, "not in Unicode NFC (composed) form; re-save it as NFC")
        for number, line in enumerate(lines, 1)
        if not unicodedata.is_normalized("NFC", line)
    ][:3]


def _front_matter(path: Path, lines: list[str]) -> tuple[dict[str, Any] | None, int, list[Problem]]:
    """The header's fields, the index of the first body line, and what is wrong."""
    if not lines or lines[0].strip() != FENCE:
        return None, 0, [Problem(path, 1, "must start with front matter between '---' lines")]
    end = next((i for i in range(1, len(lines)) if lines[i].strip() == FENCE), None)
    if end is None:
        return None, 0, [Problem(path, 1, "front matter has no closing '---' line")]
    source = "\n".join(lines[1:end])
    try:
        data = yaml.safe_load(source)
        node = yaml.compose(source, Loader=yaml.SafeLoader)
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        line = mark.line + 2 if mark is not None else 1
        return None, end + 1, [Problem(path, line, f"front matter is not valid YAML: {error}")]
    if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
        return None, end + 1, [Problem(path, 2, "front matter must be 'field: value' lines")]
    key_lines = {str(k.value): k.start_mark.line + 2 for k, _ in node.value}
    problems = [
        Problem(path, key_lines[str(key)], f"unknown field '{key}'; fields are {', '.join(FIELDS)}")
        for key in data
        if key not in FIELDS
    ]
    for field in FIELDS:
        line = key_lines.get(field, 1)
        message = _field_problem(field, data.get(field))
        if message:
            problems.append(Problem(path, line, message))
    return (None if problems else data), end + 1, problems


def _field_problem(field: str, value: object) -> str | None:
    if value is None:
        return f"'{field}' is missing"
    if field == "keywords":
        if not isinstance(value, list) or not value:
            return "'keywords' must be a non-empty list, e.g. [tiếng mõ, an ninh]"
        if not all(isinstance(k, str) and k.strip() for k in value):
            return "every keyword must be non-empty text"
        return None
    if not isinstance(value, str) or not value.strip():
        return f"'{field}' must be non-empty text"
    if field == "model_type" and not _MODEL_TYPE.match(value):
        return "'model_type' must be lower case letters, digits and '_', e.g. tieng_mo"
    return None


def _sections(path: Path, lines: list[str], start: int) -> tuple[list[Section], list[Problem]]:
    problems: list[Problem] = []
    found: list[tuple[str, int, list[str]]] = []
    for index in range(start, len(lines)):
        heading = _HEADING.match(lines[index])
        if heading:
            found.append((heading[1], index + 1, []))
        elif found:
            found[-1][2].append(lines[index])
        elif lines[index].strip():
            problems.append(Problem(path, index + 1, "text before the first '## ' section"))
            break
    titles = [title for title, _, _ in found]
    if titles != list(SECTION_TITLES):
        line = next(
            (
                n
                for (title, n, _), want in zip(found, SECTION_TITLES, strict=False)
                if title != want
            ),
            found[len(SECTION_TITLES)][1] if len(found) > len(SECTION_TITLES) else start + 1,
        )
        expected = ", ".join(f"'## {t}'" for t in SECTION_TITLES)
        problems.append(Problem(path, line, f"sections must be, in this order: {expected}"))
    sections = []
    for title, line, body_lines in found:
        body = "\n".join(body_lines).strip()
        if not body:
            problems.append(Problem(path, line, f"section '{title}' is empty"))
        sections.append(Section(title=title, body=body, line=line))
    return sections, problems
