"""The column plan: which source column feeds which field of the layer, decided once from
the file's header (standard column names, --map, --set), then applied to every row."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from psycopg.types.json import Jsonb

from geo.formats import normalize_column
from layers.importing.inference import (
    COST_FIELD,
    INFERRED_LAYERS,
    KindInference,
    ValueMap,
    make_inference,
    refuse_value_maps,
)
from layers.importing.values import TRUTHY, ImportRefused, RowError, convert, text_of
from layers.registry import Field, Layer


@dataclass
class Plan:
    """Which source column feeds which field: decided once from the header, used per row."""

    fields: list[Field]
    sources: list[int | None]  # column index per field, None when a constant or absent
    constants: dict[str, Any]
    flags: dict[str, list[tuple[int, str]]]  # string[] field -> (column index, value)
    extra: list[tuple[int, str]]  # unmapped columns kept in "extra" (empty unless the layer has it)
    # The kind decided per row (layers/importing/inference.py) when no column or --set gives
    # it; the cost category with it, which a re-import never overwrites (fill_only).
    inference: KindInference | None = None
    fill_only: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        inferred = {"kind", COST_FIELD} if self.inference is not None else set()
        self._steps = [
            (self.constants[f.name], None, -1, ())
            if f.name in self.constants
            else (None, None, -1, ())
            if f.name in inferred and index is None
            else (None, _converter(f), -1 if index is None else index, self.flags.get(f.name, ()))
            for f, index in zip(self.fields, self.sources, strict=True)
        ]
        names = [f.name for f in self.fields]
        self._kind_at = names.index("kind") if self.inference is not None else -1
        self._cost_at = names.index(COST_FIELD) if COST_FIELD in self.fill_only else -1

    def row_values(self, cells: list[Any], number: int = 0) -> list[Any]:
        values = self._converted(cells)
        if self.inference is not None:
            kind, cost, source = self.inference.decide(cells)
            values[self._kind_at] = kind
            if self._cost_at >= 0:
                values[self._cost_at] = cost
            self.inference.pending[number] = (kind, source)
        return values

    def _converted(self, cells: list[Any]) -> list[Any]:
        values: list[Any] = []
        width = len(cells)
        for constant, conv, index, flags in self._steps:
            if conv is None:
                values.append(constant)
                continue
            value = conv(cells[index] if 0 <= index < width else None)
            if flags:
                flagged = [v for i, v in flags if _truthy(cells, i)]
                value = sorted({*(value or []), *flagged}) if flagged or value else []
            values.append(value)
        return values

    def extra_of(self, cells: list[Any]) -> Jsonb:
        return Jsonb(
            {
                name: cells[i]
                for i, name in self.extra
                if i < len(cells) and text_of(cells[i]) is not None
            }
        )


def _converter(f: Field) -> Callable[[Any], Any]:
    """The per-row conversion for a field; plain text, the common case, skips convert()."""
    if f.type == "string" and f.choices is None:

        def text(value: Any) -> Any:
            stripped = value.strip() if isinstance(value, str) else text_of(value)
            return stripped or convert(f, None)

        return text
    return lambda value: convert(f, value)


def _truthy(cells: list[Any], index: int) -> bool:
    text = text_of(cells[index]) if index < len(cells) else None
    return text is not None and text.lower() in TRUTHY


def make_plan(
    layer: Layer,
    header: list[str],
    constants: dict[str, str],
    column_map: dict[str, str],
    skip: set[int],
    value_maps: list[ValueMap] | None = None,
) -> Plan:
    normalized = [normalize_column(h) for h in header]
    fields = [f for f in layer.fields if f.importable]
    known = {f.name for f in fields}
    for name in [*constants, *column_map.values()]:
        if name not in known:
            raise ImportRefused(
                f"レイヤ {layer.id} に項目 {name} はありません（{', '.join(sorted(known))}）",
                f"layer {layer.id} has no field {name} (fields: {', '.join(sorted(known))})",
            )
    by_field = {target: src for src, target in column_map.items()}
    sources: list[int | None] = []
    used = set(skip)
    for f in fields:
        candidates = [by_field[f.name]] if f.name in by_field else [f.name, *f.aliases]
        index = next(
            (
                normalized.index(normalize_column(c))
                for c in candidates
                if normalize_column(c) in normalized
                and normalized.index(normalize_column(c)) not in used
            ),
            None,
        )
        if f.name in by_field and index is None:
            raise ImportRefused(
                f"列 {by_field[f.name]} がファイルにありません",
                f"column {by_field[f.name]} is not in the file",
            )
        sources.append(index if f.name not in constants else None)
        if index is not None and f.name not in constants:
            used.add(index)
    flags: dict[str, list[tuple[int, str]]] = {}
    for f in fields:
        for column, value in f.flags:
            key = normalize_column(column)
            if key in normalized:
                flags.setdefault(f.name, []).append((normalized.index(key), value))
                used.add(normalized.index(key))
    # A facility file with no kind column and no --set kind= (a 公共施設一覧 as published).
    infer = (
        layer.id in INFERRED_LAYERS
        and "kind" not in constants
        and sources[[f.name for f in fields].index("kind")] is None
    )
    if value_maps and not infer:
        if "kind" in constants:
            raise refuse_value_maps("--set kind= で種別が決まっています", "--set kind= gives it")
        raise refuse_value_maps("ファイルに種別の列があります", "the file has a kind column")
    missing = [
        f
        for f, s in zip(fields, sources, strict=True)
        if f.required and s is None and f.name not in constants and not (infer and f.name == "kind")
    ]
    if missing:
        names = ", ".join(f.name for f in missing)
        hint = " ".join(f"--set {f.name}=..." for f in missing)
        raise ImportRefused(
            f"必須項目 {names} に当たる列がありません。"
            f"{hint} で値を指定するか --map で列を指定してください",
            f"no column for required field(s) {names}; give a value with {hint} or map a column "
            "with --map COLUMN=FIELD",
        )
    inferred = set()
    if infer:
        inferred.add("kind")
        cost_at = [f.name for f in fields].index(COST_FIELD)
        if sources[cost_at] is None and COST_FIELD not in constants:
            inferred.add(COST_FIELD)
    mapped = [
        i
        for i, f in enumerate(fields)
        if sources[i] is not None or f.name in constants or f.name in flags or f.name in inferred
    ]
    fields = [fields[i] for i in mapped]
    sources = [sources[i] for i in mapped]
    try:
        checked = {name: convert(layer.field(name), value) for name, value in constants.items()}
    except RowError as exc:
        raise ImportRefused(exc.ja, exc.en) from None
    extra = [(i, header[i]) for i in range(len(header)) if i not in used] if layer.has_extra else []
    if not infer:
        return Plan(fields, sources, checked, flags, extra)
    kept = [f.name for f in fields]
    name_index = sources[kept.index("name")] if "name" in kept else None
    inference = make_inference(header, name_index, value_maps or [])
    return Plan(
        fields,
        sources,
        checked,
        flags,
        extra,
        inference,
        frozenset(inferred - {"kind"}),
    )
