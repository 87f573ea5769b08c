"""A walk recorded on a phone, as the walk page uploads it: every fix kept with its time, poor
fixes dropped and counted, gaps kept as gaps, and a walk sent twice stored once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import signed_in, sql_value
from tests.test_groups import Town, build_town

START = datetime(2026, 12, 1, 7, 10, tzinfo=UTC) - timedelta(hours=9)  # 07:10 JST
# About 1.2 m/s eastward along 34.8669° N: 1e-5° of longitude is ~0.91 m here.
STEP_DEG = 1.3e-5


@pytest.fixture
def town(db_url: str, no_rate_limits: None) -> Town:
    return build_town(db_url)


def fix(i: int, seconds: float, **more: Any) -> dict[str, Any]:
    return {
        "lon": 138.3187 + i * STEP_DEG,
        "lat": 34.8669,
        "t": (START + timedelta(seconds=seconds)).isoformat(),
        "acc": 8.0,
        **more,
    }


def walk(track: list[dict[str, Any]], **more: Any) -> dict[str, Any]:
    return {
        "title": "朝の見守り",
        "kind": "school_watch",
        "participants": 2,
        "track": track,
        **more,
    }


def test_a_walk_keeps_every_good_fix_drops_poor_ones_and_keeps_gaps_as_gaps(town: Town) -> None:
    member = signed_in(town.member_a)
    track = [fix(i, i) for i in range(30)]
    track[5]["acc"] = 400.0  # a fix from a phone that lost the sky
    track[12] = {**fix(12, 12), "lon": 138.3287}  # a jump of ~900 m in a second
    # The page slept for five minutes: the walk goes on 200 m further east.
    track += [fix(250 + i, 330 + i) for i in range(10)]
    # The walker paused and resumed: the page says so with a new stretch number.
    track += [fix(262 + i, 341 + i, seg=1) for i in range(5)]
    answer = member.post(
        f"/api/groups/{town.group_a}/patrols",
        json=walk(track),
        headers={"Idempotency-Key": "walk-0001-abcdef"},
    )
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["track"] == {
        "points": 43,
        "gaps": 2,
        "dropped_inaccurate": 1,
        "dropped_too_fast": 1,
    }
    assert body["source"] == "phone"
    assert body["started_at"].startswith("2026-11-30T22:10:00")
    assert body["route"]["type"] == "MultiLineString"
    assert len(body["route"]["coordinates"]) == 3
    # The gap is not drawn: the route is the three stretches walked (~27 + 10 + 5 m of steps).
    assert 45 < body["route_length_m"] < 60
    stored = sql_value(
        town.url,
        "SELECT count(*) FROM patrol_point WHERE patrol_id = %s AND accuracy_m = 8",
        body["id"],
    )
    assert stored == 43


def test_a_walk_sent_again_is_stored_once_and_a_reused_key_is_refused(town: Town) -> None:
    member = signed_in(town.member_a)
    headers = {"Idempotency-Key": "walk-0002-abcdef"}
    first = member.post(
        f"/api/groups/{town.group_a}/patrols",
        json=walk([fix(i, i) for i in range(5)]),
        headers=headers,
    )
    again = member.post(
        f"/api/groups/{town.group_a}/patrols",
        json=walk([fix(i, i) for i in range(5)]),
        headers=headers,
    )
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    other = member.post(
        f"/api/groups/{town.group_a}/patrols",
        json=walk([fix(i, i) for i in range(6)]),
        headers=headers,
    )
    assert other.status_code == 422
    assert "Idempotency-Key" in other.json()["detail"]
    assert sql_value(town.url, "SELECT count(*) FROM patrol") == 1
    assert sql_value(town.url, "SELECT count(*) FROM patrol_point") == 5


@pytest.mark.parametrize(
    ("bad", "says"),
    [
        ({"lon": 34.8669, "lat": 138.3187}, "swapped"),
        ({"t": (START - timedelta(hours=1)).isoformat()}, "before the previous"),
        ({"lon": 2.35, "lat": 48.85}, "Japan"),
    ],
)
def test_a_broken_track_is_refused_naming_the_point(
    town: Town, bad: dict[str, Any], says: str
) -> None:
    member = signed_in(town.member_a)
    track = [fix(i, i) for i in range(5)]
    track[3] = {**track[3], **bad}
    answer = member.post(f"/api/groups/{town.group_a}/patrols", json=walk(track))
    assert answer.status_code == 422, answer.text
    assert "track point 4" in answer.json()["detail"] and says in answer.json()["detail"]
    assert "4 点目" in answer.json()["detail_ja"]
    assert sql_value(town.url, "SELECT count(*) FROM patrol") == 0


def test_a_route_and_a_track_together_or_neither_time_is_refused(town: Town) -> None:
    member = signed_in(town.member_a)
    line = {"type": "LineString", "coordinates": [[138.3187, 34.8669], [138.32, 34.868]]}
    both = member.post(
        f"/api/groups/{town.group_a}/patrols", json=walk([fix(0, 0), fix(1, 1)], route=line)
    )
    assert both.status_code == 400
    no_time = member.post(
        f"/api/groups/{town.group_a}/patrols",
        json={"title": "x", "kind": "patrol", "route": line},
    )
    assert no_time.status_code == 400
    assert sql_value(town.url, "SELECT count(*) FROM patrol") == 0
