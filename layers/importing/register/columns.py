"""The columns of a 公共施設台帳 / 固定資産台帳 export, by the names real registers give them,
and each cell read the way registers write it: 和暦 (昭和55年度, S55, H3, R2), areas with
thousands separators, structures as codes or words (RC, 鉄骨造), 済/未, 供用中/廃止.
A cell that cannot be read is a RowError naming the column, in both languages."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from geo.formats import normalize_column
from layers.city.buildings import SEISMIC_CUTOFF_FISCAL_YEAR
from layers.city.facilities import CostCategory, Owner, SeismicStandard, Structure
from layers.importing.values import ImportRefused, RowError, number_text, shown

# 和暦: the first year of each era in the Gregorian calendar.
ERAS = {"明治": 1868, "大正": 1912, "昭和": 1926, "平成": 1989, "令和": 2019}
ERA_LETTERS = {"M": "明治", "T": "大正", "S": "昭和", "H": "平成", "R": "令和"}
EARLIEST_YEAR = 1850  # the table's check (layers/city/buildings.py)

STRUCTURES: dict[str, Structure] = {
    "RC": Structure.rc,
    "鉄筋コンクリート": Structure.rc,
    "SRC": Structure.src,
    "鉄骨鉄筋コンクリート": Structure.src,
    "S": Structure.steel,
    "鉄骨": Structure.steel,
    "重量鉄骨": Structure.steel,
    "W": Structure.wood,
    "木": Structure.wood,
    "LGS": Structure.light_steel,
    "軽量鉄骨": Structure.light_steel,
    "CB": Structure.block,
    "補強コンクリートブロック": Structure.block,
    "コンクリートブロック": Structure.block,
    "ブロック": Structure.block,
    "その他": Structure.other,
}
# 総務省 公共施設等更新費用試算: the 大分類 and the 中分類 registers use instead.
COST_CATEGORIES: dict[str, CostCategory] = {
    "市民文化系": CostCategory.civic_culture,
    "集会施設": CostCategory.civic_culture,
    "文化施設": CostCategory.civic_culture,
    "社会教育系": CostCategory.social_education,
    "図書館": CostCategory.social_education,
    "博物館等": CostCategory.social_education,
    "スポーツ・レクリエーション系": CostCategory.sports_recreation,
    "スポーツ施設": CostCategory.sports_recreation,
    "レクリエーション施設・観光施設": CostCategory.sports_recreation,
    "保養施設": CostCategory.sports_recreation,
    "産業系": CostCategory.industry,
    "学校教育系": CostCategory.school_education,
    "学校": CostCategory.school_education,
    "その他教育施設": CostCategory.school_education,
    "子育て支援": CostCategory.childcare,
    "幼保・こども園": CostCategory.childcare,
    "幼児・児童施設": CostCategory.childcare,
    "保健・福祉": CostCategory.health_welfare,
    "高齢福祉施設": CostCategory.health_welfare,
    "障害福祉施設": CostCategory.health_welfare,
    "児童福祉施設": CostCategory.health_welfare,
    "保健施設": CostCategory.health_welfare,
    "その他社会福祉施設": CostCategory.health_welfare,
    "医療": CostCategory.medical,
    "行政系": CostCategory.administration,
    "庁舎等": CostCategory.administration,
    "消防施設": CostCategory.administration,
    "その他行政系施設": CostCategory.administration,
    "公営住宅": CostCategory.public_housing,
    "公園": CostCategory.park,
    "供給処理": CostCategory.supply_treatment,
    "その他": CostCategory.other,
}
DONE = {"済", "実施済", "実施済み", "完了", "有", "あり", "○", "◯", "〇", "済み", "実施"}
NOT_DONE = {"未", "未実施", "無", "なし", "不要", "-", "－", "×", "対象外", "不明"}
IN_USE = {"供用中", "使用中", "利用中", "稼働中", "現役", "供用", "使用", "有効"}
NOT_IN_USE = {"廃止", "休止", "閉鎖", "未使用", "解体", "解体予定", "用途廃止", "休館", "廃止済"}
CITY_OWNERS = {"市", "市有", "city", "本市", "当市", "自己所有"}
NEIGHBOURHOOD_OWNERS = {"自治会", "町内会", "行政区", "区", "地元", "自治会所有"}
OTHER_PUBLIC_OWNERS = {"国", "県", "都", "府", "道", "一部事務組合", "広域連合"}
PRIVATE_OWNERS = {"民間", "個人", "法人", "私有", "借上", "借用", "賃借"}


def fold(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def this_year() -> int:
    return date.today().year


def fiscal_year(title_ja: str, text: str, earliest: int = EARLIEST_YEAR) -> int:
    """A year as registers write it: 1980, 1980年度, 昭和55年度, S55, H3.4.1, 2001/03/31."""
    folded = fold(text).upper().replace("元", "1")
    era = re.match(r"^(明治|大正|昭和|平成|令和|[MTSHR])\.?(\d{1,2})(?!\d)", folded)
    if era:
        name = ERA_LETTERS.get(era.group(1), era.group(1))
        year = ERAS[name] + int(era.group(2)) - 1
    else:
        found = re.match(r"^(\d{4})(?!\d)", folded)
        if not found:
            raise RowError(
                f"「{title_ja}」の値 {shown(text)!r} は年度として読めません"
                "（1980, 昭和55年度, S55）",
                f"'{title_ja}' value {shown(text)!r} is not a year (1980, 昭和55年度, S55)",
            )
        year = int(found.group(1))
    latest = this_year() + 1
    if not earliest <= year <= latest:
        raise RowError(
            f"「{title_ja}」の年度 {year} はありえません（{earliest}〜{latest}）",
            f"'{title_ja}' year {year} is out of range ({earliest}-{latest})",
        )
    return year


def _number(title_ja: str, text: str) -> float:
    cleaned = re.sub(r"(㎡|m2|平方メートル|m²)$", "", number_text(text))
    try:
        value = float(cleaned)
    except ValueError:
        raise RowError(
            f"「{title_ja}」の値 {shown(text)!r} は数値として読めません",
            f"'{title_ja}' value {shown(text)!r} is not a number",
        ) from None
    if value != value or value in (float("inf"), float("-inf")):
        raise RowError(
            f"「{title_ja}」の値 {shown(text)!r} は数値として読めません",
            f"'{title_ja}' value {shown(text)!r} is not a number",
        )
    return value


def floor_area(text: str) -> float:
    value = _number("延床面積", text)
    if value <= 0:
        raise RowError(
            f"「延床面積」は 0 より大きい値にしてください（{shown(text)}）",
            f"floor area must be more than 0 ({shown(text)})",
        )
    return value


def storeys(text: str) -> int:
    found = re.match(r"^(?:地上)?(\d+)(?:階)?", fold(text))
    if not found or not 1 <= int(found.group(1)) <= 200:
        raise RowError(
            f"「階数」の値 {shown(text)!r} は階数として読めません",
            f"'storeys' value {shown(text)!r} is not a number of storeys",
        )
    return int(found.group(1))


def structure(text: str) -> str:
    folded = fold(text).upper()
    key = folded[:-1] if folded.endswith("造") else folded
    found = STRUCTURES.get(key) or Structure.__members__.get(key.lower())
    if found is None:
        raise RowError(
            f"「構造」の値 {shown(text)!r} は分かりません"
            "（RC, SRC, S, W, LGS, CB, 鉄筋コンクリート造, 鉄骨造, 木造, その他 …）",
            f"'structure' value {shown(text)!r} is not known "
            "(RC, SRC, S, W, LGS, CB, 鉄筋コンクリート造, 鉄骨造, 木造, その他 …)",
        )
    return found.value


def seismic(text: str) -> str:
    folded = fold(text)
    if folded in SeismicStandard.__members__ and folded != SeismicStandard.not_applicable:
        return folded
    if folded.startswith("旧"):
        return SeismicStandard.pre_1981.value
    if folded.startswith("新"):
        return SeismicStandard.post_1981.value
    if folded in {"不明", "-", "－"}:
        return SeismicStandard.unknown.value
    raise RowError(
        f"「耐震基準」の値 {shown(text)!r} は分かりません（旧耐震, 新耐震）",
        f"'seismic standard' value {shown(text)!r} is not known (旧耐震, 新耐震)",
    )


def seismic_standard(given: str | None, built_year: int | None, retrofitted: bool) -> str:
    """The file's 耐震基準, else the built 年度's; 耐震補強 done makes an old one retrofitted.
    年度 1981 straddles the 1981-06-01 cut-off: unknown unless the file says."""
    if given is None and built_year is not None:
        if built_year < SEISMIC_CUTOFF_FISCAL_YEAR:
            given = SeismicStandard.pre_1981.value
        elif built_year > SEISMIC_CUTOFF_FISCAL_YEAR:
            given = SeismicStandard.post_1981.value
    if retrofitted and given in (None, SeismicStandard.pre_1981, SeismicStandard.unknown):
        # Only buildings of the old standard are reinforced (耐震改修促進法).
        return SeismicStandard.retrofitted.value
    return given or SeismicStandard.unknown.value


def done_and_year(title_ja: str, text: str) -> tuple[bool, int | None]:
    """済 / 未 / a year / 済（H20）: whether it was done, and when if the cell says."""
    folded = fold(text)
    if folded in NOT_DONE:
        return False, None
    if folded in DONE:
        return True, None
    inner = re.sub(r"^(済|実施済み?|完了)[(（:：]?", "", folded).rstrip(")）")
    inner = re.sub(r"(年度|年)?(済|実施|完了)$", "", inner)
    # The table's checks: seismic diagnosis and retrofit began after the 1950 建築基準法.
    return True, fiscal_year(title_ja, inner, earliest=1950)


def cost_category(text: str) -> str:
    folded = fold(text)
    if folded in CostCategory.__members__:
        return folded
    for key in (folded, re.sub(r"施設$", "", folded), re.sub(r"系?施設$", "系", folded)):
        if key in COST_CATEGORIES:
            return COST_CATEGORIES[key].value
    raise RowError(
        f"「施設分類」の値 {shown(text)!r} は総務省の分類にありません"
        "（市民文化系施設, 学校教育系施設, 公営住宅, その他 …）",
        f"'cost category' value {shown(text)!r} is not a 総務省 category "
        "(市民文化系施設, 学校教育系施設, 公営住宅, その他 …)",
    )


def owner(text: str) -> tuple[str, str | None]:
    """(owner, the name of the owning 自治会 / 行政区 when the cell names one)."""
    folded = fold(text)
    if folded in Owner.__members__:
        return folded, None
    if folded in CITY_OWNERS or re.fullmatch(r".+[市町村]", folded):
        return Owner.city.value, None
    if folded in NEIGHBOURHOOD_OWNERS:
        return Owner.neighbourhood.value, None
    if folded in OTHER_PUBLIC_OWNERS or re.fullmatch(r".+[都道府県]", folded):
        return Owner.other_public.value, None
    if folded in PRIVATE_OWNERS:
        return Owner.private.value, None
    if re.fullmatch(r".+(自治会|町内会|行政区|区|会)", folded):
        return Owner.neighbourhood.value, folded
    raise RowError(
        f"「所有者」の値 {shown(text)!r} は分かりません（市, 自治会, 行政区, ○○自治会 …）",
        f"'owner' value {shown(text)!r} is not known (市, 自治会, 行政区, a 自治会's name …)",
    )


def in_use(text: str) -> bool:
    folded = fold(text)
    if folded in IN_USE or folded.lower() in {"true", "yes", "1"}:
        return True
    if folded in NOT_IN_USE or folded.lower() in {"false", "no", "0"}:
        return False
    raise RowError(
        f"「供用状況」の値 {shown(text)!r} は分かりません（供用中, 廃止, 休止）",
        f"'in use' value {shown(text)!r} is not known (供用中, 廃止, 休止)",
    )


def is_value(text: str) -> float:
    value = _number("Is値", text)
    if not 0 <= value <= 10:
        raise RowError(
            f"「Is値」{shown(text)} は 0〜10 の値ではありません",
            f"Is value {shown(text)} is not between 0 and 10",
        )
    return value


@dataclass(frozen=True)
class Column:
    """An attribute of a building and the column names registers give it, best first."""

    key: str
    title_ja: str
    names: tuple[str, ...]
    read: Callable[[str], Any]


def _text(text: str) -> str:
    return text.strip()


COLUMNS: tuple[Column, ...] = (
    Column("facility_ref", "施設ID", ("施設ID", "施設番号", "施設コード", "施設No"), _text),
    Column("facility_name", "施設名", ("施設名", "施設名称", "施設の名称"), _text),
    Column("name", "棟名", ("棟名", "棟名称", "建物名", "建物名称"), _text),
    Column("building_number", "棟番号", ("棟番号", "棟No"), _text),
    Column("source_id", "棟ID", ("棟ID", "建物番号", "建物ID", "棟コード", "建物コード"), _text),
    Column(
        "built_year",
        "建築年度",
        ("建築年度", "建築年", "竣工年度", "竣工年", "建築年月日", "竣工年月日"),
        lambda t: fiscal_year("建築年度", t),
    ),
    Column("floor_area_m2", "延床面積", ("延床面積", "延べ床面積", "床面積", "延面積"), floor_area),
    Column("structure", "構造", ("構造", "建物構造", "構造区分"), structure),
    Column("storeys", "階数", ("地上階数", "階数", "地上階"), storeys),
    Column("seismic_standard", "耐震基準", ("耐震基準", "耐震区分"), seismic),
    Column(
        "diagnosis",
        "耐震診断",
        ("耐震診断", "耐震診断年度", "耐震診断実施年度"),
        lambda t: done_and_year("耐震診断", t),
    ),
    Column(
        "retrofit",
        "耐震補強",
        ("耐震補強", "耐震補強年度", "耐震改修", "耐震改修年度", "耐震化"),
        lambda t: done_and_year("耐震補強", t),
    ),
    Column("is_value", "Is値", ("Is値", "Is", "構造耐震指標"), is_value),
    Column(
        "cost_category",
        "施設分類",
        ("施設分類", "大分類", "施設大分類", "施設類型", "用途分類"),
        cost_category,
    ),
    Column("owner", "所有者", ("所有者", "所有", "所有区分", "所有形態"), owner),
    Column("in_use", "供用状況", ("供用状況", "状態", "利用状況", "供用区分"), in_use),
    Column("note", "備考", ("備考",), _text),
)


def column_key(name: str) -> str:
    """A header as compared: folded, without a trailing unit (延床面積（㎡） → 延床面積)."""
    key = normalize_column(name)
    return re.sub(r"\((m2|㎡|平方メートル|年度|年|階)\)$", "", key)


def find_columns(header: list[str], column_map: dict[str, str]) -> dict[str, int]:
    """Attribute key → column index; --map COLUMN=ATTRIBUTE first, then the known names."""
    keys = [column_key(h) for h in header]
    found: dict[str, int] = {}
    known = [c.key for c in COLUMNS]
    for source, target in column_map.items():
        if target not in known:
            raise ImportRefused(
                f"施設台帳に項目 {target} はありません（{', '.join(known)}）",
                f"the facility register has no attribute {target} ({', '.join(known)})",
            )
        if column_key(source) not in keys:
            raise ImportRefused(
                f"列 {source} がファイルにありません", f"column {source} is not in the file"
            )
        found[target] = keys.index(column_key(source))
    for column in COLUMNS:
        if column.key in found:
            continue
        for name in column.names:
            index = keys.index(column_key(name)) if column_key(name) in keys else None
            if index is not None and index not in found.values():
                found[column.key] = index
                break
    return found
