"""Files known to the emulated server: what users sent and what the bot uploaded."""

import secrets
from dataclasses import dataclass, field

# Telegram's file_id prefixes differ per file type; bots sometimes log or sniff them.
_FILE_ID_PREFIX = {
    "photo": "AgACAgUAAxkBAA",
    "document": "BQACAgUAAxkBAA",
    "voice": "AwACAgUAAxkBAA",
    "sticker": "CAACAgUAAxkBAA",
}
_FOLDER = {"photo": "photos", "document": "documents", "voice": "voice", "sticker": "stickers"}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    mime_type: str | None = None
    file_name: str | None = None
    remote_url: str | None = None
    width: int | None = None
    height: int | None = None

    @property
    def file_size(self) -> int:
        return len(self.data)

    def to_file(self) -> dict[str, object]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
            "file_path": self.file_path,
        }


@dataclass
class FileStore:
    _by_id: dict[str, StoredFile] = field(default_factory=dict)
    _by_path: dict[str, StoredFile] = field(default_factory=dict)
    _files_added: int = 0

    def add(
        self,
        kind: str,
        data: bytes,
        *,
        extension: str,
        mime_type: str | None = None,
        file_name: str | None = None,
        remote_url: str | None = None,
        dimensions: tuple[int, int] | None = None,
    ) -> StoredFile:
        self._files_added += 1
        number = self._files_added
        prefix = _FILE_ID_PREFIX.get(kind, _FILE_ID_PREFIX["document"])
        stored = StoredFile(
            file_id=f"{prefix}{number:06d}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AQAD{number:06d}{secrets.token_urlsafe(6)}",
            kind=kind,
            data=data,
            file_path=f"{_FOLDER.get(kind, 'documents')}/file_{number}.{extension}",
            mime_type=mime_type,
            file_name=file_name,
            remote_url=remote_url,
            width=dimensions[0] if dimensions else None,
            height=dimensions[1] if dimensions else None,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def by_id(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)
