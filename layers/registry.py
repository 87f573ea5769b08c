"""The layer registry: one declarative definition per map layer.

Everything that publishes or imports layers (OGC API, tiles, the web map, open data, the
importer) reads this list; nothing else names layers. Field ``aliases`` are the column names
seen in real files (自治体標準オープンデータセット and city layouts) so imports map themselves.
"""

from __future__ import annotations

import builtins
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Literal

from layers.city.districts import District, DistrictLevel, SchoolDistrict, SchoolKind
from layers.city.facilities import (
    CostCategory,
    Facility,
    FacilityKind,
    Owner,
    SeismicStandard,
    Structure,
    UseStatus,
)
from layers.city.hazards import Hazard, HazardKind, HazardSource, HazardStatus
from layers.city.roads import GreenSpace, Road, RoadKind
from layers.groups.model import Patrol, SafetyFeatureDetail, SafetyFeatureKind, SafetyMapFeature
from layers.reports.model import Report
from layers.store.base import Base

FieldType = Literal["string", "integer", "number", "boolean", "date", "datetime", "string[]"]
# The PostgreSQL type each field type is cast to (imports, query parameters).
PG_TYPES: dict[str, str] = {
    "string": "text",
    "integer": "bigint",
    "number": "float8",
    "boolean": "boolean",
    "date": "date",
    "datetime": "timestamptz",
    "string[]": "text[]",
}
Access = Literal["public", "staff", "group"]

PDL = "公共データ利用規約（第1.0版）/ CC BY 4.0 互換"
# The public_filter of a layer whose rows only their groups read (patrols): no row passes.
NO_PUBLIC_ROWS = "false"


@dataclass(frozen=True)
class Field:
    name: str
    type: FieldType
    title_ja: str
    title_en: str
    public: bool = True
    required: bool = False
    choices: builtins.type[StrEnum] | None = None
    aliases: tuple[str, ...] = ()
    importable: bool = True
    # For string[] fields: (column, value) pairs; a truthy cell ("○", "1") adds the value.
    flags: tuple[tuple[str, str], ...] = ()
    # Shown on the residents' map details; False for bookkeeping and planning fields (a
    # source row id, a building's cost category) that open data keeps but a resident
    # looking for a shelter does not need.
    resident: bool = True


@dataclass(frozen=True)
class GeometryPart:
    """The rows of a mixed-geometry layer that a GIS client can open as one collection.

    GDAL, QGIS and Shapefile take one geometry type per layer (from the first page when not
    told): a layer holding points and lines is published as ``<layer>_points`` and
    ``<layer>_lines``, each declaring its type. The combined layer stays for the vector
    tiles and the web map, which draw mixed geometries."""

    suffix: str
    geometry_type: str  # what every feature of the part is (lines and areas made Multi)
    stored: tuple[str, ...]  # ST_GeometryType values of the rows it takes
    title_ja: str
    title_en: str

    @property
    def multi(self) -> bool:
        return self.geometry_type.startswith("Multi")


POINTS = GeometryPart("points", "Point", ("ST_Point",), "地点", "points")
LINES = GeometryPart(
    "lines", "MultiLineString", ("ST_LineString", "ST_MultiLineString"), "線", "lines"
)
AREAS = GeometryPart("areas", "MultiPolygon", ("ST_Polygon", "ST_MultiPolygon"), "区域", "areas")
# What a POINT_LINE_AREA column (layers/store/base.py) can hold, part by part.
POINT_LINE_AREA_PARTS = (POINTS, LINES, AREAS)


