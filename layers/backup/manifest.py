"""The manifest: the last member of a backup, saying what it holds and how to check it."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator

from layers.store.refusals import Refused

FORMAT = "machimap-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DUMP = "database.dump"
MEDIA = "media/"
# The media store's keys (layers/media/storage.py): the file's SHA-256 is its name.
KEY = re.compile(r"([0-9a-f]{2})/([0-9a-f]{2})/\1\2[0-9a-f]{60}\.(?:jpg|png|webp)")
SHA256 = re.compile(r"[0-9a-f]{64}")


SHOWN = 10  # keys named in a message; the rest are counted


def listed(keys: list[str]) -> str:
    """Keys for a message, one a line, the first SHOWN of them."""
    lines = [f"  {key}" for key in keys[:SHOWN]]
    if len(keys) > SHOWN:
        lines.append(f"  … (+{len(keys) - SHOWN})")
    return "\n".join(lines)


def digest_of(key: str) -> str:
    """The SHA-256 a key names: ab/cd/<sha256>.jpg."""
    return key.rsplit("/", 1)[1].split(".", 1)[0]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class DumpFile(_Frozen):
    name: Literal["database.dump"] = "database.dump"
    size: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256.pattern)
    pg_dump_version: str


class MediaFile(_Frozen):
    key: str
    size: int = Field(ge=0)
    sha256: str = Field(pattern=SHA256.pattern)

    @field_validator("key")
    @classmethod
    def _a_key_of_the_store(cls, value: str) -> str:
        if not KEY.fullmatch(value):
            raise ValueError(f"{value!r} is not a media key")
        return value

    @field_validator("sha256")
    @classmethod
    def _named_by_its_hash(cls, value: str, info: ValidationInfo) -> str:
        key = info.data.get("key")
        if key is not None and digest_of(key) != value:
            raise ValueError(f"{key} is not named by its hash {value}")
        return value


class DefaultPrivilege(_Frozen):
    """ALTER DEFAULT PRIVILEGES of the schema's owner: what the tables and sequences later
    migrations create give to other roles (migration 0007 gives them to machimap_app)."""

    schema_: str = Field(alias="schema")
    on: Literal["TABLES", "SEQUENCES", "FUNCTIONS", "TYPES"]
    grantee: str  # a role name, or PUBLIC
    privileges: tuple[str, ...]


class Media(_Frozen):
    files: tuple[MediaFile, ...]
    # Referred to by the snapshot but absent from the store when the backup was taken
    # (kept only with --allow-missing-media).
    missing: tuple[str, ...] = ()

    @field_validator("missing")
    @classmethod
    def _keys_of_the_store(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        wrong = [key for key in value if not KEY.fullmatch(key)]
        if wrong:
            raise ValueError(f"{wrong[0]!r} is not a media key")
        return value


class Manifest(_Frozen):
    format: Literal["machimap-backup"] = "machimap-backup"
    format_version: Literal[1] = 1
    machimap_version: str
    created_at: str  # ISO 8601, UTC
    schema_revision: str | None
    database: str
    server_version: str
    postgis_version: str | None
    dump: DumpFile
    # Rows per table of the public schema in the dumped snapshot (PostGIS's own excluded).
    tables: dict[str, int]
    # Roles the dump grants privileges to: they must exist where it is restored.
    roles: tuple[str, ...]
    default_privileges: tuple[DefaultPrivilege, ...]
    media: Media

    def to_json(self) -> bytes:
        return self.model_dump_json(indent=1, by_alias=True).encode()

    @classmethod
    def from_json(cls, data: bytes) -> Manifest:
        try:
            return cls.model_validate_json(data)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise Refused(
                f"バックアップの目録（{MANIFEST}）が読めません: {where}: {first['msg']}",
                f"the backup's manifest ({MANIFEST}) cannot be read: {where}: {first['msg']}",
            ) from exc
