"""State-changing actions are decided on the row as locked, with the caller as they are at
that moment: what committed while a request waited for the row is obeyed, never the picture
permit() saw when the request arrived.

Each test holds the row with a lock of its own, queues real requests behind it (checked in
pg_stat_activity, so the order is known, not hoped for), then lets them through."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import psycopg

from layers.store.db import libpq_url
from tests.conftest import make_person, new_client, signed_in, sql_value
from tests.test_reports import form


def _waiting(url: str) -> int:
    """Sessions of this database waiting for a lock."""
    return int(
        sql_value(
            url,
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'",
        )
    )


def _until(condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting: {what}")
        time.sleep(0.05)


@contextmanager
def _held(url: str, table: str, row_id: int) -> Iterator[None]:
    """The row locked FOR UPDATE by a transaction of the test's own until the block ends."""
    with psycopg.connect(libpq_url(url)) as conn:
        conn.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE".encode(), (row_id,))
        yield
        conn.rollback()


class _Request(threading.Thread):
    """One request sent from its own thread; its answer kept for the test."""

    def __init__(self, send: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.send, self.answer = send, None

    def run(self) -> None:
        self.answer = self.send()

    def result(self) -> Any:
        self.join(timeout=60)
        assert self.answer is not None, "the request never finished"
        return self.answer


def _queued(url: str, send: Callable[[], Any], already_waiting: int) -> _Request:
    """Start a request and return once it waits for the held row."""
    request = _Request(send)
    request.start()
    _until(lambda: _waiting(url) > already_waiting, "the request to wait for the row")
    return request


def _road_report(url: str) -> tuple[str, int]:
    """A new road-damage report, routed to the road division."""
    answer = new_client().post("/api/reports", data=form())
    assert answer.status_code == 201, answer.text
    public_id = answer.json()["public_id"]
    return public_id, int(sql_value(url, "SELECT id FROM report WHERE public_id = %s", public_id))


def _department(url: str, report_id: int) -> str:
    return str(
        sql_value(
            url,
            "SELECT d.code FROM report r JOIN department d ON d.id = r.department_id "
            "WHERE r.id = %s",
            report_id,
        )
    )


def test_a_status_change_waiting_behind_a_reassignment_is_refused_once_it_commits(
    demo_url: str,
) -> None:
    url = demo_url
    road = signed_in(make_person("road@example.jp", "staff", department="road"))
    colleague = signed_in(make_person("road2@example.jp", "staff", department="road"))
    public_id, report_id = _road_report(url)
    base = f"/api/triage/reports/{public_id}"
    assert _department(url, report_id) == "road"
    with _held(url, "report", report_id):
        # Both pass permit(): the report is the road division's in every committed state.
        reassign = _queued(
            url, lambda: road.post(f"{base}/assign", json={"department": "parks"}), 0
        )
        status = _queued(
            url, lambda: colleague.post(f"{base}/status", json={"status": "accepted"}), 1
        )
    assert reassign.result().status_code == 200, reassign.result().text
    refused = status.result()
    assert refused.status_code == 403, refused.text
    assert refused.json()["action"] == "report.triage"
    # The old department changed nothing: still submitted, now the parks division's, and
    # the history holds the submission and the reassignment only.
    assert sql_value(url, "SELECT status FROM report WHERE id = %s", report_id) == "submitted"
    assert _department(url, report_id) == "parks"
    assert (
        sql_value(url, "SELECT count(*) FROM report_status_change WHERE report_id = %s", report_id)
        == 2
    )
    # The parks division may act on it now.
    parks = signed_in(make_person("parks@example.jp", "staff", department="parks"))
    assert parks.post(f"{base}/status", json={"status": "accepted"}).status_code == 200


def test_a_status_change_queued_before_the_reassignment_goes_through(demo_url: str) -> None:
    """The same two requests in the other order: the status change was first in line, so
    it is decided while the report is still the road division's, and then handed over."""
    url = demo_url
    road = signed_in(make_person("road@example.jp", "staff", department="road"))
    public_id, report_id = _road_report(url)
    base = f"/api/triage/reports/{public_id}"
    with _held(url, "report", report_id):
        status = _queued(url, lambda: road.post(f"{base}/status", json={"status": "accepted"}), 0)
        reassign = _queued(
            url, lambda: road.post(f"{base}/assign", json={"department": "parks"}), 1
        )
    assert status.result().status_code == 200
    assert reassign.result().status_code == 200
    assert sql_value(url, "SELECT status FROM report WHERE id = %s", report_id) == "accepted"


def test_a_leader_demoted_while_publishing_cannot_publish(db_url: str) -> None:
    """Another leader demotes them to member; their publication, queued behind the
    demotion, is decided on their membership as it is once the demotion has committed."""
    url = db_url
    staff = signed_in(make_person("staff@example.jp", "staff", department="community"))
    first = make_person("first@example.jp")
    group = staff.post(
        "/api/groups",
        json={
            "name": "本町一丁目自治会",
            "kind": "neighbourhood_association",
            "leader_email": first.email,
        },
    ).json()["id"]
    second = make_person("second@example.jp", groups={group: "leader"})
    as_first, as_second = signed_in(first), signed_in(second)
    draft = as_second.post(f"/api/groups/{group}/safety-maps", json={"title": "通学路の地図"})
    assert draft.status_code == 201, draft.text
    map_id = draft.json()["id"]
    membership = int(
        sql_value(
            url,
            "SELECT id FROM membership WHERE group_id = %s AND user_id = %s",
            group,
            second.id,
        )
    )
    with _held(url, "membership", membership):
        demote = _queued(
            url,
            lambda: as_first.put(
                f"/api/groups/{group}/members/{second.id}", json={"role": "member"}
            ),
            0,
        )
        publish = _queued(url, lambda: as_second.post(f"/api/safety-maps/{map_id}/publish"), 1)
    assert demote.result().status_code == 200, demote.result().text
    refused = publish.result()
    assert refused.status_code == 403, refused.text
    assert sql_value(url, "SELECT is_published FROM safety_map WHERE id = %s", map_id) is False
    # As a member they still edit the draft; the leader publishes it.
    assert (
        as_second.patch(f"/api/safety-maps/{map_id}", json={"title": "通学路"}).status_code == 200
    )
    assert as_first.post(f"/api/safety-maps/{map_id}/publish").status_code == 200
