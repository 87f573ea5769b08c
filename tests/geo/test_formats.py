"""Reading files as streams (geo.formats): what the csv module cannot split, NUL characters,
and the layers of a zip or a GeoPackage."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd
import pyarrow as pa
import pytest
import shapely

from geo.formats import ChooseLayer, FormatError, nul_cells, open_csv, open_vector, vector_layers


def _csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_rows_are_numbered_by_their_first_line_and_none_is_invented(tmp_path: Path) -> None:
    source = open_csv(_csv(tmp_path / "a.csv", 'a,b\n1,"x\ny"\n\n2,z'))
    assert list(source) == [(2, ["1", "x\ny"]), (5, ["2", "z"])]


def test_an_empty_file_and_a_quote_never_closed(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="empty"):
        open_csv(_csv(tmp_path / "empty.csv", ""))
    source = open_csv(_csv(tmp_path / "open.csv", 'a,b\n1,2\n3,"4\n5,6\n'))
    rows = iter(source)
    assert next(rows) == (2, ["1", "2"])
    with pytest.raises(FormatError, match="line 3: a quote"):
        next(rows)


def test_a_nul_byte_is_noticed_before_its_row_is_handed_out(tmp_path: Path) -> None:
    source = open_csv(_csv(tmp_path / "nul.csv", "a,b\n1,2\n3,4\x00\n"))
    seen = [(number, source.nul_seen) for number, _ in source]
    assert seen[-1] == (3, True)
    clean = open_csv(_csv(tmp_path / "clean.csv", "a,b\n1,2\n"))
    assert [clean.nul_seen for _ in clean] == [False]


def test_nul_cells_name_the_first_text_field_holding_one() -> None:
    batch = pa.RecordBatch.from_pydict(
        {
            "n": [1, 2, 3],
            "name": ["a", "b\x00", None],
            "note": [None, "c\x00", "d\x00"],
        }
    )
    assert nul_cells(batch) == {1: "name", 2: "note"}


def _shapefile(tmp_path: Path) -> list[Path]:
    """roads.shp and its parts, one point in JGD2011."""
    folder = tmp_path / "shp"
    folder.mkdir()
    frame = gpd.GeoDataFrame(
        {"名称": ["a"]}, geometry=[shapely.Point(138.32, 34.86)], crs="EPSG:6668"
    )
    frame.to_file(folder / "roads.shp")
    return sorted(folder.iterdir())


class _Cp932Name(zipfile.ZipInfo):
    """A member name as Japanese Windows writes it: CP932 bytes without the UTF-8 flag."""

    def _encodeFilenameFlags(self) -> tuple[bytes, int]:  # overrides zipfile's own
        return self.filename.encode("cp932"), self.flag_bits & ~0x800


def test_the_layers_of_a_zip_are_its_data_files_by_the_names_their_maker_gave(
    tmp_path: Path,
) -> None:
    archive = tmp_path / "city.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in _shapefile(tmp_path):
            zf.write(part, part.name)
            # Finder's resource forks are not layers
            zf.writestr(f"__MACOSX/._{part.name}", b"\x00\x05\x16\x07")
            zf.writestr(_Cp932Name(f"道路{part.suffix}"), part.read_bytes())
        zf.writestr("readme.txt", "説明")
    layers = vector_layers(archive)
    assert sorted(layer.name for layer in layers) == ["roads.shp", "道路.shp"]
    with pytest.raises(ChooseLayer) as refused:
        open_vector(archive)
    assert sorted(refused.value.names) == ["roads.shp", "道路.shp"]
    source = open_vector(archive, member="道路.shp")
    assert source.field_names == ["名称"] and source.src_epsg == 6668
    assert [len(batch.geometries) for batch in source.batches] == [1]


def test_one_shapefile_in_a_folder_of_a_zip_opens_without_a_choice(tmp_path: Path) -> None:
    archive = tmp_path / "one.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for part in _shapefile(tmp_path):
            zf.write(part, f"data/{part.name}")
    assert [layer.name for layer in vector_layers(archive)] == ["data/roads.shp"]
    assert open_vector(archive).field_names == ["名称"]


def test_a_broken_zip_is_a_format_error(tmp_path: Path) -> None:
    archive = tmp_path / "broken.zip"
    archive.write_bytes(b"PK\x03\x04 not really")
    with pytest.raises(FormatError, match="zip"):
        vector_layers(archive)
