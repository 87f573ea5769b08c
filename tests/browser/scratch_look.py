# Scratch, not committed: screenshots of the views before the kinds API lands.
import json, uuid
from tests.browser.conftest import PHONE, sign_in

KINDS = {"kinds": [
  {"code": "building_article12", "name_ja": "建築基準法12条点検（建物）", "name_en": "Building Standards Act art. 12 (building)", "interval_months": 36, "subject_layer": "facility_building", "subject_kinds": [], "parts": [{"code": "roof", "ja": "屋根・屋上", "en": "Roof"}, {"code": "exterior_wall", "ja": "外壁", "en": "Exterior walls"}, {"code": "interior", "ja": "内部仕上", "en": "Interior"}, {"code": "electrical", "ja": "電気設備", "en": "Electrical"}, {"code": "mechanical", "ja": "機械設備", "en": "Mechanical"}], "grading": "parts", "legal_basis": "建築基準法第12条", "department_id": None, "active": True, "builtin": True},
  {"code": "playground", "name_ja": "遊具の定期点検", "name_en": "Playground", "interval_months": 12, "subject_layer": "facility", "subject_kinds": ["play_equipment"], "parts": [], "grading": "jpfa", "legal_basis": None, "department_id": None, "active": True, "builtin": True},
]}

def test_look(browse, live_server):
    b = live_server.sql("SELECT ARRAY[b.id::text, f.name || ' ' || b.name] FROM facility_building b JOIN facility f ON f.id=b.facility_id ORDER BY b.id LIMIT 1")
    staff = live_server.person(f"a-{uuid.uuid4().hex[:6]}@example.jp", "staff", "assets")
    page = browse.open("", viewport=PHONE)
    page.route("**/api/inspections/kinds", lambda r: r.fulfill(status=200, content_type="application/json", body=json.dumps(KINDS)))
    sign_in(page, staff)
    page.wait_for_selector("text=処理待ちの通報")
    page.goto(f"/staff#/inspections/new?subject_layer=facility_building&subject_id={b[0]}&kind=building_article12&name={b[1]}")
    page.wait_for_selector("form.inspection-form")
    page.locator("form.inspection-form").get_by_role("group", name="外壁", exact=True).get_by_label("C", exact=True).check()
    page.screenshot(path="/tmp/fflook/form.png", full_page=True)
    from tests.browser.conftest import axe_violations
    print("FORM AXE", axe_violations(page))
    d = browse.open("", viewport={"width": 1280, "height": 900})
    d.route("**/api/inspections/kinds", lambda r: r.fulfill(status=200, content_type="application/json", body=json.dumps(KINDS)))
    sign_in(d, staff)
    d.wait_for_selector("text=処理待ちの通報")
    d.get_by_role("link", name="点検", exact=True).click()
    d.wait_for_selector("table.due-list")
    d.wait_for_timeout(3000)
    d.screenshot(path="/tmp/fflook/board.png", full_page=True)
    print("BOARD AXE", axe_violations(d))
    d.set_viewport_size(PHONE)
    d.screenshot(path="/tmp/fflook/board-phone.png", full_page=False)
