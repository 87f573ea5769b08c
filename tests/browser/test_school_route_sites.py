"""The 通学路合同点検 section of the staff pages as the education department's staff use it:
add a site found at the joint inspection by selecting the map, record the three bodies'
measures, correct one later, and take the list out as CSV and as the A4 print; staff of
another department read the same list without the means to change it."""

from __future__ import annotations

import re
import uuid

import httpx
from playwright.sync_api import expect

from tests.browser.conftest import Browse, LiveServer, assert_accessible, sign_in


def test_education_staff_record_a_site_and_its_measures_and_print_the_list(
    browse: Browse, live_server: LiveServer
) -> None:
    school = live_server.sql(
        "SELECT name FROM facility WHERE kind = 'school' AND name LIKE '%%小学校' "
        "ORDER BY id LIMIT 1"
    )
    number = f"B{uuid.uuid4().hex[:5]}"
    staff = live_server.person(
        f"edu-{uuid.uuid4().hex[:8]}@example.jp", "staff", "school_education"
    )
    page = browse.open("")
    sign_in(page, staff)
    expect(page.get_by_role("heading", level=1, name=re.compile("処理待ちの通報"))).to_be_visible()
    page.get_by_role("link", name="通学路合同点検").click()
    expect(page).to_have_url(re.compile("#/school-routes$"))
    expect(page.get_by_role("heading", level=1, name=re.compile("通学路合同点検"))).to_be_visible()
    expect(page.locator(".sr-map-canvas canvas")).to_be_visible()

    page.get_by_role("button", name="箇所を追加").click()
    form = page.locator("form.sr-form")
    expect(form.get_by_role("heading", name="新しい箇所")).to_be_focused()
    form.get_by_label("学校", exact=True).select_option(label=school)
    form.get_by_label("箇所番号").fill(number)
    form.get_by_label("箇所（住所）").fill("焼津市本町二丁目 本町交差点")
    # Selecting the map where the site is fills in its longitude and latitude.
    canvas = page.locator(".sr-map-canvas canvas")
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(form.get_by_label("経度")).to_have_value(re.compile(r"^13[0-9]\.[0-9]{7}$"))
    expect(form.get_by_label("緯度")).to_have_value(re.compile(r"^3[0-9]\.[0-9]{7}$"))
    form.get_by_label("車の速度が上がる").check()
    form.get_by_label("歩道がない").check()
    form.get_by_label("合同点検実施日").fill("2026-07-15")
    road = form.get_by_role("group", name="道路管理者")
    road.get_by_label("対策内容").fill("路面標示「止まれ」の設置")
    road.get_by_label("実施時期").select_option(label="短期（1～2年）")
    road.get_by_label("対策状況").select_option(label="対策予定")
    school_body = form.get_by_role("group", name="学校・教育委員会")
    school_body.get_by_label("対策内容").fill("登校時の見守り")
    school_body.get_by_label("実施時期").select_option(label="常時")
    school_body.get_by_label("対策状況").select_option(label="対策済")
    browse.shot(page, "new-site")
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").filter(has_text="保存しました。")).to_be_visible()

    row = page.locator("table.sr-list tbody tr", has_text=number)
    expect(row).to_contain_text("焼津市本町二丁目 本町交差点")
    expect(row).to_contain_text("車の速度が上がる、歩道がない")
    expect(row).to_contain_text("路面標示「止まれ」の設置")
    expect(row).to_contain_text("対策予定")
    expect(row).to_contain_text("未公開")
    assert (
        live_server.sql(
            "SELECT count(*) FROM school_route_measure m JOIN school_route_site s "
            "ON s.id = m.site_id WHERE s.number = %s",
            number,
        )
        == 2
    )

    # Later: the police's measure is agreed, and the site is published.
    row.get_by_role("button", name=number).click()
    form = page.locator("form.sr-form")
    expect(form.get_by_role("heading", name=f"箇所 {number} の編集")).to_be_visible()
    police = form.get_by_role("group", name="警察")
    police.get_by_label("対策内容").fill("登校時間帯の速度取締り")
    police.get_by_label("対策状況").select_option(label="未実施")
    police.get_by_label("未実施の理由").fill("取締りの場所が確保できない")
    form.get_by_label("公開する（住民の地図・一覧に表示）").check()
    form.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").filter(has_text="保存しました。")).to_be_visible()
    row = page.locator("table.sr-list tbody tr", has_text=number)
    expect(row).to_contain_text("未実施")
    expect(row).to_contain_text("公開中")
    browse.shot(page, "list")
    assert_accessible(page)

    published = httpx.get(f"{live_server.url}/api/school-route-sites").json()["features"]
    assert number in [f["properties"]["number"] for f in published]

    csv_link = page.get_by_role("link", name="CSV をダウンロード")
    exported = page.request.get(csv_link.get_attribute("href") or "")
    assert exported.ok and exported.body().startswith(b"\xef\xbb\xbf")
    text = exported.body().decode("utf-8-sig")
    assert text.splitlines()[0].startswith("年度,箇所番号,学校名,箇所（住所）,経度,緯度")
    assert number in text and "取締りの場所が確保できない" in text
    printed = page.request.get(
        page.get_by_role("link", name="印刷用 PDF（A4）").get_attribute("href") or ""
    )
    assert printed.ok and printed.headers["content-type"] == "application/pdf"

    page.get_by_role("button", name="English").click()
    expect(
        page.get_by_role("heading", level=1, name=re.compile("Joint school-route"))
    ).to_be_visible()
    assert_accessible(page)


