"""Type aliases for Bot API payloads, which are free-form JSON objects."""

from typing import Any

JSONDict = dict[str, Any]
