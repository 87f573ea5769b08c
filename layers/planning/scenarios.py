"""The projection's scenarios as data: the builtins in scenarios.json (総務省 default,
長寿命化, condition-aware), then a city's own file (settings.planning_scenarios_file, the
same layout) merged over them by code. A scenario without unit costs takes the file's
shared ones, so a city can change one price for every scenario at once."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from geo.renewal import Scenario
from layers.store.refusals import Refused
from layers.store.settings import get_settings

BUILTINS = Path(__file__).with_name("scenarios.json")


def _read(path: Path, shared: dict[str, Any]) -> tuple[dict[str, Any], list[Scenario]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    if isinstance(data, list):
        data = {"scenarios": data}
    unit_costs = {**shared, **data.get("unit_costs", {})}
    out = []
    for entry in data.get("scenarios", []):
        try:
            out.append(Scenario.model_validate({"unit_costs": unit_costs, **entry}))
        except ValidationError as error:
            raise ValueError(f"{path}: scenario {entry.get('code')!r}: {error}") from error
    return unit_costs, out


@lru_cache(maxsize=4)
def _load(city_file: Path | None) -> tuple[Scenario, ...]:
    shared, builtins = _read(BUILTINS, {})
    by_code = {s.code: s for s in builtins}
    if city_file is not None:
        for scenario in _read(city_file, shared)[1]:
            by_code[scenario.code] = scenario
    return tuple(by_code.values())


def scenarios() -> list[Scenario]:
    return list(_load(get_settings().planning_scenarios_file))


def scenario(code: str) -> Scenario:
    for s in scenarios():
        if s.code == code:
            return s
    known = ", ".join(s.code for s in scenarios())
    raise Refused(
        f"シナリオ「{code}」はありません（{known}）",
        f"unknown scenario '{code}' (known: {known})",
        status=404,
        parameter="scenario",
    )
