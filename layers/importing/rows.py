"""The rows of a file as they stream: a CSV's cells with latitude and longitude, a GIS file's
features with their geometry in the storage CRS, each row checked (a bad one is a
Rejection, never an exception, and None in the stream), then batched for COPY. The plan
comes first."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from geo.crs import STORAGE_SRID, to_storage
from geo.formats import LATITUDE_NAMES, LONGITUDE_NAMES, open_csv, open_vector
from geo.geometry import JAPAN_BOUNDS, GeometryError, check_lonlat, validate_many
from layers.importing.inference import ValueMap
from layers.importing.plan import Plan, make_plan
from layers.importing.rejects import Rejection, Rejects
from layers.importing.values import ImportRefused, RowError, number_text, shown, text_of
from layers.registry import Layer

BATCH = 10_000

Row = tuple[Any, ...] | None  # None: a row that was rejected


@dataclass
class ImportResult:
    layer: str
    path: Path
    unit: str  # "line" or "feature"
    read: int = 0
    loaded: int = 0
    repaired: int = 0
    # The first rejections by number (rejects.SHOWN at most); all of them are counted in
    # rejected_count and written to rejects_path when the options gave one.
    rejected: list[Rejection] = field(default_factory=list)
    rejected_count: int = 0
    rejects_path: Path | None = None
    committed: bool = False
    # Inferred kinds: (kind, where it came from, rows), most rows first; empty otherwise.
    kinds: list[tuple[str, str, int]] = field(default_factory=list)


@dataclass
class ImportOptions:
    constants: dict[str, str] = field(default_factory=dict)
    column_map: dict[str, str] = field(default_factory=dict)
    skip_invalid: bool = False
    rejects_path: Path | None = None
    encoding: str | None = None
    src_epsg: int | None = None  # for vector files without a CRS
    source_name: str | None = None
    # --map-values: the kind of rows whose column holds a value, when kinds are inferred.
    value_maps: list[ValueMap] = field(default_factory=list)
    member: str | None = None  # the layer of a file holding several (geo.formats.vector_layers)
    progress: Callable[[int, int | None], None] | None = None  # (done, total)


GEOMETRY_FAMILIES = {
    "Point": {"Point"},
    "MultiPolygon": {"Polygon", "MultiPolygon"},
    "MultiLineString": {"LineString", "MultiLineString"},
    "Geometry": {"Point", "LineString", "MultiLineString", "Polygon", "MultiPolygon"},
}


def check_extent(geom: shapely.Geometry) -> None:
    """A feature whose coordinates are not in Japan was read in the wrong CRS or swapped."""
    x0, y0, x1, y1 = shapely.bounds(geom)
    for lon, lat in ((x0, y0), (x1, y1)):
        check_lonlat(float(lon), float(lat))


def as_multi(geom: shapely.Geometry) -> shapely.Geometry:
    """A single polygon or line as the Multi* type a layer's column holds; others as given."""
    if geom.geom_type == "Polygon":
        return shapely.MultiPolygon([geom])
    if geom.geom_type == "LineString":
        return shapely.MultiLineString([geom])
    return geom


def to_multi(geoms: Any) -> Any:
    """Single polygons or lines into the Multi* type the layer's column holds."""
    out = geoms.copy()
    for i, g in enumerate(geoms):
        out[i] = as_multi(g)
    return out


