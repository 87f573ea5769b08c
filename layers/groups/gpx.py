"""GPX in and out: a file (or a zip of several) from a GPS logger or another app read as
patrols, one per track, every point kept with its time; any patrol written back as GPX 1.1,
its observations as waypoints.

Reading is all or nothing, and whatever is refused names the file, the track and the point.
The XML is parsed by defusedxml with no DTD allowed (so no entity expansion, "billion
laughs", and no external entities). The points are read here from that tree, not by
gpxpy.parse: it runs regular expressions over the raw text that take quadratic time on a
crafted file, and its field reader takes several times longer than this for a 20 MB file
(and turns an unreadable time into no time). gpxpy's time parser reads the rarer time forms.
Times without an offset are the city's time zone (a logger set to local time).

Writing uses the standard library's ElementTree: only our own values go out, and times are
written as stored, in UTC, with milliseconds (or microseconds) only when they have them."""

from __future__ import annotations

import hashlib
import io
import math
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import PurePosixPath
from typing import Any
from zoneinfo import ZoneInfo

import defusedxml
import defusedxml.ElementTree as SafeET
from gpxpy import gpx as gpx_model
from gpxpy import gpxfield
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.groups import patrols, tracks
from layers.groups.model import PatrolKind, PatrolSource
from layers.store.refusals import Refused
from layers.store.settings import Settings

GPX10 = "http://www.topografix.com/GPX/1/0"
GPX11 = "http://www.topografix.com/GPX/1/1"
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")
MAX_ZIP_MEMBERS = 1000
TITLE_MAX = 200
NOTES_MAX = 10_000
GPX_MEDIA_TYPE = "application/gpx+xml"
DECLARED_ENCODING = re.compile(
    rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})["']"""
)


# --- reading --------------------------------------------------------------------------------


@dataclass
class Walk:
    """One track of one file, checked, ready to be stored as a patrol."""

    file: str
    title: str
    kind: PatrolKind | None  # from the track's <type>, when it names one of ours
    notes: str | None
    fixes: list[tracks.Fix]


@dataclass
class Upload:
    walks: list[Walk] = field(default_factory=list)
    # What was left out on purpose (a zip's other files, waypoints, planned routes).
    notes_ja: list[str] = field(default_factory=list)
    notes_en: list[str] = field(default_factory=list)

    def note(self, ja: str, en: str) -> None:
        self.notes_ja.append(ja)
        self.notes_en.append(en)


def _refused(file: str, ja: str, en: str, status: int = 422) -> Refused:
    return Refused(f"{file}: {ja}", f"{file}: {en}", status=status, file=file)


def too_large(file: str, limit: int) -> Refused:
    shown = f"{limit / 1_000_000:g} MB"
    return _refused(
        file,
        f"ファイルが大きすぎます（上限 {shown}）。",
        f"the file is larger than {shown}",
        status=413,
    )


def read_upload(data: bytes, filename: str, settings: Settings) -> Upload:
    """The walks of one uploaded file: a .gpx, or a .zip holding .gpx files."""
    name = PurePosixPath(filename.replace("\\", "/")).name or "upload.gpx"
    if len(data) > settings.gpx_max_bytes:
        raise too_large(name, settings.gpx_max_bytes)
    upload = Upload()
    if data.startswith(ZIP_MAGIC) or name.lower().endswith(".zip"):
        for member, content in _zip_members(data, name, settings.gpx_max_bytes, upload):
            _read_gpx(content, member, settings, upload)
    else:
        _read_gpx(data, name, settings, upload)
    if not upload.walks:
        raise _refused(
            name,
            "取り込める時刻付きのトラックがありません。",
            "there is no track with points and times to import",
        )
    return upload


