"""Splitting Telegram HTML into messages that each fit, each valid on its own.

Telegram refuses a text over 4096 UTF-16 code units. A cut prefers a line break, then a
space, and never falls inside a tag, a character reference or a letter with its
combining marks; tags open at the cut are closed before it and opened again after it.
Lengths are measured on the markup, which is never shorter than the text Telegram counts.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

TELEGRAM_TEXT_LIMIT = 4096

_ATOM = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9-]*)[^>]*>|&#?[a-zA-Z0-9]+;|.", re.S)


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class _Atom:
    text: str
    opens: str | None = None
    closes: str | None = None


def _atoms(html: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    for found in _ATOM.finditer(html):
        text = found.group(0)
        if found.group(2):
            name = found.group(2).lower()
            atoms.append(_Atom(text, closes=name) if found.group(1) else _Atom(text, opens=name))
        elif len(text) == 1 and unicodedata.combining(text) and atoms and _is_letter(atoms[-1]):
            # A combining mark stays with its letter ("ạ" may be "a" + U+0323).
            atoms[-1] = _Atom(atoms[-1].text + text)
        else:
            atoms.append(_Atom(text))
    return atoms


def _is_letter(atom: _Atom) -> bool:
    return atom.opens is None and atom.closes is None and not atom.text.startswith("&")


def _after(stack: tuple[str, ...], atom: _Atom) -> tuple[str, ...]:
    if atom.opens:
        return (*stack, atom.opens)
    if atom.closes and atom.closes in stack:
        index = len(stack) - 1 - stack[::-1].index(atom.closes)
        return stack[:index]
    return stack


def _openers(stack: tuple[str, ...]) -> str:
    return "".join(f"<{name}>" for name in stack)


def _closers(stack: tuple[str, ...]) -> str:
    return "".join(f"</{name}>" for name in reversed(stack))


@dataclass(frozen=True)
class _Cut:
    end: int  # atoms[start:end] go into this chunk
    resume: int  # the next chunk starts here (a line break or space at the cut is dropped)
    stack: tuple[str, ...]


def split_html(html: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Chunks of at most `limit` UTF-16 units; the input itself when it fits."""
    if utf16_length(html) <= limit:
        return [html]
    atoms = _atoms(html)
    chunks: list[str] = []
    start = 0
    stack: tuple[str, ...] = ()
    while start < len(atoms):
        while start < len(atoms) and atoms[start].text in ("\n", " "):
            start += 1
        if start == len(atoms):
            break
        cut = _next_cut(atoms, start, stack, limit)
        body = "".join(atom.text for atom in atoms[start : cut.end])
        chunk = _openers(stack) + body + _closers(cut.stack)
        if _visible(chunk):
            chunks.append(chunk)
        start, stack = cut.resume, cut.stack
    return chunks


def _next_cut(atoms: list[_Atom], start: int, stack: tuple[str, ...], limit: int) -> _Cut:
    budget = limit - utf16_length(_openers(stack))
    length, current = 0, stack
    line_break: _Cut | None = None
    space: _Cut | None = None
    anywhere: _Cut | None = None
    position = start
    while position < len(atoms):
        atom = atoms[position]
        following = _after(current, atom)
        grown = length + utf16_length(atom.text)
        if grown + utf16_length(_closers(following)) > budget:
            break
        if atom.text == "\n":
            line_break = _Cut(position, position + 1, current)
        elif atom.text == " ":
            space = _Cut(position, position + 1, current)
        length, current = grown, following
        position += 1
        anywhere = _Cut(position, position, current)
    if position == len(atoms):
        return _Cut(position, position, current)
    cut = line_break or space or anywhere
    if cut is None:
        raise ValueError(f"a limit of {limit} cannot hold the markup at atom {start}")
    return cut


def _visible(chunk: str) -> bool:
    return bool(re.sub(r"<[^>]*>", "", chunk).strip())