@dataclass(frozen=True)
class Layer:
    id: str
    title_ja: str
    title_en: str
    description: str
    model: type[Base]
    geometry_type: str  # OGC/GeoJSON name: Point, MultiPolygon, Geometry (mixed) ...
    fields: tuple[Field, ...]
    # A mixed ("Geometry") layer's collections for GIS clients, one per geometry type.
    parts: tuple[GeometryPart, ...] = ()
    access: Access = "public"
    # SQL condition on the table (alias-free) selecting rows anonymous users may see.
    public_filter: str | None = None
    geometry_column: str = "geom"
    style: dict[str, Any] = field(default_factory=dict)
    licence: str = PDL
    attribution: str | None = None
    owner_department: str | None = None
    update_cycle: str = "随時"
    importable: bool = True
    has_extra: bool = False  # unmapped source columns are kept in the JSONB column "extra"
    located: bool = True  # gets a district assigned and the city boundary checked on write
    # Unique key a re-import updates by (a city republishes its CSV with the same IDs).
    upsert_key: tuple[str, ...] = ()
    # Column recording which dataset a row came from; defaults to the imported file's name.
    source_column: str | None = None
    # Rows private to community groups: a SQL condition with {groups} standing for the
    # caller's group ids (layers.policy.row_filter).
    group_filter: str | None = None
    # City staff read every row and field (unpublished reports, the original text).
    staff_reads_all: bool = False
    # The field the OGC API's `datetime` parameter and temporal extent use (a datetime
    # field of this layer); None: the layer has no time of its own (updated_at is
    # bookkeeping, not when the thing happened).
    temporal_field: str | None = None
    # SQL ORDER BY (on the table, ending in a unique column) deciding which features a vector
    # tile keeps when it reaches the per-tile feature limit: the first ones.
    tile_order: str = "id"

    @property
    def table(self) -> str:
        return str(self.model.__tablename__)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def public_fields(self) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.public)


NAME = Field(
    "name",
    "string",
    "名称",
    "Name",
    required=True,
    aliases=(
        "名称",
        "施設名",
        "公園名",
        "土のうステーション置き場",
        "自治会名",
        "自主防災会",
        "学校名",
        "施設・場所名",
    ),
)
NAME_KANA = Field("name_kana", "string", "名称（カナ）", "Name (kana)", aliases=("名称_カナ",))
NAME_EN = Field(
    "name_en", "string", "名称（英字）", "Name (English)", aliases=("名称_英字", "名称_英語")
)
SOURCE_ID = Field(
    "source_id", "string", "元データID", "Source ID", aliases=("ID", "NO", "No."), resident=False
)

FACILITY_FIELDS = (
    Field("kind", "string", "種別", "Kind", required=True, choices=FacilityKind),
    NAME,
    NAME_KANA,
    NAME_EN,
    Field(
        "address",
        "string",
        "所在地",
        "Address",
        aliases=("住所", "所在地_連結表記", "住所（番地まで）", "所在地"),
    ),
    Field("phone", "string", "電話番号", "Phone", aliases=("電話番号", "問合せ先電話番号")),
    Field("url", "string", "URL", "URL", aliases=("URL", "公園HPアドレス")),
    Field(
        "opening_hours",
        "string",
        "利用可能日時",
        "Opening hours",
        aliases=("利用可能日時特記事項",),
    ),
    Field("description", "string", "説明", "Description", aliases=("説明", "公園紹介文")),
    Field("owner", "string", "所有者", "Owner", choices=Owner, resident=False),
    Field(
        "built_year",
        "integer",
        "建築年",
        "Year built",
        aliases=("建築年", "建築年度"),
        resident=False,
    ),
    Field(
        "floor_area_m2",
        "number",
        "延床面積（㎡）",
        "Floor area (m²)",
        aliases=("延床面積",),
        resident=False,
    ),
    Field("structure", "string", "構造", "Structure", choices=Structure, resident=False),
    Field(
        "seismic_standard",
        "string",
        "耐震基準",
        "Seismic standard",
        choices=SeismicStandard,
        resident=False,
    ),
    Field(
        "cost_category",
        "string",
        "施設分類（更新費用）",
        "Cost category",
        choices=CostCategory,
        resident=False,
    ),
    Field("capacity", "integer", "収容人数", "Capacity", aliases=("想定収容人数", "収容定員")),
    Field(
        "disaster_types",
        "string[]",
        "対象とする災害",
        "Disaster types",
        flags=(
            ("災害種別_洪水", "flood"),
            ("災害種別_崖崩れ、土石流及び地滑り", "landslide"),
            ("災害種別_高潮", "storm_surge"),
            ("災害種別_地震", "earthquake"),
            ("災害種別_津波", "tsunami"),
            ("災害種別_大規模な火事", "large_fire"),
            ("災害種別_内水氾濫", "inland_flood"),
            ("災害種別_火山現象", "volcano"),
            ("開設される災害の種類（地震・津波）", "earthquake"),
            ("開設される災害の種類（地震・津波）", "tsunami"),
            ("開設される災害の種類（風水害）", "flood"),
            ("開設される災害の種類（風水害）", "storm_surge"),
            ("開設される災害の種類（土砂災害）", "landslide"),
        ),
    ),
    Field("accessibility", "string[]", "バリアフリー", "Accessibility"),
    SOURCE_ID,
    # One place's records share it (migration 0012): a 住民センター that is a 指定避難所.
    Field("site_id", "integer", "地点番号", "Site", importable=False, resident=False),
    # 使用禁止 is set by inspections (layers/inspections/closure.py), never by a file.
    Field("use_status", "string", "使用状況", "Use status", choices=UseStatus, importable=False),
    Field("closed_on", "date", "使用禁止日", "Closed since", importable=False),
    Field("parent_facility_id", "integer", "所属施設", "Part of", importable=False, resident=False),
)

