"""Reading the files cities publish, as streams: CSV with latitude/longitude columns (UTF-8
with or without BOM, Shift_JIS/CP932) and vector files GDAL reads (GeoJSON, GeoPackage,
zipped Shapefile). Nothing here holds a whole file in memory."""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely
from numpy.typing import NDArray

CSV_SUFFIXES = {".csv", ".txt"}
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".zip", ".shp", ".fgb", ".kml", ".gml"}
LATITUDE_NAMES = ("緯度", "latitude", "lat", "y座標", "y")
LONGITUDE_NAMES = ("経度", "longitude", "lon", "lng", "long", "x座標", "x")
# The csv module's limit is per field, in characters, and it is what stops a quote that is
# never closed from reading the rest of a large file into one cell. Python's default
# (131,072) already holds the longest 備考 a city writes (a few thousand characters); a
# mebibyte also holds a boundary written as WKT in a column kept in "extra", while an
# unclosed quote is still stopped after about a megabyte. The limit belongs to the csv
# module, so it holds for the whole process: it is only ever raised, never lowered.
CSV_FIELD_LIMIT = 1 << 20
# Fed to the csv reader after the file's last line. A quote never closed swallows it into
# the last cell (the csv module, not strict, would silently return the rest of the file as
# that cell); otherwise it comes back as a record of its own and is dropped.
_END = "\x00machimap: end of file\x00"
_END_LINE = _END + "\n"
_END_RECORD = [_END]
# Members of a zip that hold data; ".json" is left out, as often metadata as GeoJSON.
ZIP_DATA_SUFFIXES = {".shp", ".geojson", ".gpkg", ".fgb", ".kml", ".gml"}


class FormatError(ValueError):
    """The file as a whole cannot be read; the message says why, in both languages."""

    def __init__(self, message_ja: str, message_en: str):
        super().__init__(message_en)
        self.message_ja = message_ja
        self.message_en = message_en


class ChooseLayer(FormatError):
    """The file holds more than one layer (a zip of several Shapefiles, a GeoPackage of
    several tables) and none was chosen, or the one chosen is not there: importing the first
    would silently leave the others out."""

    def __init__(self, path: Path, names: list[str], chosen: str | None = None):
        listed = ", ".join(names)
        if chosen is None:
            super().__init__(
                f"{path.name} には複数のレイヤがあります: {listed}",
                f"{path.name} holds more than one layer: {listed}",
            )
        else:
            super().__init__(
                f"{path.name} に {chosen} はありません（あるもの: {listed}）",
                f"{path.name} holds no {chosen!r} (it holds: {listed})",
            )
        self.names = names
        self.chosen = chosen


def normalize_column(name: str) -> str:
    """Column names differ in width, case and stray spaces (「発生日時　　分」); compare
    them after NFKC folding with all white space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name.lstrip("\ufeff"))).lower()


def detect_encoding(path: Path, sample_bytes: int = 1 << 20) -> str:
    """utf-8-sig when there is a BOM, utf-8 when the sample decodes, otherwise cp932."""
    with path.open("rb") as fh:
        sample = fh.read(sample_bytes)
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        # final=False: a multibyte character cut by the sample's end is not an error.
        decoder.decode(sample, final=False)
    except UnicodeDecodeError:
        return "cp932"
    return "utf-8"


class _CountingReader(io.RawIOBase):
    """Counts bytes as they are read, for a progress bar over a streamed text file, and
    notes a NUL byte: rows need looking at cell by cell only once one has been seen."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.bytes_read = 0
        self.nul_seen = False

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = int(self._raw.readinto(buffer) or 0)  # type: ignore[attr-defined]
        self.bytes_read += n
        if not self.nul_seen and n:
            self.nul_seen = b"\x00" in bytes(memoryview(buffer)[:n])
        return n


@dataclass
class CsvSource:
    path: Path
    encoding: str
    header: list[str]
    _counter: _CountingReader
    _rows: Iterator[tuple[int, list[str]]]

    @property
    def bytes_read(self) -> int:
        return self._counter.bytes_read

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    @property
    def nul_seen(self) -> bool:
        """Whether a NUL byte was read so far (read ahead of the rows handed out)."""
        return self._counter.nul_seen

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return self._rows

    def column_index(self, candidates: tuple[str, ...]) -> int | None:
        normalized = [normalize_column(h) for h in self.header]
        for name in candidates:
            key = normalize_column(name)
            if key in normalized:
                return normalized.index(key)
        return None