def _zip_members(data: bytes, name: str, most: int, upload: Upload) -> Iterator[tuple[str, bytes]]:
    """The .gpx files of a zip, read within ``most`` bytes unpacked in all: the sizes a zip
    declares may lie (a zip bomb), so each is read no further than what is left."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, EOFError, NotImplementedError) as error:
        raise _refused(
            name, "ZIP ファイルとして読めません。", f"not a readable zip file ({error})", 400
        ) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise _refused(
            name,
            f"ZIP の中のファイルが多すぎます（上限 {MAX_ZIP_MEMBERS}）。",
            f"the zip holds more than {MAX_ZIP_MEMBERS} files",
            413,
        )
    wanted = []
    for info in members:
        path = info.filename
        if info.is_dir():
            continue
        base = PurePosixPath(path).name
        if path.startswith("__MACOSX/") or "/__MACOSX/" in path or base.startswith("._"):
            continue  # macOS's resource forks, never a user's file
        if not base.lower().endswith(".gpx"):
            upload.note(
                f"{name} の {path} は GPX ではないため取り込みませんでした。",
                f"{name}: {path} is not a .gpx file and was left out",
            )
            continue
        wanted.append(info)
    if not wanted:
        raise _refused(name, "ZIP の中に GPX ファイルがありません。", "the zip holds no .gpx file")
    if sum(info.file_size for info in wanted) > most:
        raise too_large(name, most)
    left = most
    for info in wanted:
        shown = f"{name}/{info.filename}"
        if info.flag_bits & 0x1:
            raise _refused(
                shown, "暗号化されたファイルは読めません。", "the file is encrypted", 400
            )
        try:
            with archive.open(info) as member:
                content = member.read(left + 1)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, EOFError, ValueError) as e:
            raise _refused(
                shown, "ZIP の中のファイルが壊れています。", f"the file is damaged ({e})", 400
            ) from None
        if len(content) > left:
            raise too_large(name, most)
        left -= len(content)
        yield shown, content


def _parsed(data: bytes, file: str) -> Any:
    try:
        return SafeET.fromstring(data, forbid_dtd=True)
    except defusedxml.DefusedXmlException:
        raise
    except (ValueError, LookupError):
        # pyexpat reads UTF-8, UTF-16 and single-byte encodings only: a Japanese logger's
        # Shift_JIS or EUC-JP file is decoded here, then parsed as text.
        declared = DECLARED_ENCODING.match(data[:300])
        name = declared.group(1).decode("ascii") if declared else "?"
        try:
            text = data.decode(name)
        except (LookupError, UnicodeDecodeError):
            raise _refused(
                file,
                f"文字コード「{name}」を読めません。",
                f"unreadable character encoding '{name}'",
                400,
            ) from None
        return SafeET.fromstring(text, forbid_dtd=True)


def _root(data: bytes, file: str) -> Any:
    """The <gpx> element, GPX's namespace (1.0 or 1.1) taken off the tags."""
    try:
        root = _parsed(data, file)
    except defusedxml.DefusedXmlException:
        raise _refused(
            file,
            "DOCTYPE や実体参照を含む XML は受け付けません。",
            "XML with a DOCTYPE or entity declarations is not accepted",
            400,
        ) from None
    except ET.ParseError as error:
        raise _refused(
            file,
            f"XML として読めません（{error.position[0]} 行目）。",
            f"not XML ({error})",
            400,
        ) from None
    namespace, _, local = (
        root.tag[1:].rpartition("}") if root.tag.startswith("{") else ("", "", root.tag)
    )
    if local != "gpx" or namespace not in ("", GPX10, GPX11):
        raise _refused(
            file,
            f"GPX ファイルではありません（最上位の要素が <{local}> です）。",
            f"not a GPX file (the root element is <{local}>)",
            400,
        )
    if namespace:
        prefix = f"{{{namespace}}}"
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag.startswith(prefix):
                element.tag = element.tag[len(prefix) :]
    return root


def _text(element: Any, tag: str) -> str | None:
    child = element.find(tag)
    value = (child.text or "").strip() if child is not None else ""
    return value or None