def test_staff_of_another_department_read_the_list_without_changing_it(
    browse: Browse, live_server: LiveServer
) -> None:
    staff = live_server.person(f"parks-{uuid.uuid4().hex[:8]}@example.jp", "staff", "parks")
    page = browse.open("/staff")
    sign_in(page, staff)
    page.goto("/staff#/school-routes")
    expect(page.get_by_text("学校教育課・道路課の職員が編集します")).to_be_visible()
    expect(page.get_by_role("button", name="箇所を追加")).to_have_count(0)
    expect(page.get_by_role("button", name="CSV を取り込む")).to_have_count(0)
    browse.shot(page, "read-only")


def test_a_schools_group_reads_its_sites_on_its_page_and_outsiders_do_not(
    browse: Browse, live_server: LiveServer
) -> None:
    tag = uuid.uuid4().hex[:6]
    school_id = live_server.sql(
        "SELECT id FROM facility WHERE kind = 'school' ORDER BY id DESC LIMIT 1"
    )
    group_id = live_server.sql(
        "INSERT INTO community_group (name, kind, school_facility_id) "
        "VALUES (%s, 'pta', %s) RETURNING id",
        f"見守りの会{tag}",
        school_id,
    )
    site_id = live_server.sql(
        "INSERT INTO school_route_site (school_facility_id, fiscal_year, number, address, "
        "reasons, geom) VALUES (%s, 2026, %s, '焼津市本町二丁目', "
        "ARRAY['near_miss', 'no_sidewalk']::varchar[], "
        "ST_SetSRID(ST_MakePoint(138.3187, 34.8669), 4326)) RETURNING id",
        school_id,
        f"G{tag}",
    )
    live_server.sql(
        "INSERT INTO school_route_measure (site_id, party, measure, status) "
        "VALUES (%s, 'road', 'グリーンベルトの設置', 'in_progress') RETURNING id",
        site_id,
    )
    member = live_server.person(f"pta-{tag}@example.jp")
    live_server.sql(
        "INSERT INTO membership (group_id, user_id, role, status) "
        "VALUES (%s, %s, 'member', 'active') RETURNING id",
        group_id,
        member.id,
    )

    outsider = browse.open(f"/groups/{group_id}")
    expect(outsider.get_by_role("heading", level=1)).to_contain_text(f"見守りの会{tag}")
    expect(outsider.get_by_role("heading", name="通学路の合同点検")).to_have_count(0)

    page = browse.open("/staff", viewport={"width": 390, "height": 844})
    sign_in(page, member)
    expect(page.get_by_role("heading", name="この画面は市の職員専用です")).to_be_visible()
    page.goto(f"/groups/{group_id}")
    section = page.get_by_role("region", name="通学路の合同点検")
    expect(section).to_be_visible()
    row = section.locator("tbody tr", has_text=f"G{tag}")
    expect(row).to_contain_text("ヒヤリハット、歩道がない")
    expect(row).to_contain_text("道路管理者：グリーンベルトの設置 （対策中）")
    section.scroll_into_view_if_needed()
    browse.shot(page, "group-section")
    assert_accessible(page)
    page.goto(f"/groups/{group_id}?lang=pt")
    expect(
        page.get_by_role("heading", name="Inspeção conjunta das rotas escolares")
    ).to_be_visible()
    expect(page.locator(".school-route-sites tbody tr")).to_contain_text("Sem calçada")
