"""Reading the files cities publish, as streams: CSV with latitude/longitude columns (UTF-8
with or without BOM, Shift_JIS/CP932) and vector files GDAL reads (GeoJSON, GeoPackage,
zipped Shapefile). Nothing here holds a whole file in memory."""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import pyogrio
import shapely
from numpy.typing import NDArray

CSV_SUFFIXES = {".csv", ".txt"}
VECTOR_SUFFIXES = {".geojson", ".json", ".gpkg", ".zip", ".shp", ".fgb", ".kml", ".gml"}
LATITUDE_NAMES = ("緯度", "latitude", "lat", "y座標", "y")
LONGITUDE_NAMES = ("経度", "longitude", "lon", "lng", "long", "x座標", "x")


class FormatError(ValueError):
    """The file as a whole cannot be read; the message says why, in both languages."""

    def __init__(self, message_ja: str, message_en: str):
        super().__init__(message_en)
        self.message_ja = message_ja
        self.message_en = message_en


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
    """Counts bytes as they are read, for a progress bar over a streamed text file."""

    def __init__(self, raw: BinaryIO):
        self._raw = raw
        self.bytes_read = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._raw.readinto(buffer)  # type: ignore[attr-defined]
        self.bytes_read += n or 0
        return int(n or 0)


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
    """Stream a CSV as (line number of the record's first line, cells); header is line 1."""
    enc = encoding or detect_encoding(path)
    counter = _CountingReader(path.open("rb"))
    text = io.TextIOWrapper(io.BufferedReader(counter, 1 << 16), encoding=enc, newline="")
    reader = csv.reader(text)
    try:
        header = next(reader)
    except StopIteration:
        raise FormatError("ファイルが空です。", "the file is empty") from None
    except UnicodeDecodeError as exc:
        raise FormatError(
            f"文字コード {enc} として読めません: {exc}", f"cannot decode as {enc}: {exc}"
        ) from exc

    def rows() -> Iterator[tuple[int, list[str]]]:
        last = reader.line_num
        try:
            for row in reader:
                start, last = last + 1, reader.line_num
                if any(cell.strip() for cell in row):
                    yield start, row
        except UnicodeDecodeError as exc:
            raise FormatError(
                f"{last + 1}行目付近が文字コード {enc} として読めません。",
                f"line {last + 1}: cannot decode as {enc}",
            ) from exc
        finally:
            text.close()

    return CsvSource(path, enc, [h.lstrip("\ufeff") for h in header], counter, rows())


@dataclass
class VectorBatch:
    first_number: int  # 1-based feature number of the batch's first feature
    columns: dict[str, list[Any]]
    geometries: NDArray[Any]  # shapely geometries (None for missing), source CRS


@dataclass
class VectorSource:
    path: Path
    src_epsg: int | None
    feature_count: int | None
    field_names: list[str]
    batches: Iterator[VectorBatch]


def gdal_path(path: Path) -> str:
    return f"/vsizip/{path}" if path.suffix.lower() == ".zip" else str(path)


def open_vector(path: Path, batch_size: int = 5000, encoding: str | None = None) -> VectorSource:
    """Stream features in Arrow batches through GDAL (pyogrio), never the whole file."""
    try:
        info = pyogrio.read_info(gdal_path(path), encoding=encoding)
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
            gdal_path(path), batch_size=batch_size, encoding=encoding, use_pyarrow=True
        ) as (meta, reader):
            geom_name = meta.get("geometry_name") or "wkb_geometry"
            for batch in reader:
                table = batch.to_pydict()
                wkb = table.pop(geom_name, None)
                geoms = (
                    shapely.from_wkb(np.asarray(wkb, dtype=object))
                    if wkb is not None
                    else np.full(batch.num_rows, None, dtype=object)
                )
                yield VectorBatch(number, table, geoms)
                number += batch.num_rows

    return VectorSource(
        path, src_epsg, int(count) if count and count > 0 else None, fields, batches()
    )


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
