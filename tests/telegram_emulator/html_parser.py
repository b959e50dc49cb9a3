"""Strict parser for parse_mode=HTML.

It follows Telegram's own parser (tdlib ``parse_html``): same supported tags, same
error texts and byte offsets.  One deliberate difference: a bare "&" that does not
start a supported character reference is an error here (``strict_ampersand``),
because the Bot API documentation requires it to be escaped even though the
production server happens to let it through.
"""

import re
from dataclasses import dataclass

from .errors import BotApiError, cant_parse_entities
from .jsontypes import JSONDict

SUPPORTED_TAGS = frozenset(
    {
        "a", "b", "strong", "i", "em", "s", "strike", "del", "u", "ins",
        "tg-spoiler", "tg-emoji", "span", "pre", "code", "blockquote",
    }
)  # fmt: skip

_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "u": "underline",
    "ins": "underline",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
}
_NAMED_REFERENCES = {b"lt": ord("<"), b"gt": ord(">"), b"amp": ord("&"), b"quot": ord('"')}
# Telegram treats NUL as whitespace because its parser walks a C string.
_SPACES = frozenset(b" \t\r\n\v\x00")
_LT, _GT, _AMP, _SLASH, _EQUALS = (ord(c) for c in "<>&/=")
_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*):")
_BARE_DOMAIN = re.compile(r"^[^\s/?#:]+\.[^\s/?#:]+")
_ALLOWED_LINK_SCHEMES = frozenset({"http", "https", "tg", "ton", "tonsite"})
_USER_LINK = re.compile(r"^tg://user\?id=(\d+)$", re.IGNORECASE)


@dataclass(frozen=True)
class FormattedText:
    text: str
    entities: list[JSONDict]


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_start: int
    output_start: int
    expandable: bool


def parse_html(source: str, *, strict_ampersand: bool = True) -> FormattedText:
    return _HtmlParser(source, strict_ampersand=strict_ampersand).parse()