def _read_gpx(data: bytes, file: str, settings: Settings, upload: Upload) -> None:
    root = _root(data, file)
    zone = ZoneInfo(settings.city_time_zone)
    found = 0
    for number, track in enumerate(root.findall("trk"), start=1):
        where = _where(file, "トラック", "track", number, _text(track, "name"))
        points = [
            (p, s)
            for s, segment in enumerate(track.findall("trkseg"))
            for p in segment.findall("trkpt")
        ]
        if not points:
            upload.note(f"{where[0]} には点がありません。", f"{where[1]} has no points")
            continue
        upload.walks.append(_walk(file, track, points, where, zone, settings))
        found += 1
    for number, route in enumerate(root.findall("rte"), start=1):
        where = _where(file, "ルート", "route", number, _text(route, "name"))
        points = [(p, 0) for p in route.findall("rtept")]
        if not points:
            continue
        if all(p.find("time") is None for p, _ in points):
            # A route planned on a map, not walked: it has no times to keep.
            upload.note(
                f"{where[0]} は時刻のない計画ルートのため取り込みませんでした。",
                f"{where[1]} is a planned route without times and was left out",
            )
            continue
        upload.walks.append(_walk(file, route, points, where, zone, settings))
        found += 1
    waypoints = len(root.findall("wpt"))
    if waypoints:
        upload.note(
            f"{file} のウェイポイント {waypoints} 件は取り込みませんでした。",
            f"{file}: {waypoints} waypoints were left out",
        )
    if not found:
        raise _refused(
            file,
            "トラックまたは点がありません。",
            "the file has no track with points",
        )


def _where(file: str, ja: str, en: str, number: int, name: str | None) -> tuple[str, str]:
    named = f"「{name}」" if name else ""
    shown = f" '{name}'" if name else ""
    return f"{file} の{ja} {number}{named}", f"{file}, {en} {number}{shown}"


class _Bad(Exception):
    """What is wrong with one point, said in both languages."""

    def __init__(self, ja: str, en: str) -> None:
        super().__init__(en)
        self.ja, self.en = ja, en


def _coordinate(point: Any, name: str, ja: str) -> float:
    raw = point.get(name)
    if raw is None:
        raise _Bad(f"{ja}（{name}）がありません。", f"has no {name}")
    try:
        return float(raw)
    except (TypeError, ValueError):
        raise _Bad(
            f"{ja}（{name}）が数値ではありません。", f"has {name} {raw!r}, not a number"
        ) from None


def _ele(point: Any) -> float | None:
    raw = _text(point, "ele")
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        raise _Bad(
            f"標高「{raw[:40]}」が数値ではありません。", f"has elevation '{raw[:40]}', not a number"
        ) from None


def _when(raw: str | None, zone: ZoneInfo) -> datetime:
    """A GPX time as UTC: ISO 8601 as GPX writes it, or the other forms gpxpy reads; a time
    without an offset is the city's (a logger set to local time)."""
    if raw is None:
        raise _Bad("時刻がありません。", "has no time")
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        try:
            parsed = gpxfield.parse_time(raw)
        except (gpx_model.GPXException, ValueError):  # ValueError: a month 13, a year 0
            parsed = None
        if parsed is None:
            raise _Bad(
                f"時刻「{raw[:40]}」を読めません。", f"has an unreadable time '{raw[:40]}'"
            ) from None
        at = parsed
    try:
        return (at if at.tzinfo is not None else at.replace(tzinfo=zone)).astimezone(UTC)
    except OverflowError:  # 0001-01-01 at +09:00 is before any date there is
        raise _Bad(f"時刻 {raw} はありえない日時です。", f"has an impossible time {raw}") from None