def open_csv(path: Path, encoding: str | None = None) -> CsvSource:
    """Stream a CSV as (line number of the record's first line, cells); header is line 1.
    A file the csv module cannot split into records is a FormatError naming the line: after
    a quote that is never closed there is no telling where the next record begins."""
    enc = encoding or detect_encoding(path)
    counter = _CountingReader(path.open("rb"))
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=enc, newline="")
    csv.field_size_limit(max(csv.field_size_limit(), CSV_FIELD_LIMIT))
    reader = csv.reader(itertools.chain(text, (_END_LINE,)))
    try:
        header = next(reader)
    except csv.Error as exc:
        text.close()
        raise _unreadable(exc, 1, reader.line_num) from None
    except UnicodeDecodeError as exc:
        text.close()
        raise FormatError(
            f"文字コード {enc} として読めません: {exc}", f"cannot decode as {enc}: {exc}"
        ) from exc
    if header == _END_RECORD:
        text.close()
        raise FormatError("ファイルが空です。", "the file is empty")
    if header and header[-1].endswith(_END_LINE):
        text.close()
        raise _unclosed(1)
    if any("\x00" in h for h in header):
        text.close()
        raise FormatError(
            "1行目（見出し）に NUL 文字があります。", "line 1 (the header) holds a NUL character"
        )

    def rows() -> Iterator[tuple[int, list[str]]]:
        last = reader.line_num
        try:
            for row in reader:
                start, last = last + 1, reader.line_num
                if any(cell.strip() for cell in row) and row != _END_RECORD:
                    if row[-1].endswith(_END_LINE):
                        raise _unclosed(start)
                    yield start, row
        except csv.Error as exc:
            raise _unreadable(exc, last + 1, reader.line_num) from None
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"{last + 1}行目付近が文字コード {enc} として読めません。",
                f"line {last + 1}: cannot decode as {enc}",
            ) from exc
        finally:
            text.close()

    return CsvSource(path, enc, [h.lstrip("\ufeff") for h in header], counter, rows())


def _unclosed(line: int) -> FormatError:
    return FormatError(
        f'{line}行目で開いた引用符（"）がファイルの終わりまで閉じられていません。',
        f'line {line}: a quote (") opened in the record starting there is never closed '
        "before the end of the file",
    )


def _unreadable(exc: csv.Error, start: int, line: int) -> FormatError:
    """A record the csv module gave up on; the lines after it cannot be trusted."""
    if "field larger than field limit" in str(exc):
        limit = csv.field_size_limit()
        return FormatError(
            f"{start}行目から始まる行に {limit:,} 文字を超える項目があります（{line}行目まで"
            '読みました）。引用符（"）が閉じられていない可能性があります。',
            f"line {start}: a field is longer than {limit:,} characters (read up to line "
            f'{line}); most likely a quote (") opened there is never closed',
        )
    return FormatError(
        f"{start}行目から始まる行を CSV として読めません（{exc}）。",
        f"line {start}: not readable as CSV ({exc})",
    )


@dataclass
class VectorBatch:
    first_number: int  # 1-based feature number of the batch's first feature
    columns: dict[str, list[Any]]
    geometries: NDArray[Any]  # shapely geometries (None for missing), source CRS
    nul: dict[int, str]  # offset in the batch -> first field whose text holds a NUL


@dataclass
class VectorSource:
    path: Path
    src_epsg: int | None
    feature_count: int | None
    field_names: list[str]
    batches: Iterator[VectorBatch]


@dataclass(frozen=True)
class VectorLayer:
    """One layer of a file, named the way an operator chooses it: a member of a zip
    ("roads.shp"), a table of a GeoPackage ("roads"), or both ("city.gpkg:roads")."""

    name: str
    gdal_path: str
    layer: str


def gdal_path(path: Path) -> str:
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def vector_layers(path: Path) -> list[VectorLayer]:
    """Every layer the file holds: each table of each data file in a zip, or of the file
    itself. Tables without geometry (QGIS keeps its layer_styles in the GeoPackage) are not
    layers to import when the file has tables with geometry."""
    datasets: list[tuple[str, str | None]] = [(gdal_path(path), None)]
    if path.suffix.lower() == ".zip":
        members = _zip_members(path)
        if members:  # otherwise as GDAL sees the archive (a lone GeoJSON named .json)
            datasets = [(f"/vsizip/{path}/{stored}", shown) for shown, stored in members]
    layers: list[VectorLayer] = []
    for source, member in datasets:
        names = _layer_names(source)
        if len(names) == 1:
            layers.append(VectorLayer(member or names[0], source, names[0]))
        else:
            layers.extend(
                VectorLayer(f"{member}:{name}" if member else name, source, name) for name in names
            )
    return layers


