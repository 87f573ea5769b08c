"""見守りの空白地帯 on a group's page, on a phone: the leader of a demo 自治会 patrol group
chooses the weeks its demo walks were made, sees the walked stretches and the dashed gaps on
the map, the tables per time band and per 自治会・町内会, and stops sharing with the city.
An outsider's page of the same group has no such section."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.conftest import PHONE, Browse, LiveServer, assert_accessible, sign_in


def _sharing_group(server: LiveServer) -> int:
    """The demo group that shares its coverage (shared again, whatever a test before did)."""
    group = int(
        server.sql("SELECT min(id) FROM community_group WHERE name LIKE %s", "%防犯パトロール隊")
    )
    server.sql("UPDATE community_group SET share_coverage = true WHERE id = %s RETURNING id", group)
    return group


def _leader(server: LiveServer) -> tuple[int, object]:
    group = _sharing_group(server)
    leader = server.person(f"kaicho-{uuid.uuid4().hex[:6]}@example.jp")
    server.sql(
        "INSERT INTO membership (group_id, user_id, role, status) "
        "VALUES (%s, %s, 'leader', 'active') RETURNING id",
        group,
        leader.id,
    )
    return group, leader


def test_a_leader_sees_where_nobody_walked_and_stops_sharing(
    browse: Browse, live_server: LiveServer
) -> None:
    group, leader = _leader(live_server)
    page = browse.open("", viewport=PHONE)
    sign_in(page, leader)  # type: ignore[arg-type]
    expect(page.get_by_role("button", name="ログアウトする")).to_be_visible()
    page.goto(f"/groups/{group}")
    section = page.get_by_role("region", name="見守りの空白地帯")
    expect(section).to_be_visible()
    # This month (December) has no demo walks: the demo's are in September and October.
    section.get_by_label("いつから").fill("2026-09-01")
    section.get_by_label("いつまで").fill("2026-10-31")
    section.get_by_label("時間帯", exact=True).select_option("school_out")
    section.get_by_role("button", name="表示する").click()
    summary = section.locator(".cov-summary")
    expect(summary).to_contain_text("下校（14〜18時）：通学路のうち")
    totals = section.get_by_role("table", name="地域の通学路全体（時間帯ごと）")
    expect(totals.get_by_role("row")).to_have_count(6)  # a header and five bands
    night = totals.get_by_role("row", name=re.compile("^夜間"))
    expect(night.get_by_role("cell").first).to_have_text("0 m")
    units = section.get_by_role("table", name=re.compile("自治会・町内会ごと"))
    expect(units).to_be_visible()
    assert units.get_by_role("row").count() >= 2
    expect(section.locator(".cov-legend")).to_contain_text("空白地帯（朱色の破線）")
    expect(section.locator(".cov-map canvas")).to_be_visible()
    # Drawn: the walked pieces and the gaps are on the map once it says it is ready.
    expect(section.locator(".cov-map[data-drawn='true']")).to_be_attached()
    section.locator(".cov-map").scroll_into_view_if_needed()
    browse.shot(page, "map")
    assert_accessible(page)

    # The leader stops sharing: the city no longer sees this group's figures.
    switch = section.get_by_label("この集計を市と共有する")
    expect(switch).to_be_checked()
    switch.uncheck()
    expect(section.get_by_text("市との共有をやめました。")).to_be_visible()
    assert (
        live_server.sql("SELECT share_coverage FROM community_group WHERE id = %s", group) is False
    )
    section.get_by_role("table", name=re.compile("自治会・町内会ごと")).scroll_into_view_if_needed()
    browse.shot(page, "tables")

    # Outsiders see no coverage (and never ask for it).
    outsider = browse.open(f"/groups/{group}", viewport=PHONE)
    expect(outsider.get_by_role("heading", level=1)).to_be_visible()
    expect(outsider.get_by_role("region", name="見守りの空白地帯")).to_have_count(0)


def test_staff_see_the_shared_coverage_per_school(browse: Browse, live_server: LiveServer) -> None:
    staff = live_server.person(
        f"kyoiku-{uuid.uuid4().hex[:6]}@example.jp", "staff", "school_education"
    )
    group = _sharing_group(live_server)
    sharing = str(live_server.sql("SELECT name FROM community_group WHERE id = %s", group))
    page = browse.open("")
    sign_in(page, staff)
    page.get_by_role("link", name="通学路の見守り状況").click()
    heading = page.get_by_role("heading", level=1, name="通学路の見守り状況（共有した団体の集計）")
    expect(heading).to_be_visible()
    page.get_by_label("いつから").fill("2026-09-01")
    page.get_by_label("いつまで").fill("2026-10-31")
    page.get_by_role("button", name="表示する").click()
    expect(page.get_by_text(f"共有している団体（1）：{sharing}")).to_be_visible()
    table = page.get_by_role("table", name="学校ごとの通学路の長さと、時間帯ごとの歩かれた割合")
    schools = int(
        live_server.sql(
            "SELECT count(DISTINCT coalesce(extra ->> 'school', title)) FROM safety_map_feature "
            "WHERE kind = 'school_route'"
        )
    )
    expect(table.locator("tbody tr")).to_have_count(schools)
    # Some school's routes were walked at 登校 or 下校 by the sharing group; none at night.
    walked = table.locator("tbody tr").filter(has_not_text=re.compile(r"\b0 / "))
    assert walked.count() >= 1
    browse.shot(page, "staff")
    assert_accessible(page)
