"""The public page of an inspection (/inspections/{id}), where the map's records link: a
resident on a phone reads the date, the kind, the grade in words and that the swing is
closed (使用禁止), never the findings until the city releases them; once released, the
findings appear. In English and やさしい日本語 too; axe on each; a missing number says so."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible


def _closing_inspection(server: LiveServer) -> tuple[int, str]:
    """The demo's closed play equipment (grade D) and the inspection that closed it."""
    row = server.sql(
        "SELECT closed_by_inspection_id || '|' || name FROM facility "
        "WHERE use_status = 'closed' ORDER BY id LIMIT 1"
    )
    inspection, name = str(row).split("|", 1)
    return int(inspection), name


def _staff(server: LiveServer) -> tuple[httpx.Client, dict[str, str]]:
    person = server.person(f"parks-{uuid.uuid4().hex[:8]}@example.jp", "staff", "parks")
    client = httpx.Client(base_url=server.url, timeout=30)
    login = client.post("/auth/login", json={"email": person.email, "password": person.password})
    assert login.status_code == 200, login.text
    session, csrf = login.cookies["mm_session"], login.cookies["mm_csrf"]
    return client, {"Cookie": f"mm_session={session}; mm_csrf={csrf}", "X-CSRF-Token": csrf}


def _release(server: LiveServer, inspection: int, released: bool) -> None:
    client, headers = _staff(server)
    current = client.get(f"/api/inspections/{inspection}", headers=headers)
    assert current.status_code == 200, current.text
    answer = client.patch(
        f"/api/inspections/{inspection}",
        json={"released": released},
        headers={**headers, "If-Match": current.headers["ETag"]},
    )
    assert answer.status_code == 200, answer.text


def test_a_resident_reads_a_closed_swing_and_the_findings_once_released(
    browse: Browse, live_server: LiveServer
) -> None:
    inspection, name = _closing_inspection(live_server)
    findings = str(live_server.sql("SELECT findings FROM inspection WHERE id = %s", inspection))
    page: Any = browse.open(f"/inspections/{inspection}", viewport=PHONE)

    expect(page.get_by_role("heading", level=1)).to_have_text("点検結果")
    facts = page.locator(".inspection-facts")
    expect(facts).to_contain_text(name)
    expect(facts).to_contain_text("遊具定期点検")
    expect(facts).to_contain_text("著しい劣化")
    expect(facts).to_contain_text("レベル 3")
    expect(page.locator(".closed")).to_contain_text("使用禁止")
    expect(page.locator(".withheld")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text(findings)
    assert_accessible(page)
    browse.shot(page, "1-withheld-phone")

    _release(live_server, inspection, True)
    try:
        page.reload()
        expect(page.locator(".findings")).to_have_text(findings)
        expect(page.locator("main")).to_contain_text("使用禁止")
        assert_accessible(page)
        browse.shot(page, "2-released-phone")

        page.goto(f"/inspections/{inspection}?lang=en")
        expect(page.get_by_role("heading", level=1)).to_have_text("Inspection result")
        expect(page.locator(".closed")).to_contain_text("Closed")
        assert_accessible(page)
        browse.shot(page, "3-english")

        page.goto(f"/inspections/{inspection}?lang=ja-easy")
        expect(page.locator(".closed")).to_contain_text("つかえません")
        assert_accessible(page)
        browse.shot(page, "4-easy-japanese")
    finally:
        _release(live_server, inspection, False)

    # The browser logs the API's 404 for the missing number; the page must say so itself.
    browse.watched(page).allowed_errors.append(re.compile("404"))
    page.goto("/inspections/987654321?lang=ja")
    expect(page.get_by_role("alert")).to_contain_text("この点検結果はありません")
    assert_accessible(page)
