"""The rule that protects children (issue 18): play equipment graded D, or at JPFA hazard
level 3, or closed by its inspector, is 使用禁止 on the public map at once, the vector tile
and the OGC item alike, until a later inspection clears it; inspections typed in late
count by the date they were made, not the day they arrived."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.conftest import new_client, signed_in, sql_value
from tests.test_inspections import Place, make_place, send
from tests.test_tiles import _wait_for_version, decode

# z18 at CITY_HALL, where the swing stands: a tile the demo's other facilities cannot fill.
TILE = "/tiles/facility/18/231792/103952.mvt"


@pytest.fixture
def place(demo_url: str, no_rate_limits: None) -> Place:
    """In the demo city: the public map's tiles follow the layer versions it keeps."""
    return make_place(demo_url)


def inspect(place: Place, client: TestClient, day: str, grade: str, **more: Any) -> int:
    answer = send(
        client,
        {
            "subject_layer": "facility",
            "subject_id": place.swing,
            "kind": "playground",
            "inspected_on": day,
            "overall_grade": grade,
            "hazard_level": 0,
            **more,
        },
    )
    assert answer.status_code == 201, answer.text
    return int(answer.json()["id"])


def public_status(place: Place) -> tuple[str, str | None]:
    """use_status as the public map shows it, from the decoded tile and the OGC item, which
    must agree; and closed_on."""
    _wait_for_version(place.url, "facility")
    anyone = new_client()
    tile = anyone.get(TILE)
    assert tile.status_code == 200
    [swing] = [f for f in decode(tile.content)["facility"]["features"] if f["id"] == place.swing]
    item = anyone.get(f"/ogc/collections/facility/items/{place.swing}")
    assert item.status_code == 200
    properties = item.json()["properties"]
    assert swing["properties"]["use_status"] == properties["use_status"]
    return properties["use_status"], properties["closed_on"]


def closed_by(place: Place) -> int | None:
    found = sql_value(
        place.url, "SELECT closed_by_inspection_id FROM facility WHERE id = %s", place.swing
    )
    return int(found) if found is not None else None


def test_grade_d_closes_the_swing_on_the_public_map_and_a_later_a_reopens_it(
    place: Place,
) -> None:
    staff = signed_in(place.staff)
    assert public_status(place) == ("open", None)
    failed = inspect(place, staff, "2026-10-01", "D", follow_up_action="repair")
    assert public_status(place) == ("closed", "2026-10-01")
    assert closed_by(place) == failed
    detail = new_client().get(f"/api/inspections/{failed}").json()
    assert detail["subject"]["use_status"] == "closed"

    inspect(place, staff, "2026-10-20", "A")
    assert public_status(place) == ("open", None)
    assert closed_by(place) is None


def test_an_earlier_dated_a_recorded_afterwards_changes_nothing(place: Place) -> None:
    staff = signed_in(place.staff)
    failed = inspect(place, staff, "2026-10-01", "D")
    inspect(place, staff, "2026-09-15", "A")  # last month's paper form, typed in today
    assert public_status(place) == ("closed", "2026-10-01")
    assert closed_by(place) == failed
    # An A on the same day (the repair done, inspected again) reopens it.
    inspect(place, staff, "2026-10-01", "A")
    assert public_status(place) == ("open", None)


def test_a_late_failing_form_dated_before_the_latest_pass_changes_nothing(place: Place) -> None:
    staff = signed_in(place.staff)
    inspect(place, staff, "2026-10-20", "A")
    inspect(place, staff, "2026-10-01", "D")  # since repaired and passed on the 20th
    assert public_status(place) == ("open", None)


def test_hazard_level_3_or_the_inspector_closing_it_closes_at_any_grade(place: Place) -> None:
    staff = signed_in(place.staff)
    hazard = inspect(place, staff, "2026-10-01", "B", hazard_level=3)
    assert public_status(place) == ("closed", "2026-10-01")
    assert closed_by(place) == hazard
    inspect(place, staff, "2026-10-05", "A")
    assert public_status(place) == ("open", None)
    by_hand = inspect(place, staff, "2026-10-09", "C", follow_up_action="close")
    assert public_status(place) == ("closed", "2026-10-09")
    assert closed_by(place) == by_hand
    # Reopened in the record, the rule decides again on what the inspection now says.
    changed = staff.patch(
        f"/api/inspections/{by_hand}",
        json={"follow_up_action": "repair"},
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.text
    assert public_status(place) == ("open", None)


def test_only_play_equipment_is_closed_by_the_rule(place: Place) -> None:
    staff = signed_in(place.staff)
    answer = send(
        staff,
        {
            "subject_layer": "facility",
            "subject_id": place.park,
            "kind": "other",
            "inspected_on": "2026-10-01",
            "overall_grade": "D",
            "follow_up_action": "close",
        },
    )
    assert answer.status_code == 201, answer.text
    assert (
        sql_value(place.url, "SELECT use_status FROM facility WHERE id = %s", place.park) == "open"
    )
