"""Reading Bot API call parameters the way Telegram does.

Clients send parameters as a query string, urlencoded or multipart form fields, or a
JSON body.  In form fields every value is a string and nested objects (reply_markup,
entities, commands...) are JSON text inside the field; in a JSON body they are
already objects.  Params hides that difference from the method handlers.
"""

import json
from collections.abc import Mapping
from dataclasses import dataclass

from aiohttp import web
from multidict import MultiMapping

from .errors import bad_request
from .jsontypes import JSONDict

_ATTACH_PREFIX = "attach://"


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


class Params:
    def __init__(self, values: Mapping[str, object], encoding: str = "none") -> None:
        self._values = dict(values)
        # How the client sent them (a content type, "query" or "none"), for assertions.
        self.encoding = encoding

    def __contains__(self, name: str) -> bool:
        return self._values.get(name) is not None

    def raw(self, name: str) -> object:
        return self._values.get(name)

    def for_log(self) -> JSONDict:
        return {name: _loggable(value) for name, value in self._values.items()}

    def string(self, name: str) -> str | None:
        value = self._values.get(name)
        if value is None or isinstance(value, UploadedFile):
            return None
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, (int, float)):
            return str(value)
        return json.dumps(value, ensure_ascii=False)

    def integer(self, name: str) -> int | None:
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                pass
        raise bad_request(f"invalid {name} specified")

    def required_integer(self, name: str, missing_detail: str) -> int:
        value = self.integer(name)
        if value is None:
            raise bad_request(missing_detail)
        return value

    def number(self, name: str) -> float | None:
        value = self._values.get(name)
        if value is None:
            return None
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
        raise bad_request(f"invalid {name} specified")

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self._values.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        if isinstance(value, int):
            return value != 0
        return str(value).strip().lower() in ("true", "1", "yes")

    def json(self, name: str, what: str | None = None) -> object:
        """A nested object: decoded from JSON text in form fields, as-is in JSON bodies."""
        value = self._values.get(name)
        if not isinstance(value, str):
            return value
        try:
            decoded: object = json.loads(value)
        except ValueError:
            raise bad_request(f"can't parse {what or name} JSON object") from None
        return decoded

    def file(self, name: str) -> UploadedFile | str | None:
        """An InputFile: an upload (directly or via attach://), a file_id or a URL."""
        value = self._values.get(name)
        if isinstance(value, str) and value.startswith(_ATTACH_PREFIX):
            value = self._values.get(value[len(_ATTACH_PREFIX) :])
            if not isinstance(value, UploadedFile):
                raise bad_request("wrong file identifier/HTTP URL specified")
        if value is None or isinstance(value, UploadedFile):
            return value
        return self.string(name)


async def read_params(request: web.Request) -> Params:
    values: dict[str, object] = dict(request.query)
    encoding = "query" if values else "none"
    if request.can_read_body:
        encoding = request.content_type
        if encoding == "application/json":
            values.update(await _read_json_body(request))
        else:
            values.update(read_form(await request.post()))
    return Params(values, encoding)


async def _read_json_body(request: web.Request) -> JSONDict:
    try:
        body: object = json.loads(await request.text())
    except ValueError:
        raise bad_request("can't parse JSON object") from None
    if not isinstance(body, dict):
        raise bad_request("JSON object expected")
    return body


def read_form(form: MultiMapping[str | bytes | bytearray | web.FileField]) -> dict[str, object]:
    values: dict[str, object] = {}
    for name, value in form.items():
        if isinstance(value, web.FileField):
            values[name] = UploadedFile(
                filename=value.filename,
                content_type=value.content_type,
                data=value.file.read(),
            )
        elif isinstance(value, (bytes, bytearray)):
            values[name] = bytes(value).decode("utf-8", "replace")
        else:
            values[name] = value
    return values


def _loggable(value: object) -> object:
    if isinstance(value, UploadedFile):
        return {"upload": value.filename, "size": len(value.data)}
    return value
