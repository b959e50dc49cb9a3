"""Telegram measures text lengths and entity offsets in UTF-16 code units."""


def utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2