def _walk(
    file: str,
    track: Any,
    points: Sequence[tuple[Any, int]],
    where: tuple[str, str],
    zone: ZoneInfo,
    settings: Settings,
) -> Walk:
    fixes = []
    for index, (point, segment) in enumerate(points, start=1):
        try:
            lat = _coordinate(point, "lat", "緯度")
            lon = _coordinate(point, "lon", "経度")
            fixes.append(
                tracks.Fix(lon, lat, _when(_text(point, "time"), zone), None, _ele(point), segment)
            )
        except _Bad as bad:
            raise Refused(
                f"{where[0]}: {index} 点目の{bad.ja}",
                f"{where[1]}: point {index} {bad.en}",
                file=file,
                point=index,
            ) from None
    try:
        tracks.checked(fixes, settings.track_max_points)
    except Refused as refusal:
        raise Refused(
            f"{where[0]}: {refusal.message_ja}",
            f"{where[1]}: {refusal.message_en}",
            status=refusal.status,
            file=file,
        ) from None
    kind = next((k for k in PatrolKind if k.value == _text(track, "type")), None)
    notes = _text(track, "desc") or _text(track, "cmt")
    return Walk(file, _title(_text(track, "name"), file, fixes[0].at, zone), kind, notes, fixes)


def _title(name: str | None, file: str, first: datetime, zone: ZoneInfo) -> str:
    if name:
        return name[:TITLE_MAX]
    stem = PurePosixPath(file).stem or "GPX"
    return f"{stem}（{first.astimezone(zone):%Y-%m-%d}）"[:TITLE_MAX]


# --- storing --------------------------------------------------------------------------------

SUMMARIES = text(
    f"SELECT {patrols.SUMMARY_SQL} {patrols.FROM_SQL} "
    "WHERE p.id = ANY(CAST(:ids AS bigint[])) ORDER BY p.id"
)
KEEP_EVERY_POINT = tracks.Rules(None, None, None)


@dataclass(frozen=True)
class Imported:
    patrol_ids: list[int]
    replayed: bool


def record_walks(
    session: Session,
    group_id: int,
    upload: Upload,
    *,
    kind: PatrolKind | None,
    participants: int,
    recorded_by: int | None,
    key: str | None,
    fingerprint: str | None,
) -> Imported:
    """Every walk of the upload as a patrol, in the caller's transaction (all or nothing;
    the caller holds the group's lock). With an Idempotency-Key, each walk's key is derived
    from it and its place in the upload, so the same upload sent again stores nothing."""
    ids, replayed = [], []
    for number, walk in enumerate(upload.walks):
        kept = tracks.keep(walk.fixes, KEEP_EVERY_POINT)
        patrol_id, again = patrols.record_patrol(
            session,
            patrols.NewPatrol(
                group_id=group_id,
                kind=kind or walk.kind or PatrolKind.patrol,
                title=walk.title,
                started_at=walk.fixes[0].at,
                ended_at=walk.fixes[-1].at,
                participants=participants,
                notes=walk.notes[:NOTES_MAX] if walk.notes else None,
                recorded_by=recorded_by,
                track=kept,
                source=PatrolSource.gpx,
                key=_derived(key, number),
                fingerprint=_derived(fingerprint, number),
            ),
        )
        ids.append(patrol_id)
        replayed.append(again)
    return Imported(ids, all(replayed))


def _derived(value: str | None, number: int) -> str | None:
    return hashlib.sha256(f"{value}\n{number}".encode()).hexdigest() if value else None


def summaries(session: Session, patrol_ids: list[int]) -> list[dict[str, Any]]:
    return list(session.execute(SUMMARIES, {"ids": patrol_ids}).scalars())


# --- writing --------------------------------------------------------------------------------

PATROL = text("SELECT id, title, kind, started_at, notes FROM patrol WHERE id = :patrol_id")
# A patrol drawn without times (sent as a route) is written as its lines, points untimed.
ROUTE_POINTS = text(
    """SELECT (d.path)[1] - 1 AS part, ST_X(d.geom) AS lon, ST_Y(d.geom) AS lat
    FROM patrol p, ST_DumpPoints(p.route) d WHERE p.id = :patrol_id
    ORDER BY (d.path)[1], (d.path)[2]"""
)
OBSERVATIONS = text(
    """SELECT id, note, coalesce(observed_at, created_at) AS at,
        ST_X(geom) AS lon, ST_Y(geom) AS lat
    FROM patrol_observation WHERE patrol_id = :patrol_id AND geom IS NOT NULL ORDER BY id"""
)


