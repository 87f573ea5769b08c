"""A patrol's track: the fixes kept, in order and with their times, and the route PostGIS
draws from them, one part per stretch recorded without a gap.

A phone's fixes are filtered here, the same rules the walk page shows as it records: a fix
whose accuracy radius is too large, or that would mean moving impossibly fast from the last
fix kept, is dropped and counted. A gap (the page slept, or the walker paused the recording)
starts a new part, so the route never draws a straight line through the houses between.
A GPX file's points are all kept as the file has them (layers/groups/gpx.py)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from pyproj import Geod
from sqlalchemy import text
from sqlalchemy.orm import Session

from geo.geometry import GeometryError, check_lonlat
from layers.store.refusals import Refused
from layers.store.settings import Settings

_GEOD = Geod(ellps="GRS80")


@dataclass(frozen=True)
class Fix:
    lon: float
    lat: float
    at: datetime  # aware
    accuracy_m: float | None = None
    elevation_m: float | None = None
    # The recorder's own stretch number: a new one after a pause or a resumed page.
    segment: int = 0


@dataclass(frozen=True)
class Rules:
    """None keeps every fix (a GPX file is kept as it is); gap_s always splits."""

    max_accuracy_m: float | None
    max_speed_kmh: float | None
    gap_s: float | None


def phone_rules(settings: Settings) -> Rules:
    return Rules(settings.track_max_accuracy_m, settings.track_max_speed_kmh, settings.track_gap_s)


@dataclass
class Kept:
    fixes: list[Fix] = field(default_factory=list)
    parts: list[int] = field(default_factory=list)  # the part of each fix kept
    dropped_inaccurate: int = 0
    dropped_too_fast: int = 0

    @property
    def gaps(self) -> int:
        return self.parts[-1] if self.parts else 0


def _refused_at(index: int, ja: str, en: str) -> Refused:
    return Refused(f"軌跡の {index + 1} 点目: {ja}", f"track point {index + 1}: {en}", status=422)


def checked(fixes: Sequence[Fix], most: int) -> None:
    """Every fix a real place in Japan, times never going back: refused whole otherwise,
    naming the first bad point (nothing is stored)."""
    if len(fixes) > most:
        raise Refused(
            f"軌跡の点が多すぎます（{len(fixes)} 点、上限 {most} 点）。",
            f"the track has {len(fixes)} points; at most {most} are taken",
            status=413,
        )
    for i, fix in enumerate(fixes):
        try:
            check_lonlat(fix.lon, fix.lat)
        except GeometryError as error:
            raise _refused_at(i, error.message_ja, error.message_en) from error
        if fix.at.tzinfo is None:
            raise _refused_at(i, "時刻に時差（+09:00 など）がありません。", "time has no offset")
        if i and fix.at < fixes[i - 1].at:
            raise _refused_at(
                i,
                "時刻が前の点より前に戻っています。",
                "its time is before the previous point's",
            )
        if fix.accuracy_m is not None and not (
            math.isfinite(fix.accuracy_m) and fix.accuracy_m >= 0
        ):
            raise _refused_at(i, "精度の値が正しくありません。", "accuracy must be ≥ 0 metres")
        if fix.elevation_m is not None and not math.isfinite(fix.elevation_m):
            raise _refused_at(i, "標高の値が正しくありません。", "elevation must be a number")


def keep(fixes: Sequence[Fix], rules: Rules) -> Kept:
    """The fixes kept and the part each belongs to. Sequential by nature: whether a fix is
    too fast depends on the last one kept."""
    kept = Kept()
    last: Fix | None = None
    part = 0
    for fix in fixes:
        if rules.max_accuracy_m is not None and (fix.accuracy_m or 0) > rules.max_accuracy_m:
            kept.dropped_inaccurate += 1
            continue
        if last is not None:
            seconds = (fix.at - last.at).total_seconds()
            if fix.segment != last.segment or (rules.gap_s is not None and seconds > rules.gap_s):
                part += 1
            elif rules.max_speed_kmh is not None:
                metres = _GEOD.inv(last.lon, last.lat, fix.lon, fix.lat)[2]
                # Two fixes in the same second: judged as if a second apart.
                if metres / max(seconds, 1.0) * 3.6 > rules.max_speed_kmh:
                    kept.dropped_too_fast += 1
                    continue
        kept.fixes.append(fix)
        kept.parts.append(part)
        last = fix
    return kept


# One statement for the whole track: arrays bound, unnested by PostgreSQL.
INSERT_POINTS = text(
    """INSERT INTO patrol_point
        (patrol_id, seq, part, recorded_at, elevation_m, accuracy_m, geom)
    SELECT :patrol_id, s.seq - 1, s.part, s.at, s.ele, s.acc,
        ST_SetSRID(ST_MakePoint(s.lon, s.lat), 4326)
    FROM unnest(CAST(:parts AS int[]), CAST(:times AS timestamptz[]),
        CAST(:eles AS float8[]), CAST(:accs AS float8[]), CAST(:lons AS float8[]),
        CAST(:lats AS float8[])) WITH ORDINALITY AS s(part, at, ele, acc, lon, lat, seq)"""
)

# A part of one fix (or of one place repeated) is no line: it is kept as points alone.
DRAW_ROUTE = text(
    """UPDATE patrol SET route = (
        SELECT ST_Multi(ST_Collect(line ORDER BY part))
        FROM (SELECT part, ST_RemoveRepeatedPoints(ST_MakeLine(geom ORDER BY seq)) AS line
              FROM patrol_point WHERE patrol_id = :patrol_id GROUP BY part) s
        WHERE ST_NPoints(line) >= 2)
    WHERE id = :patrol_id"""
)


def store(session: Session, patrol_id: int, kept: Kept) -> None:
    fixes = kept.fixes
    session.execute(
        INSERT_POINTS,
        {
            "patrol_id": patrol_id,
            "parts": kept.parts,
            "times": [f.at for f in fixes],
            "eles": [f.elevation_m for f in fixes],
            "accs": [f.accuracy_m for f in fixes],
            "lons": [f.lon for f in fixes],
            "lats": [f.lat for f in fixes],
        },
    )
    session.execute(DRAW_ROUTE, {"patrol_id": patrol_id})


POINTS = text(
    """SELECT part, recorded_at, elevation_m, accuracy_m, ST_X(geom) AS lon, ST_Y(geom) AS lat
    FROM patrol_point WHERE patrol_id = :patrol_id ORDER BY seq"""
)


def points(session: Session, patrol_id: int) -> list[tuple[int, Fix]]:
    """The fixes kept, in order, with their part (for a GPX download)."""
    return [
        (r.part, Fix(r.lon, r.lat, r.recorded_at, r.accuracy_m, r.elevation_m, r.part))
        for r in session.execute(POINTS, {"patrol_id": patrol_id})
    ]
