"""The facility register as the asset department's staff use it on a desktop: the list of
buildings narrowed to 旧耐震, a building's card with its inspections, the floor area
corrected and saved, and a save over someone else's newer change refused and reloaded. And
the public map: play equipment an inspection closed carries the 使用禁止 mark and says so in
its details."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import expect

from tests.browser.conftest import Browse, LiveServer, assert_accessible, sign_in

DESKTOP = {"width": 1366, "height": 900}


def test_staff_filter_the_register_open_a_card_and_correct_the_floor_area(
    browse: Browse, live_server: LiveServer
) -> None:
    staff = live_server.person(f"assets-{uuid.uuid4().hex[:8]}@example.jp", "staff", "assets")
    page = browse.open("", viewport=DESKTOP)
    sign_in(page, staff)
    expect(page.get_by_role("heading", level=1, name=re.compile("処理待ちの通報"))).to_be_visible()
    page.get_by_role("link", name="施設台帳").click()
    expect(page).to_have_url(re.compile("#/register$"))
    expect(page.get_by_role("heading", level=1, name="施設台帳（棟ごと）")).to_be_visible()
    everything = live_server.sql("SELECT count(*) FROM facility_building")
    expect(page.locator(".reg-count")).to_have_text(f"{everything}棟")

    page.get_by_label("耐震基準").select_option(label="旧耐震")
    page.get_by_role("button", name="絞り込む").click()
    expect(page).to_have_url(re.compile(r"#/register\?seismic=pre_1981$"))
    old = live_server.sql(
        "SELECT count(*) FROM facility_building WHERE seismic_standard = 'pre_1981'"
    )
    assert old > 0, "the demo register has 旧耐震 buildings"
    expect(page.locator(".reg-count")).to_have_text(f"{old}棟")
    rows = page.locator("table.reg-list tbody tr")
    expect(rows.first).to_be_visible()
    assert rows.count() == min(old, 50)
    seismic = rows.locator("td:nth-child(9)").all_text_contents()
    assert set(seismic) == {"旧耐震"}
    # The CSV link asks for the same rows.
    csv_link = page.get_by_role("link", name=re.compile("CSV"))
    expect(csv_link).to_have_attribute("href", "/api/register?seismic=pre_1981&f=csv")
    browse.shot(page, "list-pre-1981")
    assert_accessible(page)

    first = rows.first.get_by_role("link")
    href = first.get_attribute("href")
    assert href is not None
    building_id = int(href.rsplit("/", 1)[1])
    facility, name, area = (
        live_server.sql(
            "SELECT f.name FROM facility_building b JOIN facility f ON f.id = b.facility_id "
            "WHERE b.id = %s",
            building_id,
        ),
        live_server.sql("SELECT name FROM facility_building WHERE id = %s", building_id),
        live_server.sql("SELECT floor_area_m2 FROM facility_building WHERE id = %s", building_id),
    )
    first.click()
    heading = page.get_by_role("heading", level=1, name=f"{facility} {name}")
    expect(heading).to_be_focused()
    inspections = live_server.sql(
        "SELECT count(*) FROM inspection WHERE subject_layer = 'facility_building' "
        "AND subject_id = %s",
        building_id,
    )
    if inspections:
        table = page.get_by_role("table", name="この棟の点検（新しい順）")
        expect(table.locator("tbody tr")).to_have_count(inspections)
        expect(table.get_by_role("link", name=re.compile("の点検票$")).first).to_have_attribute(
            "href", re.compile(r"^#/inspections/\d+$")
        )
        expect(table.get_by_role("link", name=re.compile("の点検の PDF$")).first).to_have_attribute(
            "href", re.compile(r"^/api/inspections/\d+\.pdf$")
        )
    else:
        expect(page.get_by_text("点検の記録はまだありません。")).to_be_visible()
    expect(page.get_by_label("耐震基準")).to_have_value("pre_1981")
    browse.shot(page, "card")
    assert_accessible(page)

    corrected = round((area or 500) + 12.5, 1)
    page.get_by_label("延床面積（㎡）").fill(str(corrected))
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("status").filter(has_text="保存しました。")).to_be_visible()
    expect(page.get_by_label("延床面積（㎡）")).to_have_value(re.compile(rf"^{corrected}$"))
    stored = live_server.sql(
        "SELECT floor_area_m2 FROM facility_building WHERE id = %s", building_id
    )
    assert stored == corrected
    assert (
        live_server.sql(
            "SELECT count(*) FROM audit_log a JOIN user_account u ON u.id = a.actor_user_id "
            "WHERE a.subject_layer = 'facility_building' AND a.subject_id = %s "
            "AND u.email = %s",
            building_id,
            staff.email,
        )
        == 1
    )
    browse.shot(page, "saved")

    # Someone else saves first (another tab, the importer): this page's save is refused and
    # the page shows their entry. The browser logs the refusals this part provokes.
    browse.watched(page).allowed_errors.append(
        re.compile(rf"status of (412|422) .*/api/register/buildings/{building_id}\)")
    )
    live_server.sql(
        "UPDATE facility_building SET storeys = 3, version = version + 1 WHERE id = %s "
        "RETURNING id",
        building_id,
    )
    page.get_by_label("延床面積（㎡）").fill("1")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("ほかの人が先にこの棟を変更しました")
    expect(page.get_by_label("階数（地上）")).to_have_value("3")
    expect(page.get_by_label("延床面積（㎡）")).to_have_value(re.compile(rf"^{corrected}$"))
    assert (
        live_server.sql("SELECT floor_area_m2 FROM facility_building WHERE id = %s", building_id)
        == corrected
    )
    browse.shot(page, "conflict")

    # A field the server refuses is named, and the form says which.
    page.get_by_label("Is値").fill("12")
    page.get_by_role("button", name="保存").click()
    expect(page.get_by_role("alert")).to_contain_text("Is値")
    expect(page.get_by_label("Is値")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Is値")).to_be_focused()


def test_the_public_map_marks_closed_play_equipment(
    browse: Browse, live_server: LiveServer
) -> None:
    lon, lat = 138.3187, 34.8669
    name = f"ブランコ{uuid.uuid4().hex[:4]}"
    fid = live_server.sql(
        "INSERT INTO facility (kind, name, geom, use_status, closed_on) VALUES "
        "('play_equipment', %s, ST_SetSRID(ST_MakePoint(%s, %s), 4326), 'closed', "
        "'2026-11-30') RETURNING id",
        name,
        lon,
        lat,
    )
    page = browse.open(
        f"/?map=17/{lat}/{lon}&layers=facility&kinds=facility:play_equipment"
        f"&feature=facility/{fid}",
        viewport=DESKTOP,
    )
    page.wait_for_function("() => document.body.dataset.mapLoaded === 'true'", timeout=30_000)
    page.wait_for_function(
        """(id) => {
            const m = window.machimap.map;
            return m.areTilesLoaded() && m.queryRenderedFeatures({layers: ['facility-closed']})
                .some((f) => f.id === id);
        }""",
        arg=fid,
        timeout=30_000,
    )
    drawn = page.evaluate(
        """(id) => window.machimap.map.queryRenderedFeatures({layers: ['facility-closed']})
            .filter((f) => f.id === id).map((f) => f.properties.use_status)""",
        fid,
    )
    assert drawn and set(drawn) == {"closed"}
    details = page.locator("#details")
    expect(details.get_by_role("heading", name=name)).to_be_visible()
    notice = details.get_by_role("note")
    expect(notice).to_contain_text(re.compile(r"使用禁止（2026\D+11\D+30\D*から）"))
    expect(notice).to_contain_text("点検で危険が見つかったため、使えません。")
    expect(details).to_contain_text("遊具")
    browse.shot(page, "closed-play-equipment")
    assert_accessible(page)
    page.get_by_label(re.compile("言語")).select_option("en")
    expect(notice).to_contain_text("Closed since")
    expect(details).to_contain_text("Play equipment")
    word = "() => window.machimap.map.getLayoutProperty('facility-closed', 'text-field')"
    assert page.evaluate(word) == "Closed"
    browse.shot(page, "closed-play-equipment-en")

    # Opened again, the same piece is not marked on anyone's map once an inspection opens it.
    live_server.sql(
        "UPDATE facility SET use_status = 'open', closed_on = NULL WHERE id = %s RETURNING id",
        fid,
    )
    page.reload()
    page.wait_for_function("() => document.body.dataset.mapLoaded === 'true'", timeout=30_000)
    expect(details.get_by_role("heading", name=name)).to_be_visible()
    expect(details.get_by_role("note")).to_have_count(0)
    page.wait_for_function(
        """(id) => {
            const m = window.machimap.map;
            return m.areTilesLoaded() && m.queryRenderedFeatures({layers: ['facility-symbol']})
                .some((f) => f.id === id);
        }""",
        arg=fid,
        timeout=30_000,
    )
    closed = page.evaluate(
        "(id) => window.machimap.map.queryRenderedFeatures({layers: ['facility-closed']})"
        ".filter((f) => f.id === id).length",
        fid,
    )
    assert closed == 0
    browse.shot(page, "reopened")