HAZARD_FIELDS = (
    Field("kind", "string", "種別", "Kind", required=True, choices=HazardKind),
    Field("title", "string", "名称", "Title", required=True, aliases=("名称", "事故類型")),
    Field("description", "string", "説明", "Description", aliases=("説明", "備考")),
    Field("severity", "integer", "危険度（1-4）", "Severity (1-4)"),
    Field("status", "string", "状態", "Status", choices=HazardStatus),
    Field("source", "string", "情報源", "Source", choices=HazardSource),
    Field(
        "observed_at",
        "datetime",
        "発生・確認日時",
        "Observed at",
        aliases=("発生日時", "発生日時（年月日）"),
    ),
    SOURCE_ID,
)

LAYERS: tuple[Layer, ...] = (
    Layer(
        id="district",
        title_ja="地区",
        title_en="Districts",
        description="市・地区・自治会（行政区）・町丁目の区域。",
        model=District,
        geometry_type="MultiPolygon",
        fields=(
            Field("level", "string", "階層", "Level", required=True, choices=DistrictLevel),
            Field(
                "code",
                "string",
                "コード",
                "Code",
                required=True,
                aliases=("code", "sauid", "SAUID", "番号", "地区コード"),
            ),
            NAME,
            NAME_KANA,
            NAME_EN,
            Field("population", "integer", "人口", "Population", aliases=("人口",)),
            Field("households", "integer", "世帯数", "Households", aliases=("世帯数",)),
        ),
        style={"fill": "#00000000", "line": "#5b6770", "width": 1.5},
        owner_department="市民協働課",
        located=False,
        upsert_key=("level", "code"),
        tile_order="depth, id",  # the city and areas before blocks
    ),
    Layer(
        id="school_district",
        title_ja="通学区域",
        title_en="School districts",
        description="小学校区・中学校区。",
        model=SchoolDistrict,
        geometry_type="MultiPolygon",
        fields=(
            Field("kind", "string", "種別", "Kind", required=True, choices=SchoolKind),
            Field(
                "name", "string", "名称", "Name", required=True, aliases=("学校名", "item2", "名称")
            ),
            Field("school_name", "string", "学校", "School", aliases=("学校名", "item2")),
        ),
        style={"fill": "#4477aa22", "line": "#4477aa", "width": 1},
        owner_department="学校教育課",
        located=False,
        upsert_key=("kind", "name"),
    ),
    Layer(
        id="facility",
        title_ja="公共施設",
        title_en="Public facilities",
        description="住民センター・公民館・避難所・AED・学校・公園などの公共施設。",
        model=Facility,
        geometry_type="Point",
        fields=FACILITY_FIELDS,
        style={"color": "#0072b2", "symbol": "square"},
        # Disaster and civic facilities before the numerous small ones (防犯灯, AED).
        tile_order=(
            "array_position(ARRAY['city_hall', 'shelter', 'evacuation_site',"
            " 'tsunami_evacuation_building', 'first_aid_station', 'branch_office',"
            " 'community_center', 'kominkan', 'school', 'welfare', 'childcare', 'library',"
            " 'culture', 'sports', 'park', 'public_toilet', 'sandbag_station', 'aed',"
            " 'streetlight']::text[], kind::text) NULLS LAST, id"
        ),
        owner_department="資産経営課",
        has_extra=True,
        upsert_key=("source", "source_id"),
        source_column="source",
    ),
    Layer(
        id="hazard",
        title_ja="危険箇所",
        title_en="Hazards",
        description="道路の損傷・水辺・防犯灯の故障・交通事故地点・アンダーパスなどの危険箇所。",
        model=Hazard,
        geometry_type="Geometry",
        parts=POINT_LINE_AREA_PARTS,
        fields=HAZARD_FIELDS,
        style={"color": "#d55e00", "symbol": "triangle"},
        # The most severe unresolved hazards first, then the most recently seen.
        tile_order="severity DESC, (status = 'resolved'), observed_at DESC NULLS LAST, id",
        owner_department="危機管理課",
        has_extra=True,
        upsert_key=("source_dataset", "source_id"),
        source_column="source_dataset",
        temporal_field="observed_at",
    ),
    Layer(
        id="report",
        title_ja="市民通報",
        title_en="Resident reports",
        description="市民からの通報のうち、確認・公開されたもの。",
        model=Report,
        geometry_type="Geometry",
        parts=POINT_LINE_AREA_PARTS,
        fields=(
            Field("public_id", "string", "受付番号", "Reference", importable=False),
            # The map draws each category with its own symbol (GET /api/report-categories
            # gives the id's names and icon); sensitive categories never reach this layer.
            Field("category_id", "integer", "種類", "Category", importable=False),
            Field("status", "string", "状態", "Status", importable=False),
            Field("public_description", "string", "内容", "Description", importable=False),
            Field(
                "description",
                "string",
                "通報内容（原文）",
                "Original text",
                public=False,
                importable=False,
            ),
            Field("supporter_count", "integer", "賛同数", "Supporters", importable=False),
            Field("published_at", "datetime", "公開日時", "Published at", importable=False),
        ),
        public_filter=(
            "is_public AND category_id NOT IN (SELECT id FROM report_category WHERE sensitive)"
        ),
        style={"color": "#cc79a7", "symbol": "circle"},
        owner_department="市民協働課",
        importable=False,
        staff_reads_all=True,
        tile_order="supporter_count DESC, published_at DESC NULLS LAST, id",
        temporal_field="published_at",
    ),
    Layer(
        id="safety_map_feature",
        title_ja="地域安全マップ",
        title_en="Community safety maps",
        description="地域安全マップ・防犯マップの地点（入りやすい・見えにくい場所、子どもを守る家、通学路）。",
        model=SafetyMapFeature,
        geometry_type="Geometry",
        parts=POINT_LINE_AREA_PARTS,
        fields=(
            Field("safety_map_id", "integer", "マップ", "Map", required=True),
            Field("kind", "string", "種別", "Kind", required=True, choices=SafetyFeatureKind),
            Field("detail", "string", "項目", "Detail", choices=SafetyFeatureDetail),
            Field("title", "string", "名称", "Title", aliases=("名称", "学区", "school")),
            Field("note", "string", "メモ", "Note", aliases=("備考",)),
            SOURCE_ID,
        ),
        # Deleted places are kept for their history and restoring, and shown to nobody.
        public_filter=(
            "deleted_at IS NULL AND safety_map_id IN (SELECT id FROM safety_map WHERE is_published)"
        ),
        group_filter=(
            "deleted_at IS NULL AND safety_map_id IN "
            "(SELECT id FROM safety_map WHERE group_id IN ({groups}))"
        ),
        access="group",
        style={"color": "#009e73", "symbol": "star"},
        owner_department="市民協働課",
        has_extra=True,
        upsert_key=("safety_map_id", "source_id"),
    ),
    Layer(
        id="patrol",
        title_ja="防犯パトロール",
        title_en="Patrols",
        description="地域の防犯パトロール・安全点検の経路（グループ内で共有）。",
        model=Patrol,
        geometry_type="MultiLineString",
        geometry_column="route",
        fields=(
            Field("title", "string", "名称", "Title"),
            Field("kind", "string", "種別", "Kind"),
            Field("started_at", "datetime", "開始", "Started"),
            Field("participants", "integer", "参加者数", "Participants"),
        ),
        access="group",
        public_filter=NO_PUBLIC_ROWS,
        group_filter="group_id IN ({groups})",
        style={"color": "#e69f00", "width": 3},
        owner_department="市民協働課",
        importable=False,
        located=False,
        tile_order="started_at DESC, id",
        temporal_field="started_at",
    ),
    Layer(
        id="road",
        title_ja="道路（緊急輸送路・都市計画道路）",
        title_en="Roads (emergency transport, city planning)",
        description=(
            "一次・二次・三次緊急輸送路と都市計画道路。基図が使えないときの地図や印刷する"
            "地域安全マップの背景になります。"
        ),
        model=Road,
        geometry_type="MultiLineString",
        fields=(
            Field("kind", "string", "種別", "Kind", required=True, choices=RoadKind),
            Field(
                "name",
                "string",
                "緊急輸送路名",
                "Route",
                aliases=("緊急輸送路名", "路線名", "名称"),
            ),
            Field("roads", "string", "構成道路", "Roads along the route", aliases=("構成道路",)),
            Field(
                "designation",
                "string",
                "指定",
                "Designated as",
                aliases=("緊急輸送路種別",),
                resident=False,
            ),
            SOURCE_ID,
        ),
        # Emergency routes bold, thinner in their order of priority, in the city's blue: the
        # hazards' vermillion and orange would hide them on a flood area. Planned roads thin
        # grey, the street grid a reader finds their way by.
        style={
            "line": "#0072b2",
            "width": 2,
            "by": {
                "field": "kind",
                "values": {
                    "emergency_primary": {"line": "#0072b2", "width": 4},
                    "emergency_secondary": {"line": "#0072b2", "width": 3},
                    "emergency_tertiary": {"line": "#56b4e9", "width": 2},
                    "city_planning": {"line": "#8c969e", "width": 1},
                },
            },
        },
        owner_department="道路課",
        located=False,  # a road crosses districts and runs on past the city's edge
        upsert_key=("source_dataset", "source_id"),
        source_column="source_dataset",
        # The emergency routes first, so a capped tile keeps them.
        tile_order=(
            "array_position(ARRAY['emergency_primary', 'emergency_secondary',"
            " 'emergency_tertiary', 'city_planning']::text[], kind::text) NULLS LAST, id"
        ),
    ),
    Layer(
        id="green_space",
        title_ja="公園・緑地",
        title_en="Parks and green spaces",
        description="都市公園と緑地の区域。地図の背景になります。",
        model=GreenSpace,
        geometry_type="MultiPolygon",
        fields=(
            Field("name", "string", "名称", "Name", aliases=("名称", "公園名")),
            SOURCE_ID,
        ),
        style={"fill": "#009e7333", "line": "#009e7366", "width": 0.5},
        owner_department="都市計画課",
        located=False,
        upsert_key=("source_dataset", "source_id"),
        source_column="source_dataset",
    ),
)

_BY_ID = {layer.id: layer for layer in LAYERS}

for _layer in LAYERS:  # a typo here would silently disable datetime filtering
    if _layer.temporal_field is not None:
        assert _layer.field(_layer.temporal_field).type == "datetime", _layer.id
    # A client must never open a collection of mixed geometry (issue 14).
    assert (_layer.geometry_type == "Geometry") == bool(_layer.parts), _layer.id


def get_layer(layer_id: str) -> Layer:
    """The layer with this id; KeyError names the known ids."""
    try:
        return _BY_ID[layer_id]
    except KeyError:
        raise KeyError(f"unknown layer '{layer_id}'; known: {', '.join(_BY_ID)}") from None


def layer_ids() -> list[str]:
    return list(_BY_ID)