def _zip_members(path: Path) -> list[tuple[str, str]]:
    """The data files in a zip as (name to show, name as stored), leaving out what macOS
    adds (__MACOSX/, ._ files) and the parts of a Shapefile other than the .shp."""
    try:
        with zipfile.ZipFile(path) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError) as exc:
        raise FormatError(f"zip として開けません: {exc}", f"cannot open as a zip: {exc}") from exc
    members = []
    for info in infos:
        name = PurePosixPath(info.filename)
        if (
            info.is_dir()
            or name.parts[0] == "__MACOSX"
            or name.name.startswith("._")
            or name.suffix.lower() not in ZIP_DATA_SUFFIXES
        ):
            continue
        members.append((_shown_name(info), info.filename))
    return members


def _shown_name(info: zipfile.ZipInfo) -> str:
    """A member's name as its maker wrote it. Without the UTF-8 flag Python (and GDAL, which
    is given the stored form) read the bytes as CP437; Japanese Windows wrote CP932."""
    if info.flag_bits & 0x800:
        return info.filename
    raw = info.filename.encode("cp437")
    for encoding in ("utf-8", "cp932"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    return info.filename


def _layer_names(source: str) -> list[str]:
    try:
        listed = pyogrio.list_layers(source)
    except Exception as exc:  # GDAL raises a variety of error types
        raise FormatError(
            f"地理データとして開けません: {exc}", f"cannot open as GIS data: {exc}"
        ) from exc
    spatial = [str(name) for name, geometry_type in listed if geometry_type is not None]
    return spatial or [str(name) for name, _ in listed]


def open_vector(
    path: Path, batch_size: int = 5000, encoding: str | None = None, member: str | None = None
) -> VectorSource:
    """Stream features in Arrow batches through GDAL (pyogrio), never the whole file. A file
    of several layers needs `member`, one of their names; otherwise importing the first
    would leave the others out without a word."""
    layers = vector_layers(path)
    names = [layer.name for layer in layers]
    chosen = next((layer for layer in layers if layer.name == member), None)
    if member is None and len(layers) == 1:
        chosen = layers[0]
    if not layers:
        raise FormatError(
            "地理データとして開けません: レイヤがありません", "cannot open as GIS data: no layers"
        )
    if chosen is None:
        raise ChooseLayer(path, names, member)
    try:
        info = pyogrio.read_info(chosen.gdal_path, layer=chosen.layer, encoding=encoding)
    except Exception as exc:  # GDAL raises a variety of error types
        raise FormatError(
            f"地理データとして開けません: {exc}", f"cannot open as GIS data: {exc}"
        ) from exc
    crs = info.get("crs")
    src_epsg = _epsg_of(crs) if crs else None
    count = info.get("features")
    fields = [str(f) for f in info["fields"]]

    def batches() -> Iterator[VectorBatch]:
        number = 1
        with pyogrio.open_arrow(
            chosen.gdal_path,
            layer=chosen.layer,
            batch_size=batch_size,
            encoding=encoding,
            use_pyarrow=True,
        ) as (meta, reader):
            geom_name = meta.get("geometry_name") or "wkb_geometry"
            for batch in reader:
                nul = nul_cells(batch)
                table = batch.to_pydict()
                wkb = table.pop(geom_name, None)
                geoms = (
                    shapely.from_wkb(np.asarray(wkb, dtype=object))
                    if wkb is not None
                    else np.full(batch.num_rows, None, dtype=object)
                )
                yield VectorBatch(number, table, geoms, nul)
                number += batch.num_rows

    return VectorSource(
        path, src_epsg, int(count) if count and count > 0 else None, fields, batches()
    )


def nul_cells(batch: pa.RecordBatch) -> dict[int, str]:
    """Rows of a batch with a NUL character in a text field, each with the first such field.
    PostgreSQL text cannot hold one. GDAL 3.12 cuts text at a NUL in every driver tried
    (GeoJSON, GeoPackage, Shapefile, FlatGeobuf), so this finds none there; a driver that
    passes them on would otherwise fail the whole import at COPY."""
    found: dict[int, str] = {}
    for name, column in zip(batch.schema.names, batch.columns, strict=True):
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            continue
        hits = pc.fill_null(pc.match_substring(column, "\x00"), False)
        if pc.any(hits).as_py():
            for row in np.flatnonzero(hits.to_numpy(zero_copy_only=False)):
                found.setdefault(int(row), name)
    return found


def _epsg_of(crs: str) -> int | None:
    from pyproj import CRS

    try:
        parsed = CRS.from_user_input(crs)
    except Exception:
        return None
    code = parsed.to_epsg(min_confidence=70)
    return int(code) if code else None


def is_csv(path: Path) -> bool:
    return path.suffix.lower() in CSV_SUFFIXES


def is_vector(path: Path) -> bool:
    return path.suffix.lower() in VECTOR_SUFFIXES