class _HtmlParser:
    def __init__(self, source: str, *, strict_ampersand: bool) -> None:
        self._src = source.encode("utf-8")
        self._pos = 0
        self._out = bytearray()
        self._utf16 = 0
        self._open: list[_OpenTag] = []
        self._entities: list[JSONDict] = []
        self._code_language: tuple[int, int, str] | None = None
        self._strict_ampersand = strict_ampersand

    def parse(self) -> FormattedText:
        while self._pos < len(self._src):
            byte = self._src[self._pos]
            if byte == _AMP:
                self._read_character_reference()
            elif byte == _LT:
                self._read_tag()
            else:
                self._copy_byte(byte)
        if self._open:
            raise cant_parse_entities(
                f"Can't find end tag corresponding to start tag {self._open[-1].name}"
            )
        self._entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
        return FormattedText(self._out.decode("utf-8"), self._entities)

    def _at(self, index: int) -> int:
        return self._src[index] if index < len(self._src) else 0

    def _is_space(self, index: int) -> bool:
        return self._at(index) in _SPACES

    def _skip_spaces(self, index: int) -> int:
        while index < len(self._src) and self._is_space(index):
            index += 1
        return index

    def _copy_byte(self, byte: int) -> None:
        is_continuation_byte = byte & 0xC0 == 0x80
        if not is_continuation_byte:
            self._utf16 += 2 if byte >= 0xF0 else 1
        self._out.append(byte)
        self._pos += 1

    def _append_code_point(self, code_point: int) -> None:
        self._out += chr(code_point).encode("utf-8")
        self._utf16 += 2 if code_point > 0xFFFF else 1

    def _decode_reference(self, start: int) -> tuple[int, int] | None:
        """Return (code point, index after the reference) or None if it is not one."""
        end = start + 1
        if self._at(end) == ord("#"):
            end += 1
            hexadecimal = self._at(end) == ord("x")
            if hexadecimal:
                end += 1
            digits_start = end
            digit_chars = b"0123456789abcdefABCDEF" if hexadecimal else b"0123456789"
            while end < len(self._src) and self._src[end] in digit_chars:
                end += 1
            digits = self._src[digits_start:end]
            code_point = int(digits, 16 if hexadecimal else 10) if digits else 0
            if code_point == 0 or code_point >= 0x10FFFF or end - start >= 10:
                return None
        else:
            while end < len(self._src) and _is_ascii_letter(self._src[end]):
                end += 1
            named = _NAMED_REFERENCES.get(self._src[start + 1 : end])
            if named is None:
                return None
            code_point = named
        if self._at(end) == ord(";"):
            end += 1
        elif self._strict_ampersand:
            return None
        return code_point, end

    def _read_character_reference(self) -> None:
        decoded = self._decode_reference(self._pos)
        if decoded is None:
            if self._strict_ampersand:
                raise _unescaped_ampersand(self._pos)
            self._copy_byte(_AMP)
            return
        code_point, end = decoded
        if 0xD800 <= code_point <= 0xDFFF:
            raise cant_parse_entities(
                "Text contains invalid Unicode characters after decoding HTML entities, "
                "check for unmatched surrogate code units"
            )
        self._append_code_point(code_point)
        self._pos = end

    def _read_tag(self) -> None:
        if self._at(self._pos + 1) == _SLASH:
            self._read_end_tag(self._pos)
        else:
            self._read_start_tag(self._pos)

    def _read_start_tag(self, begin: int) -> None:
        i = begin + 1
        while not self._is_space(i) and self._at(i) != _GT:
            i += 1
        if i >= len(self._src):
            raise cant_parse_entities(f"Unclosed start tag at byte offset {begin}")
        tag = self._src[begin + 1 : i].decode("utf-8", "replace").lower()
        if tag not in SUPPORTED_TAGS:
            raise cant_parse_entities(f'Unsupported start tag "{tag}" at byte offset {begin}')
        argument = ""
        expandable = False
        while self._at(i) != _GT:
            i = self._skip_spaces(i)
            if self._at(i) == _GT:
                break
            name_start = i
            while not self._is_space(i) and self._at(i) not in (_EQUALS, _GT):
                i += 1
            attribute = self._src[name_start:i].decode("utf-8", "replace")
            if not attribute:
                raise cant_parse_entities(
                    f'Empty attribute name in the tag "{tag}" at byte offset {begin}'
                )
            i = self._skip_spaces(i)
            if self._at(i) != _EQUALS:
                if tag == "blockquote" and attribute == "expandable":
                    expandable = True
                    continue
                raise cant_parse_entities(
                    "Expected equal sign in declaration of an attribute of the tag "
                    f'"{tag}" at byte offset {begin}'
                )
            i = self._skip_spaces(i + 1)
            if i >= len(self._src):
                raise cant_parse_entities(f'Unclosed start tag "{tag}" at byte offset {begin}')
            value, i = self._read_attribute_value(i)
            if i >= len(self._src):
                raise cant_parse_entities(f"Unclosed start tag at byte offset {begin}")
            argument = _tag_argument(tag, attribute, value, argument)
        if tag == "span" and argument != "spoiler":
            raise cant_parse_entities(
                f'Tag "span" must have class "tg-spoiler" at byte offset {begin}'
            )
        self._open.append(_OpenTag(tag, argument, self._utf16, len(self._out), expandable))
        self._pos = i + 1

    def _read_attribute_value(self, i: int) -> tuple[str, int]:
        quote = self._at(i)
        if quote not in (ord("'"), ord('"')):
            token_start = i
            while _is_name_token_byte(self._at(i)):
                i += 1
            if not self._is_space(i) and self._at(i) != _GT:
                raise cant_parse_entities(
                    f"Unexpected end of name token at byte offset {token_start}"
                )
            return self._src[token_start:i].decode("ascii").lower(), i
        i += 1
        value = bytearray()
        while i < len(self._src) and self._at(i) != quote:
            if self._at(i) == _AMP:
                decoded = self._decode_reference(i)
                if decoded is not None:
                    value += chr(decoded[0]).encode("utf-8", "replace")
                    i = decoded[1]
                    continue
                if self._strict_ampersand:
                    raise _unescaped_ampersand(i)
            value.append(self._at(i))
            i += 1
        if self._at(i) == quote:
            i += 1
        return value.decode("utf-8", "replace"), i

    def _read_end_tag(self, begin: int) -> None:
        if not self._open:
            raise cant_parse_entities(f"Unexpected end tag at byte offset {begin}")
        i = begin + 2
        while not self._is_space(i) and self._at(i) != _GT:
            i += 1
        end_name = self._src[begin + 2 : i].decode("utf-8", "replace").lower()
        i = self._skip_spaces(i)
        if self._at(i) != _GT:
            raise cant_parse_entities(f"Unclosed end tag at byte offset {begin}")
        open_tag = self._open[-1]
        if end_name and end_name != open_tag.name:
            raise cant_parse_entities(
                f'Unmatched end tag at byte offset {begin}, expected "</{open_tag.name}>", '
                f'found "</{end_name}>"'
            )
        self._close(open_tag)
        self._open.pop()
        self._pos = i + 1

    def _close(self, tag: _OpenTag) -> None:
        offset = tag.utf16_start
        length = self._utf16 - offset
        if length <= 0:
            return
        entity: JSONDict | None
        if tag.name in _SIMPLE_ENTITY_TYPES:
            entity = {"type": _SIMPLE_ENTITY_TYPES[tag.name]}
        elif tag.name == "tg-emoji":
            entity = {"type": "custom_emoji", "custom_emoji_id": _custom_emoji_id(tag.argument)}
        elif tag.name == "a":
            entity = self._link_entity(tag)
        elif tag.name == "pre":
            entity = self._pre_entity(offset, length)
        elif tag.name == "code":
            self._code_language = (offset, length, tag.argument)
            entity = {"type": "code"}
        else:
            entity = {"type": "expandable_blockquote" if tag.expandable else "blockquote"}
        if entity is not None:
            self._entities.append({**entity, "offset": offset, "length": length})

    def _link_entity(self, tag: _OpenTag) -> JSONDict | None:
        url = tag.argument or self._out[tag.output_start :].decode("utf-8", "replace")
        user_link = _USER_LINK.match(url)
        if user_link:
            user = {"id": int(user_link.group(1)), "is_bot": False, "first_name": ""}
            return {"type": "text_mention", "user": user}
        checked = _checked_link(url)
        # Telegram silently drops links it cannot accept instead of failing the message.
        return None if checked is None else {"type": "text_link", "url": checked}

    def _pre_entity(self, offset: int, length: int) -> JSONDict | None:
        code = self._code_language
        last = self._entities[-1] if self._entities else None
        wraps_code_block = (
            code is not None
            and code[:2] == (offset, length)
            and code[2]
            and last is not None
            and last["type"] == "code"
            and (last["offset"], last["length"]) == (offset, length)
        )
        if wraps_code_block and code is not None:
            self._entities.pop()
            return {"type": "pre", "language": code[2]}
        return {"type": "pre"}