def _number(value: float) -> str:
    """The shortest text that reads back as the same float, never in exponent form (GPX's
    decimals have none)."""
    return format(Decimal(repr(value)), "f")


def _time(at: datetime) -> str:
    utc = at.astimezone(UTC).replace(tzinfo=None)
    if utc.microsecond == 0:
        spec = "seconds"
    elif utc.microsecond % 1000 == 0:
        spec = "milliseconds"
    else:
        spec = "microseconds"
    return utc.isoformat(timespec=spec) + "Z"


def _child(parent: ET.Element, tag: str, value: str | None) -> None:
    if value is not None:
        ET.SubElement(parent, tag).text = value


def _point(parent: ET.Element, tag: str, lon: float, lat: float) -> ET.Element:
    return ET.SubElement(parent, tag, {"lat": _number(lat), "lon": _number(lon)})


def patrol_gpx(session: Session, patrol_id: int) -> bytes:
    """GPX 1.1: the patrol's name and start in the metadata, one <trkseg> per part of the
    track, each point with its elevation and time as stored, observations as waypoints."""
    patrol = session.execute(PATROL, {"patrol_id": patrol_id}).one()
    root = ET.Element(
        "gpx",
        {
            "version": "1.1",
            "creator": "machimap",
            "xmlns": GPX11,
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "xsi:schemaLocation": f"{GPX11} {GPX11}/gpx.xsd",
        },
    )
    metadata = ET.SubElement(root, "metadata")
    _child(metadata, "name", patrol.title)
    _child(metadata, "desc", patrol.notes)
    _child(metadata, "time", _time(patrol.started_at))
    for number, row in enumerate(session.execute(OBSERVATIONS, {"patrol_id": patrol_id}), 1):
        wpt = _point(root, "wpt", row.lon, row.lat)
        _child(wpt, "time", _time(row.at))
        first_line = row.note.strip().splitlines()[0] if row.note.strip() else ""
        _child(wpt, "name", first_line[:40] or f"観察 {number}")
        _child(wpt, "desc", row.note)
        _child(wpt, "type", "observation")
    trk = ET.SubElement(root, "trk")
    _child(trk, "name", patrol.title)
    _child(trk, "type", str(patrol.kind))
    segments: dict[int, ET.Element] = {}
    stored = tracks.points(session, patrol_id)
    if stored:
        for part, fix in stored:
            segment = segments.get(part)
            if segment is None:
                segment = segments[part] = ET.SubElement(trk, "trkseg")
            point = _point(segment, "trkpt", fix.lon, fix.lat)
            if fix.elevation_m is not None and math.isfinite(fix.elevation_m):
                _child(point, "ele", _number(fix.elevation_m))
            _child(point, "time", _time(fix.at))
    else:
        for row in session.execute(ROUTE_POINTS, {"patrol_id": patrol_id}):
            segment = segments.get(row.part)
            if segment is None:
                segment = segments[row.part] = ET.SubElement(trk, "trkseg")
            _point(segment, "trkpt", row.lon, row.lat)
    ET.indent(root, space=" ")
    body: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return body


UNSAFE_NAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def file_names(patrol_id: int, title: str, started_at: datetime, zone: str) -> tuple[str, str]:
    """An ASCII name for any browser, and the patrol's own title for those that read
    ``filename*``."""
    day = started_at.astimezone(ZoneInfo(zone))
    plain = f"patrol-{patrol_id}-{day:%Y%m%d}.gpx"
    titled = UNSAFE_NAME.sub("_", title).strip() or "patrol"
    return plain, f"{titled[:80]}-{day:%Y-%m-%d}.gpx"
