"""What a conversation step sees and produces: one person, one event, the replies."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from markupsafe import Markup
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.channels import FULL, ChannelTraits
from handlers.choices import match
from handlers.guides import GuideLibrary, shared_library
from handlers.i18n import Translator
from handlers.messages import Choice, InEvent, OutMessage
from handlers.steps import Steps
from storage import outbox
from storage.enums import Role
from storage.models import Identity, Person, Unit
from storage.people import ActiveRole
from storage.retention import RetentionPolicy

IDLE_FLOW = "menu"
IDLE_STEP = "main"
PROMPT_KEY = "_prompt"
STATE_KEY = "state"
BACK = "back"
REPORTER_ROLES = (Role.REPORTER, Role.DEPUTY)
State = TypeVar("State", bound=BaseModel)


@dataclass(frozen=True)
class Picked:
    """An answer that named one of the offered options."""

    id: str


@dataclass(frozen=True)
class StaleChoice:
    """A button from an earlier question, or data that was never offered."""


@dataclass(frozen=True)
class Notice:
    """A message to someone other than the person who wrote, e.g. an alert to an officer."""

    key: str
    identity_id: int
    channel: str
    chat_key: str
    message: OutMessage

    def outgoing(self) -> outbox.Outgoing:
        return outbox.Outgoing(
            idempotency_key=self.key,
            channel=self.channel,
            chat_key=self.chat_key,
            identity_id=self.identity_id,
            message=self.message.model_dump(exclude_defaults=True),
            standing=self.message.standing_token,
        )


@dataclass
class Ctx:
    session: AsyncSession
    identity: Identity
    person: Person
    roles: list[ActiveRole]
    now: datetime
    tz: ZoneInfo
    t: Translator
    inbox_id: int | None = None
    guides: GuideLibrary = field(default_factory=shared_library)
    traits: ChannelTraits = FULL
    retention: RetentionPolicy = field(default_factory=RetentionPolicy)
    web_url: str | None = None
    flow: str = IDLE_FLOW
    step: str = IDLE_STEP
    data: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    replies: list[OutMessage] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    menu_requested: bool = False
    menu_intro: Markup | str | None = None
    _state: BaseModel | None = None

    @property
    def local_now(self) -> datetime:
        return self.now.astimezone(self.tz)

    @property
    def is_idle(self) -> bool:
        return self.flow == IDLE_FLOW

    def role_unit(self, *roles: Role) -> Unit | None:
        for active in self.roles:
            if active.role in roles:
                return active.unit
        return None

    @property
    def hamlet(self) -> Unit | None:
        return self.role_unit(*REPORTER_ROLES)

    @property
    def is_resident(self) -> bool:
        """Anyone without a role: the people the guides are written for."""
        return not self.roles

    def say(self, text: Markup | str) -> None:
        self.replies.append(OutMessage(text=str(text)))

    def ask(
        self,
        at: Steps,
        text: Markup | str,
        choices: list[Choice] | None = None,
        *,
        ask_location: bool = False,
        ask_contact: bool = False,
        menu: list[str] | None = None,
        intro: Markup | str | None = None,
    ) -> None:
        """Move to step `at` and ask its question; buttons carry the new version as their token.

        `intro` (what just happened) is sent with the question but not repeated on a re-ask.
        """
        self.flow, self.step = at.key
        self.menu_requested, self.menu_intro = False, None
        self.version += 1
        message = OutMessage(
            text=str(text),
            choices=choices or [],
            choice_token=str(self.version) if choices else None,
            ask_location=ask_location,
            ask_contact=ask_contact,
            menu=menu or [],
        )
        self.data[PROMPT_KEY] = message.model_dump()
        if intro:
            message = message.model_copy(update={"text": f"{intro}\n\n{text}"})
        self.replies.append(message)

    def back_choice(self) -> Choice:
        """ "Về menu chính": the router answers it at every step."""
        return Choice(id=BACK, label=str(self.t("common.back_to_menu")))

    def finish(self, intro: Markup | str | None = None) -> None:
        """End the conversation; the menu is shown after the step, with `intro` above it."""
        self.reset()
        self.menu_requested, self.menu_intro = True, intro

    def begin(self, state: State) -> State:
        """Start a conversation afresh with `state`: what an earlier one remembered goes."""
        self.data = {}
        self._state = state
        return state

    def state(self, model: type[State]) -> State:
        """The flow's state, typed; kept in `data` when the step ends (`keep_state`)."""
        if isinstance(self._state, model):
            return self._state
        if self._state is not None:
            raise TypeError(f"the state is a {type(self._state).__name__}, not a {model.__name__}")
        stored = self.data.get(STATE_KEY)
        found = model.model_validate(stored) if isinstance(stored, dict) else model()
        self._state = found
        return found

    def keep_state(self) -> None:
        """Write the typed state into `data`; a conversation always has one, even empty, so a
        conversation without it is one an earlier version of the bot left (`is_outdated`)."""
        if self.is_idle:
            return
        if self._state is not None:
            self.data[STATE_KEY] = self._state.model_dump(mode="json")
        else:
            self.data.setdefault(STATE_KEY, {})

    @property
    def is_outdated(self) -> bool:
        return not self.is_idle and STATE_KEY not in self.data

    def reprompt(self, problem: Markup | str) -> None:
        """Say what was wrong and ask the same question again; the step does not move."""
        stored = self.data.get(PROMPT_KEY)
        if stored is None:
            self.say(problem)
            return
        prompt = OutMessage.model_validate(stored)
        self.replies.append(prompt.model_copy(update={"text": f"{problem}\n\n{prompt.text}"}))

    def resume(self) -> bool:
        """Show the current question again; False when there is none."""
        stored = self.data.get(PROMPT_KEY)
        if stored is None:
            return False
        self.replies.append(OutMessage.model_validate(stored))
        return True

    def notify(self, recipient: Identity, message: OutMessage, key: str) -> None:
        """Send to another identity; `key` makes the message unique (kind:subject:recipient)."""
        self.notices.append(
            Notice(key, recipient.id, recipient.channel, recipient.chat_key, message)
        )

    def reset(self) -> None:
        self.flow, self.step, self.data = IDLE_FLOW, IDLE_STEP, {}
        self._state = None

    @property
    def offered(self) -> list[Choice]:
        stored = self.data.get(PROMPT_KEY)
        return OutMessage.model_validate(stored).choices if stored else []

    def choose(self, event: InEvent, *, loose: bool = True) -> str | None:
        """The chosen option's id; otherwise the question is asked again, or the menu shown
        for "back", and None returned."""
        picked = self.pick(event, loose=loose)
        if picked == Picked(BACK):
            self.finish()
            return None
        if isinstance(picked, Picked):
            return picked.id
        stale = isinstance(picked, StaleChoice)
        self.reprompt(self.t("error.stale_choice" if stale else "error.pick_one"))
        return None

    def pick(self, event: InEvent, *, loose: bool = True) -> Picked | StaleChoice | None:
        """The option the event names; None when it names none (typed words matching nothing).

        Steps that also take free text pass `loose=False` (see `choices.match`).
        """
        options = self.offered
        if event.kind == "choice":
            valid = event.choice_token == str(self.version) and any(
                option.id == event.choice_id for option in options
            )
            return Picked(str(event.choice_id)) if valid else StaleChoice()
        if event.kind == "text" and event.text:
            found = match(event.text, options, loose=loose)
            return Picked(found) if found else None
        return None
