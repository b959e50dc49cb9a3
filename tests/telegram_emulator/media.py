"""PhotoSize/Document objects for files the bot sends."""

from .files import FileStore, StoredFile
from .jsontypes import JSONDict
from .sample_media import sample_jpeg

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_SOF_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
_THUMBNAIL_SIDE = 90
_UNKNOWN_IMAGE_SIZE = (800, 600)


def image_dimensions(data: bytes) -> tuple[int, int] | None:
    if data.startswith(_PNG_SIGNATURE) and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        return _jpeg_dimensions(data)
    return None


def _jpeg_dimensions(data: bytes) -> tuple[int, int] | None:
    index = 2
    while index + 9 < len(data):
        if data[index] != 0xFF:
            index += 1
            continue
        marker = data[index + 1]
        if marker == 0xFF or marker == 0x01 or 0xD0 <= marker <= 0xD8:
            index += 1 if marker == 0xFF else 2
            continue
        if marker in _JPEG_SOF_MARKERS:
            height = int.from_bytes(data[index + 5 : index + 7], "big")
            width = int.from_bytes(data[index + 7 : index + 9], "big")
            return width, height
        index += 2 + int.from_bytes(data[index + 2 : index + 4], "big")
    return None


def photo_size(stored: StoredFile, width: int, height: int) -> JSONDict:
    return {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.file_size,
        "width": width,
        "height": height,
    }


def uploaded_photo_sizes(files: FileStore, data: bytes) -> list[JSONDict]:
    """Telegram answers an upload with a thumbnail plus the full-size photo."""
    width, height = image_dimensions(data) or _UNKNOWN_IMAGE_SIZE
    full = files.add(
        "photo", data, extension="jpg", mime_type="image/jpeg", dimensions=(width, height)
    )
    sizes = [photo_size(full, width, height)]
    if max(width, height) > _THUMBNAIL_SIDE:
        scale = _THUMBNAIL_SIDE / max(width, height)
        small = (round(width * scale), round(height * scale))
        thumbnail = files.add(
            "photo", data, extension="jpg", mime_type="image/jpeg", dimensions=small
        )
        sizes.insert(0, photo_size(thumbnail, *small))
    return sizes


def photo_from_url(files: FileStore, url: str) -> list[JSONDict]:
    # The emulator never leaves loopback, so a URL stands for a placeholder image.
    width, height = 800, 600
    stored = files.add(
        "photo",
        sample_jpeg(width, height),
        extension="jpg",
        mime_type="image/jpeg",
        remote_url=url,
        dimensions=(width, height),
    )
    return [photo_size(stored, width, height)]


def document_object(stored: StoredFile) -> JSONDict:
    document: JSONDict = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_size": stored.file_size,
    }
    if stored.file_name is not None:
        document["file_name"] = stored.file_name
    if stored.mime_type is not None:
        document["mime_type"] = stored.mime_type
    return document
