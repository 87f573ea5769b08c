"""Maintainer tool: rebuild data/yaizu/ from the city's open-data files.

Run once by a maintainer who has the source checkout (../shared/data/yaizu); the result is
committed, so neither the demo nor the tests need the source. Copies are byte-exact except
the files this script derives (listed in data/yaizu/README.md).
"""

from __future__ import annotations

import csv
import json
import re
import shutil
import sys
import unicodedata
import zipfile
from pathlib import Path

import pyogrio
import shapely

HERE = Path(__file__).parent / "data" / "yaizu"

COPIES = {
    "地域交流センター/222127_community_center.csv": "community_center.csv",
    "市役所・センター/222127_facilities_smartmap.csv": "public_facilities.csv",
    "避難所一覧/222127_hinannjo.csv": "shelters.csv",
    "指定緊急避難場所一覧/222127_evacuation_space.csv": "evacuation_sites.csv",
    "指定津波避難ビル一覧/222127_shiteitsunamihinanbiru.csv": "tsunami_evacuation_buildings.csv",
    "AED設置箇所一覧/222127_aed.csv": "aed.csv",
    "公園一覧/222127_park_info.csv": "parks.csv",
    "図書館/222127_library.csv": "libraries.csv",
    "小学校/222127_elementary_school.csv": "elementary_schools.csv",
    "中学校/222127_junior_high_school.csv": "junior_high_schools.csv",
    "子育て施設一覧/222127_preschool.csv": "childcare.csv",
    "救護所一覧/222127_kyuugosho.csv": "first_aid_stations.csv",
    "土のうステーション/222127_dono_station.csv": "sandbag_stations.csv",
    "交通事故_2022/222127_traffic_accident_2022.csv": "traffic_accidents_2022.csv",
    "アンダーパス/アンダーパス.csv": "underpasses.csv",
    "子どもを守る家/子どもを守る家.csv": "kodomo_mamoru_ie.csv",
    "yaizu_jichikai_areas.geojson": "jichikai_areas.geojson",
    "yaizu_jishubosai_areas.geojson": "jishubosai_areas.geojson",
    "yaizu_elementary_school_districts.geojson": "elementary_school_districts.geojson",
    "町丁目_代表点/222127_towns_geolonia.json": "towns_geolonia.json",
}
# Readings of the kinds of place a facility is named after its 大字 with: the facility's
# own 名称_カナ minus this is the 大字's reading (焼津小学校 ヤイヅショウガッコウ → ヤイヅ).
NAMED_AFTER_TOWN = {
    "小学校": "ショウガッコウ",
    "中学校": "チュウガッコウ",
    "公民館": "コウミンカン",
    "公園": "コウエン",
    "地域交流センター": "チイキコウリュウセンター",
    "保育園": "ホイクエン",
    "幼稚園": "ヨウチエン",
    "こども園": "コドモエン",
}


def town_readings(here: Path) -> list[tuple[str, str, str]]:
    """(大字, reading, the facility it is read from): Geolonia's town list has no readings,
    and the city's facility lists are the only readings of its place names we ship."""
    towns = json.loads((here / "towns_geolonia.json").read_text("utf-8"))
    bases = {re.sub(r"[一二三四五六七八九十]+丁目$", "", t["town"]) for t in towns}
    found: dict[str, tuple[str, str]] = {}
    for path in sorted(here.glob("*.csv")):
        raw = path.read_bytes()
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = raw.decode("cp932")
        for row in csv.DictReader(text.splitlines()):
            name = unicodedata.normalize("NFKC", row.get("名称") or "")
            kana = unicodedata.normalize("NFKC", row.get("名称_カナ") or "").replace(" ", "")
            for suffix, read in NAMED_AFTER_TOWN.items():
                base = name.removesuffix(suffix)
                if base != name and base in bases and kana.endswith(read) and kana != read:
                    found.setdefault(base, (kana.removesuffix(read), name))
    return sorted((base, kana, name) for base, (kana, name) in found.items())


ZIPPED_SHAPEFILES = {
    "中学校区/中学校区": "junior_high_school_districts.zip",
    "浸水履歴_統合/浸水履歴_統合": "flood_history.zip",
    "緊急輸送路_一次緊急輸送路/一次緊急輸送路": "emergency_roads_primary.zip",
    "緊急輸送路_二次緊急輸送路/二次緊急輸送路": "emergency_roads_secondary.zip",
    "緊急輸送路_三次輸送路/三次輸送路": "emergency_roads_tertiary.zip",
    "都市計画道路/都市計画道路": "city_planning_roads.zip",
    "公園_緑地/公園・緑地": "green_spaces.zip",
}


def main(source: Path) -> None:
    HERE.mkdir(parents=True, exist_ok=True)
    for src, dst in COPIES.items():
        shutil.copyfile(source / src, HERE / dst)
    for stem, dst in ZIPPED_SHAPEFILES.items():
        base = source / stem
        with zipfile.ZipFile(HERE / dst, "w", zipfile.ZIP_DEFLATED) as zf:
            for part in sorted(base.parent.glob(base.name + ".*")):
                if part.suffix.lower() in {".shp", ".shx", ".dbf", ".prj", ".cpg"}:
                    zf.write(part, part.name)
    # The published boundary is 123 unclosed line pieces; the 自治会 areas tile the city,
    # so their union is the outline.
    areas = pyogrio.read_dataframe(source / "yaizu_jichikai_areas.geojson")
    outline = shapely.union_all(shapely.make_valid(areas.geometry.values))
    outline = shapely.Polygon(outline.exterior) if outline.geom_type == "Polygon" else outline
    frame = areas.iloc[:1].copy()
    frame = frame[[]].assign(code="222127", name="焼津市", name_en="Yaizu")
    frame = frame.set_geometry([outline], crs=areas.crs)
    pyogrio.write_dataframe(
        frame,
        HERE / "city_boundary.geojson",
        driver="GeoJSON",
        layer_options={"COORDINATE_PRECISION": 7, "RFC7946": "YES"},
    )
    # Thirteen shapefiles of school routes (JGD2011) become one file with the school named.
    frames = []
    for folder in sorted(source.glob("通学路_*")):
        shp = next(folder.glob("*.shp"))
        df = pyogrio.read_dataframe(shp, encoding="cp932")
        df = df.assign(school=shp.stem, route_no=df["item1"])[["school", "route_no", "geometry"]]
        frames.append(df.to_crs(4326))
    import pandas as pd

    with (HERE / "town_readings.csv").open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["name", "kana", "read_from"])
        writer.writerows(town_readings(HERE))
    routes = pd.concat(frames, ignore_index=True)
    pyogrio.write_dataframe(
        routes,
        HERE / "school_routes.geojson",
        driver="GeoJSON",
        layer_options={"COORDINATE_PRECISION": 7, "RFC7946": "YES"},
    )


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("../shared/data/yaizu"))