def _tag_argument(tag: str, attribute: str, value: str, current: str) -> str:
    if tag == "a" and attribute == "href":
        return value
    if tag == "code" and attribute == "class" and value.startswith("language-"):
        return value[len("language-") :]
    if tag == "span" and attribute == "class" and value.startswith("tg-"):
        return value[len("tg-") :]
    if tag == "tg-emoji" and attribute == "emoji-id":
        return value
    return current


def _custom_emoji_id(argument: str) -> str:
    if not argument.isdigit() or int(argument) == 0:
        raise cant_parse_entities("Invalid custom emoji identifier specified")
    return argument


def _checked_link(url: str) -> str | None:
    url = url.strip()
    scheme = _SCHEME.match(url)
    if scheme:
        return url if scheme.group(1).lower() in _ALLOWED_LINK_SCHEMES else None
    if _BARE_DOMAIN.match(url):
        return f"http://{url}"
    return None


def _is_ascii_letter(byte: int) -> bool:
    return byte < 0x80 and chr(byte).isalpha()


def _is_name_token_byte(byte: int) -> bool:
    return byte != 0 and byte < 0x80 and (chr(byte).isalnum() or byte in b".-")


def _unescaped_ampersand(offset: int) -> BotApiError:
    return cant_parse_entities(
        f'Character "&" at byte offset {offset} does not start a supported HTML entity; '
        'escape it as "&amp;"'
    )
