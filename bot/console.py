"""The local console: the same conversations, typed in a terminal or piped from a script."""

from __future__ import annotations

import asyncio
import html
import re
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import TextIO

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.ratelimit import Limits
from bot.sender import Sender
from handlers.choices import option_keys
from handlers.engine import Engine
from handlers.i18n import Translator
from handlers.messages import InEvent, Location, OutMessage
from storage import failpoints, files, inbox
from storage.enums import Channel

CHANNEL = Channel.CONSOLE.value
_TAG = re.compile(r"</?(b|i)>")
_LOCATION = re.compile(r"^/vitri\s+(-?\d+(?:\.\d+)?)\s*[, ]\s*(-?\d+(?:\.\d+)?)\s*$")
_PHOTO = re.compile(r"^/anh(?:\s+(.+))?$")
BOLD, RESET = "\033[1m", "\033[0m"
FILES_DIR = Path("data/outbox-files")
POLL_SECONDS = 2.0


def render(message: OutMessage, *, color: bool) -> str:
    """Plain text for a terminal: markup dropped (or bold), choices as a numbered list."""
    if color:
        text = message.text.replace("<b>", BOLD).replace("</b>", RESET)
        text = _TAG.sub("", text)
    else:
        text = _TAG.sub("", message.text)
    lines = [html.unescape(text)]
    keys = option_keys(message)
    lines += [
        f"  {key}. {html.unescape(c.label)}" for key, c in zip(keys, message.choices, strict=True)
    ]
    return "\n".join(lines)


def to_event(line: str, user_key: str) -> InEvent:
    """What a typed line means; /vitri and /anh stand in for a phone's location and camera.
    Whether it answers the question or an alert's lettered option is the engine's to tell."""
    text = line.rstrip("\n")
    located = _LOCATION.match(text.strip())
    if located:
        point = Location(latitude=float(located[1]), longitude=float(located[2]))
        return InEvent(
            channel=CHANNEL, user_key=user_key, chat_key=user_key, kind="location", location=point
        )
    photo = _PHOTO.match(text.strip())
    if photo:
        name = (photo[1] or "anh.jpg").strip()
        return InEvent(
            channel=CHANNEL,
            user_key=user_key,
            chat_key=user_key,
            kind="photo",
            photos=[f"console:{name}"],
        )
    return InEvent(channel=CHANNEL, user_key=user_key, chat_key=user_key, kind="text", text=text)


class ConsolePrinter:
    """The console as a platform: a message is delivered once it is printed."""

    channel = CHANNEL

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        out: TextIO,
        *,
        color: bool,
        locale: str,
        files_dir: Path = FILES_DIR,
    ) -> None:
        self.sessions = sessions
        self.out = out
        self.color = color
        self.locale = locale
        self.files_dir = files_dir

    def is_group(self, chat_key: str) -> bool:
        return False

    async def send(
        self, chat_key: str, message: OutMessage, replacing: str | None = None
    ) -> str | None:
        shown = render(message, color=self.color)
        if message.attachment is not None:
            shown += "\n" + await self._save_attachment(message)
        self.out.write(shown + "\n\n")
        self.out.flush()
        return None

    async def _save_attachment(self, message: OutMessage) -> str:
        """Write the file where a person can open it, and say where."""
        attachment = message.attachment
        assert attachment is not None
        async with self.sessions() as session:
            stored = await files.load(session, attachment.file_id)
        path = self.files_dir / f"{attachment.file_id}-{attachment.name}"
        if stored is not None:
            await asyncio.to_thread(_write_file, path, stored.content)
        line = Translator(self.locale)("console.attached", name=attachment.name, path=path)
        return html.unescape(_TAG.sub("", str(line)))


UNLIMITED = Limits(per_second=1e9, per_chat_per_second=1e9, chat_burst=1_000_000)


class ConsoleChat:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        engine: Engine,
        user_key: str,
        out: TextIO,
        *,
        color: bool = False,
    ) -> None:
        self.sessions = sessions
        self.engine = engine
        self.user_key = user_key
        self.printer = ConsolePrinter(sessions, out, color=color, locale=engine.locale)
        # One person's console is one sender from run to run: a new run takes up the rows
        # the last one leased before it died.
        self.sender = Sender(
            sessions,
            self.printer,
            limits=UNLIMITED,
            chat_key=user_key,
            clock=engine.clock,
            owner=uuid.uuid5(uuid.NAMESPACE_URL, f"tuquan:console:{user_key}").hex,
        )
        self.session_id = uuid.uuid4().hex[:12]
        self.line_number = 0
        self._printing = asyncio.Lock()

    async def submit(self, event: InEvent, update_key: str) -> None:
        async with self.sessions() as session, session.begin():
            await inbox.store(
                session,
                channel=CHANNEL,
                update_key=update_key,
                user_key=self.user_key,
                chat_key=self.user_key,
                event=event.model_dump(exclude_defaults=True),
                now=self.engine.clock(),
            )
        failpoints.hit("after_inbox_commit")
        await self.engine.run_pending()
        await self.flush()

    async def flush(self) -> None:
        async with self._printing:
            await self.sender.drain()

    async def poll(self) -> None:
        """Print what others sent meanwhile (reminders, alerts, digests), until cancelled."""
        while True:
            await asyncio.sleep(POLL_SECONDS)
            await self.engine.run_pending()
            await self.flush()

    async def run(self, lines: AsyncIterator[str]) -> None:
        await self.sender.release_leases()
        await self.engine.run_pending()
        await self.submit(
            InEvent(channel=CHANNEL, user_key=self.user_key, chat_key=self.user_key, kind="resume"),
            f"{self.session_id}:resume",
        )
        async for line in lines:
            self.line_number += 1
            if not line.strip():
                continue
            await self.submit(
                to_event(line, self.user_key),
                f"{self.session_id}:{self.line_number}",
            )


def _write_file(path: Path, content: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)


async def stdin_lines(prompt: str) -> AsyncIterator[str]:
    """Lines from the terminal (with editing) or from a pipe, until end of input."""
    loop = asyncio.get_running_loop()
    interactive = sys.stdin.isatty()
    if interactive:
        import readline  # noqa: F401  (line editing and history for input())
    while True:
        try:
            if interactive:
                line = await loop.run_in_executor(None, input, prompt)
            else:
                line = await loop.run_in_executor(None, sys.stdin.readline)
                if line == "":
                    return
        except EOFError:
            return
        yield line


def banner(translator: Translator, who: str) -> str:
    return html.unescape(_TAG.sub("", str(translator("console.banner", who=who))))
