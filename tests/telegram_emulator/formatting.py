"""Turns text + parse_mode (or explicit entities) into what Telegram stores and checks."""

from .errors import bad_request
from .html_parser import FormattedText, parse_html
from .jsontypes import JSONDict
from .utf16 import utf16_length

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
# Telegram trims these around message texts and captions before measuring them.
_TRIMMED = " \t\n\r"


def format_text(
    text: str,
    parse_mode: str | None,
    explicit_entities: list[JSONDict] | None,
    *,
    strict_ampersand: bool,
) -> FormattedText:
    if explicit_entities is not None:
        # The Bot API ignores parse_mode when entities are given explicitly.
        formatted = FormattedText(text, _checked_entities(explicit_entities))
    elif parse_mode is None or parse_mode == "":
        formatted = FormattedText(text, [])
    elif parse_mode.lower() == "html":
        formatted = parse_html(text, strict_ampersand=strict_ampersand)
    elif parse_mode.lower() in ("markdown", "markdownv2"):
        # Markdown is not used by the bot under test, so it passes through unparsed.
        formatted = FormattedText(text, [])
    else:
        raise bad_request("unsupported parse_mode")
    return _trimmed(formatted)


def check_message_text(formatted: FormattedText) -> None:
    length = utf16_length(formatted.text)
    if length == 0:
        raise bad_request("message text is empty")
    if length > MAX_TEXT_LENGTH:
        raise bad_request("message is too long")


def check_caption(formatted: FormattedText) -> None:
    if utf16_length(formatted.text) > MAX_CAPTION_LENGTH:
        raise bad_request("message caption is too long")


def _trimmed(formatted: FormattedText) -> FormattedText:
    text = formatted.text
    body = text.strip(_TRIMMED)
    if body == text:
        return formatted
    lead = utf16_length(text[: len(text) - len(text.lstrip(_TRIMMED))])
    body_length = utf16_length(body)
    entities: list[JSONDict] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, body_length)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(body, entities)


def _checked_entities(entities: object) -> list[JSONDict]:
    if not isinstance(entities, list):
        raise bad_request("can't parse entities JSON object")
    checked: list[JSONDict] = []
    for entity in entities:
        if not _is_entity(entity):
            raise bad_request("can't parse MessageEntity: Can't find field \"type\"")
        checked.append(dict(entity))
    return checked


def _is_entity(entity: object) -> bool:
    return (
        isinstance(entity, dict)
        and isinstance(entity.get("type"), str)
        and isinstance(entity.get("offset"), int)
        and isinstance(entity.get("length"), int)
    )