def implausible(batch: list[tuple[Any, ...]], geoms: Any, rejects: Rejects) -> Any:
    """Coordinates of a CSV batch that are not plausibly in Japan (swapped, out of range):
    found with numpy, explained row by row by check_lonlat. None when all are fine."""
    if batch[0][-1] is not None:
        return None  # GIS files were checked feature by feature while reading
    lon = shapely.get_x(geoms)
    lat = shapely.get_y(geoms)
    x0, y0, x1, y1 = JAPAN_BOUNDS
    bad = ~(
        np.isfinite(lon) & np.isfinite(lat) & (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
    )
    if not bad.any():
        return None
    for k in np.flatnonzero(bad):
        try:
            check_lonlat(float(lon[k]), float(lat[k]))
        except GeometryError as exc:
            rejects.add(int(batch[k][0]), exc.message_ja, exc.message_en)
    return bad


def batches(rows: Iterator[Plan | Row] | Iterator[Row]) -> Iterator[list[tuple[Any, ...]]]:
    """The good rows of every BATCH rows read. Counting the rejected ones too bounds what a
    batch's check can find out of order (rejects.py keeps its file in order that way); a
    batch may be empty."""
    batch: list[tuple[Any, ...]] = []
    read = 0
    for row in rows:
        read += 1
        if row is not None:
            assert isinstance(row, tuple)
            batch.append(row)
        if read == BATCH:
            yield batch
            batch, read = [], 0
    if read:
        yield batch


def geometries(batch: list[tuple[Any, ...]]) -> Any:
    """Rows end with (lon, lat, geometry): CSV rows carry coordinates, GIS rows a geometry."""
    if batch[0][-1] is None:
        return shapely.points(np.array([r[-3] for r in batch]), np.array([r[-2] for r in batch]))
    geoms = np.empty(len(batch), dtype=object)
    geoms[:] = [r[-1] for r in batch]
    return geoms


def csv_rows(
    layer: Layer, path: Path, options: ImportOptions, result: ImportResult, rejects: Rejects
) -> Iterator[Plan | Row]:
    source = open_csv(path, options.encoding)
    lat_i = source.column_index(LATITUDE_NAMES)
    lon_i = source.column_index(LONGITUDE_NAMES)
    if lat_i is None or lon_i is None:
        raise ImportRefused(
            "緯度・経度の列が見つかりません（列名: 緯度, 経度 / latitude, longitude）",
            "no latitude/longitude columns found (expected 緯度/経度 or latitude/longitude)",
        )
    plan = make_plan(
        layer,
        source.header,
        options.constants,
        options.column_map,
        {lat_i, lon_i},
        options.value_maps,
    )
    yield plan
    progress, total = options.progress, source.size
    for number, cells in source:
        result.read += 1
        values: list[Any] | None = None
        try:
            if source.nul_seen:
                refuse_nul(cells, source.header)
            lat_text, lon_text = text_of(cells[lat_i]), text_of(cells[lon_i])
            if lat_text is None or lon_text is None:
                raise RowError("緯度・経度が空です", "latitude/longitude is empty")
            try:
                lon, lat = float(lon_text), float(lat_text)
            except ValueError:
                try:  # full-width digits and thousands separators, rarely
                    lon, lat = float(number_text(lon_text)), float(number_text(lat_text))
                except ValueError:
                    shown_lat, shown_lon = shown(lat_text), shown(lon_text)
                    raise RowError(
                        f"緯度・経度が数値ではありません（{shown_lat}, {shown_lon}）",
                        f"latitude/longitude are not numbers ({shown_lat}, {shown_lon})",
                    ) from None
            # Plausibility (in Japan, not swapped) is checked a batch at a time in _load.
            values = plan.row_values(cells, number)
        except (RowError, GeometryError) as exc:
            rejects.add(number, *_reasons(exc))
        if values is None:
            yield None
        elif plan.extra:  # only when the file has columns the layer does not keep
            yield (number, *values, plan.extra_of(cells), lon, lat, None)
        else:
            yield (number, *values, lon, lat, None)
        if progress is not None and result.read % 8192 == 0:
            progress(source.bytes_read, total)
    if progress is not None:
        progress(total, total)


def vector_rows(
    layer: Layer, path: Path, options: ImportOptions, result: ImportResult, rejects: Rejects
) -> Iterator[Plan | Row]:
    source = open_vector(path, encoding=options.encoding, member=options.member)
    src_epsg = source.src_epsg or options.src_epsg
    if src_epsg is None:
        raise ImportRefused(
            "ファイルに座標参照系がありません。--crs EPSG:6668 のように指定してください",
            "the file has no coordinate reference system; give one with --crs (e.g. EPSG:6668)",
        )
    plan = make_plan(
        layer,
        source.field_names,
        options.constants,
        options.column_map,
        set(),
        options.value_maps,
    )
    yield plan
    allowed = GEOMETRY_FAMILIES[layer.geometry_type]
    names = source.field_names
    for batch in source.batches:
        geoms = batch.geometries
        if src_epsg != STORAGE_SRID:
            present = ~shapely.is_missing(geoms)
            geoms = geoms.copy()
            geoms[present] = [to_storage(g, src_epsg) for g in geoms[present]]
        fixed, errors, notes = validate_many(geoms, allowed=allowed)
        columns = [batch.columns.get(name, []) for name in names]
        for offset in range(len(geoms)):
            number = batch.first_number + offset
            result.read += 1
            cells = [column[offset] for column in columns]
            error = errors[offset]
            values: list[Any] | None = None
            try:
                if offset in batch.nul:
                    raise _nul_error(batch.nul[offset])
                if error is not None:
                    raise error
                values = plan.row_values(cells, number)
                if notes[offset]:
                    result.repaired += 1
                check_extent(fixed[offset])
            except (RowError, GeometryError) as exc:
                values = None
                rejects.add(number, *_reasons(exc))
            if values is None:
                yield None
            else:
                extra = [plan.extra_of(cells)] if plan.extra else []
                yield (number, *values, *extra, None, None, fixed[offset])
        if options.progress is not None:
            options.progress(result.read, source.feature_count)


def _reasons(exc: RowError | GeometryError) -> tuple[str, str]:
    return (exc.ja, exc.en) if isinstance(exc, RowError) else (exc.message_ja, exc.message_en)


def refuse_nul(cells: list[str], header: list[str]) -> None:
    for i, cell in enumerate(cells):
        if "\x00" in cell:
            raise _nul_error(header[i] if i < len(header) else f"#{i + 1}")


def _nul_error(column: str) -> RowError:
    # A NUL never belongs in a text file: it marks a damaged row, and PostgreSQL text cannot
    # store it (COPY would fail the whole import), whichever column it is in.
    return RowError(
        f"「{shown(column)}」列に NUL 文字（\\0）があります（データベースに保存できません）",
        f"column '{shown(column)}' holds a NUL character (\\0), which the database cannot store",
    )
