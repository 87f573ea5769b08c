"""A facility's kind decided row by row when the file has no kind column and no --set kind=
(a city's 公共施設一覧 as published): from the operator's --map-values, then a kind-like
column (種別), the POIコード, 備考, the name, else `other` (the rules:
layers/city/facility_kinds.py). Each row remembers where its kind came from, so the import
can say how many rows got which kind from what."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from geo.formats import normalize_column
from layers.city import facility_kinds
from layers.city.facilities import FacilityKind
from layers.city.facility_kinds import Rule
from layers.importing.values import ImportRefused, text_of

DEFAULT = "default"  # the source of a kind no column gave
# The layers whose kind the importer may infer, and the field it fills besides.
INFERRED_LAYERS = {"facility"}
COST_FIELD = "cost_category"


@dataclass(frozen=True)
class ValueMap:
    """--map-values COLUMN=VALUE:kind — rows whose COLUMN is VALUE are of that kind."""

    column: str
    value: str
    kind: str


def parse_value_map(item: str) -> ValueMap:
    column, eq, rest = item.partition("=")
    value, colon, kind = rest.rpartition(":")
    if not eq or not colon or not column.strip() or not kind.strip():
        raise ImportRefused(
            "--map-values は 列=値:種別 の形で指定してください"
            f"（例: 備考=公民館:kominkan）: {item}",
            f"--map-values takes COLUMN=VALUE:kind (e.g. 備考=公民館:kominkan), got {item!r}",
        )
    return ValueMap(column.strip(), value.strip(), kind.strip())


@dataclass
class KindInference:
    """Per row: (kind, cost category or None, where the kind came from)."""

    readers: list[tuple[int, str, Callable[[str], Rule | None]]]
    overrides: dict[int, dict[str, tuple[FacilityKind, str]]]
    # Rows read but not yet copied (line or feature number → source): cleared per batch.
    pending: dict[int, tuple[str, str]] = field(default_factory=dict)
    counts: Counter[tuple[str, str]] = field(default_factory=Counter)

    def decide(self, cells: list[Any]) -> tuple[str, str | None, str]:
        width = len(cells)
        for index, by_value in self.overrides.items():
            text = text_of(cells[index]) if index < width else None
            if text is not None and text in by_value:
                kind, label = by_value[text]
                return kind.value, _cost(Rule(text, kind)), label
        for index, label, read in self.readers:
            text = text_of(cells[index]) if index < width else None
            rule = read(text) if text is not None else None
            if rule is not None:
                return rule.kind.value, _cost(rule), label
        return FacilityKind.other.value, None, DEFAULT

    def copied(self, number: int) -> None:
        """The row is in the table: count its kind and source."""
        decided = self.pending.pop(number, None)
        if decided is not None:
            self.counts[decided] += 1


def _cost(rule: Rule) -> str | None:
    cost = facility_kinds.cost_of(rule)
    return cost.value if cost is not None else None


def _refuse_kind(kind: str) -> ImportRefused:
    allowed = ", ".join(k.value for k in FacilityKind)
    return ImportRefused(
        f"--map-values の種別 {kind!r} はありません（{allowed}）",
        f"--map-values: unknown kind {kind!r} (allowed: {allowed})",
    )


def make_inference(
    header: list[str], name_index: int | None, value_maps: list[ValueMap]
) -> KindInference:
    normalized = [normalize_column(h) for h in header]

    def index_of(column: str) -> int | None:
        key = normalize_column(column)
        return normalized.index(key) if key in normalized else None

    overrides: dict[int, dict[str, tuple[FacilityKind, str]]] = {}
    for vm in value_maps:
        if vm.kind not in FacilityKind.__members__:
            raise _refuse_kind(vm.kind)
        index = index_of(vm.column)
        if index is None:
            raise ImportRefused(
                f"--map-values の列 {vm.column} がファイルにありません",
                f"--map-values: column {vm.column} is not in the file",
            )
        label = f"--map-values {header[index]}"
        overrides.setdefault(index, {})[vm.value] = (FacilityKind(vm.kind), label)
    readers: list[tuple[int, str, Callable[[str], Rule | None]]] = []
    for columns, read in (
        (facility_kinds.KIND_COLUMNS, facility_kinds.kind_value),
        ((facility_kinds.POI_COLUMN,), facility_kinds.poi_code),
        (facility_kinds.NOTE_COLUMNS, facility_kinds.match),
    ):
        for column in columns:
            index = index_of(column)
            if index is not None:
                readers.append((index, header[index], read))
    if name_index is not None:
        readers.append((name_index, header[name_index], facility_kinds.match))
    return KindInference(readers, overrides)


def refuse_value_maps(reason_ja: str, reason_en: str) -> ImportRefused:
    return ImportRefused(
        f"--map-values は種別を推定するときだけ使えます（{reason_ja}）",
        f"--map-values only changes inferred kinds ({reason_en})",
    )
