"""The printed safety map (GET /api/safety-maps/{id}/print.pdf), read back with poppler the way
a person checks a poster: its paper, every number and note on it, the legend and credits,
the fonts it carries, the photos in it, and the QR code scanned off a 300 dpi render."""

from __future__ import annotations

import re
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path

import pytest
import zxingcpp
from fastapi.testclient import TestClient
from PIL import Image

from bench.print.sample import Sample, build
from tests.conftest import ROOT, Person, make_person, new_client, signed_in

ARTIFACTS = ROOT / "tests" / "artifacts" / "posters"
BASE = "https://testserver"  # the test client's address: the QR code's base
# Nothing listens on the discard port: the basemap fails at once, as with no internet.
UNREACHABLE = "http://127.0.0.1:9/{z}/{x}/{y}.png"
DEMO_TITLE = "地域安全マップ（デモ）"  # layers/demo/safety_walk.py
KIND_NAMES = {
    "easy_to_enter": "入りやすい場所",
    "hard_to_see": "見えにくい場所",
    "easy_to_enter_hard_to_see": "入りやすく見えにくい場所",
    "safe_haven": "子どもを守る家",
    "help_place": "助けを求められる場所",
    "school_route": "通学路",
    "lone_stretch": "ひとりになる区間",
    "note": "メモ",
}
WITHHELD = """SELECT count(*) FROM attachment a
    JOIN safety_map_feature f ON f.id = a.subject_id AND a.subject_layer = 'safety_map_feature'
    WHERE f.safety_map_id = %s AND NOT (a.is_public AND a.public_key IS NOT NULL)"""


@dataclass
class Group:
    id: int
    leader: Person
    member: Person
    outsider: Person


@pytest.fixture
def group(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> Group:
    from layers.groups.model import Group as GroupRow
    from layers.groups.model import GroupKind
    from layers.store.db import session_scope
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_PRINT_BASEMAP_URL", UNREACHABLE)
    get_settings.cache_clear()
    with session_scope() as db:
        rows = [GroupRow(name=name, kind=GroupKind.pta) for name in ("本町小PTA", "港地区防犯")]
        db.add_all(rows)
        db.flush()
        ours, theirs = rows[0].id, rows[1].id
    return Group(
        ours,
        make_person("leader@example.jp", groups={ours: "leader"}),
        make_person("member@example.jp", groups={ours: "member"}),
        make_person("other@example.jp", groups={theirs: "leader"}),
    )


def new_map(
    group: Group, places: int, photos: int, withheld: int = 0, publish: bool = True
) -> Sample:
    from layers.groups.model import SafetyMap
    from layers.store.db import session_scope

    leader = signed_in(group.leader)
    made = leader.post(
        f"/api/groups/{group.id}/safety-maps",
        json={"title": "本町地区 地域安全マップ", "description": "4年生と保護者で歩きました。"},
    )
    assert made.status_code == 201, made.text
    with session_scope() as db:
        m = db.get(SafetyMap, made.json()["id"])
        assert m is not None
        sample = build(db, m, places, photos, withheld)
    if publish:
        assert leader.post(f"/api/safety-maps/{sample.map_id}/publish").status_code == 200
    return sample


def run(*args: str | Path) -> str:
    return subprocess.run([str(a) for a in args], check=True, capture_output=True, text=True).stdout


def fetch(client: TestClient, map_id: int, query: str, out: Path) -> Path:
    answer = client.get(f"/api/safety-maps/{map_id}/print.pdf?{query}")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"] == "application/pdf"
    assert re.search(
        r'filename="safety-map-\d+-A\d-\w+\.pdf"', answer.headers["content-disposition"]
    )
    out.write_bytes(answer.content)
    return out


def page_size(pdf: Path) -> tuple[float, float]:
    found = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", run("pdfinfo", pdf))
    assert found, pdf
    return float(found[1]), float(found[2])


def images(pdf: Path) -> list[list[str]]:
    """pdfimages -list rows: page, num, type, width, height ..."""
    return [line.split() for line in run("pdfimages", "-list", pdf).splitlines()[2:]]


def qr_text(pdf: Path, keep: Path) -> list[str]:
    run("pdftoppm", "-r", "300", "-f", "1", "-l", "1", "-png", "-singlefile", pdf, keep)
    with Image.open(keep.with_suffix(".png")) as page:
        return [code.text for code in zxingcpp.read_barcodes(page)]


def keep_artifact(png: Path) -> None:
    """The rendered page beside the browser tests' screenshots, for a person to look at."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with Image.open(png) as page:
        page.thumbnail((2400, 2400))
        page.save(ARTIFACTS / png.name)


def test_the_demo_map_on_a4_and_a3(group: Group, demo_url: str, tmp_path: Path) -> None:
    """The demo group's published map: 30 places, photos of which the leader released some."""
    from tests.conftest import sql_value

    map_id = int(sql_value(demo_url, "SELECT id FROM safety_map WHERE title = %s", DEMO_TITLE))
    anyone = new_client()
    shown = anyone.get(f"/api/safety-maps/{map_id}").json()
    places = [f["properties"] for f in shown["feature_collection"]["features"]]
    assert len(places) == 30
    with_photos = sum(1 for p in places if p["photos"])  # the public sees released ones only
    withheld = sql_value(demo_url, WITHHELD, map_id)
    assert with_photos and withheld, "the demo map has released and unreleased photos"
    url = f"{BASE}/safety-maps/{map_id}"

    a4 = fetch(anyone, map_id, "paper=A4&orientation=portrait", tmp_path / "a4.pdf")
    a3 = fetch(anyone, map_id, "paper=A3&orientation=landscape&atlas=area", tmp_path / "a3.pdf")
    width, height = page_size(a4)
    assert (round(width), round(height)) == (595, 842)  # A4 portrait, 210 × 297 mm
    width, height = page_size(a3)
    assert (round(width), round(height)) == (1191, 842)  # A3 landscape, 420 × 297 mm

    for pdf in (a4, a3):
        words = run("pdftotext", "-raw", pdf, "-")  # in the order it was laid out
        flat = re.sub(r"\s+", "", words)
        assert re.sub(r"\s+", "", DEMO_TITLE) in flat
        assert shown["group"]["name"].replace(" ", "") in flat
        assert "2026年11月15日公開" in flat and "下書き" not in flat
        numbers = {int(n) for n in re.findall(r"(?<!\d)(\d{1,2})(?!\d)", words)}
        assert set(range(1, 31)) <= numbers, sorted(set(range(1, 31)) - numbers)
        for p in places:
            for value in (p["note"], p["title"]):
                if value:
                    assert re.sub(r"\s+", "", value) in flat, (p["number"], value)
        assert "凡例" in flat
        for kind in {p["kind"] for p in places}:
            assert KIND_NAMES[kind] in flat, kind
        assert "出典：焼津市" in flat
        assert "地理院タイル" not in flat  # no basemap could be reached
        assert "N" in words and "縮尺" in flat

        fonts = run("pdffonts", pdf).splitlines()[2:]
        assert fonts and all(line.split()[-5] == "yes" for line in fonts), fonts  # emb
        assert any("IPAPGothic" in line for line in fonts), fonts

        # Released photos print as their public thumbnails (320 px on the long side).
        photos = [row for row in images(pdf) if row[2] == "image"]
        assert len(photos) >= with_photos
        assert all(max(int(row[3]), int(row[4])) == 320 for row in photos), photos
    # One per place on the A4 list, and never a photo nobody released.
    assert len([r for r in images(a4) if r[2] == "image"]) == with_photos

    # The atlas: after the overview, a page per 地区 the places are in, named.
    assert re.search(r"焼津第\d+自治会|自治会", run("pdftotext", "-f", "2", a3, "-"))
    assert int(re.search(r"Pages:\s+(\d+)", run("pdfinfo", a3))[1]) >= 3  # type: ignore[index]

    assert qr_text(a4, tmp_path / "poster-a4-portrait") == [url]
    assert qr_text(a3, tmp_path / "poster-a3-landscape") == [url]
    for png in ("poster-a4-portrait.png", "poster-a3-landscape.png"):
        keep_artifact(tmp_path / png)


def test_a_groups_own_map_lists_every_place_and_only_released_photos(
    group: Group, tmp_path: Path
) -> None:
    sample = new_map(group, places=30, photos=12, withheld=3)
    pdf = fetch(new_client(), sample.map_id, "paper=A3&orientation=portrait", tmp_path / "p.pdf")
    flat = re.sub(r"\s+", "", run("pdftotext", "-raw", pdf, "-"))
    for n, note in sample.notes.items():
        assert re.sub(r"\s+", "", note) in flat, n
        assert f"地点{n}の様子" in flat
    assert "本町小PTA" in flat
    assert len([r for r in images(pdf) if r[2] == "image"]) == sample.released


def test_a_draft_prints_for_its_group_only_and_without_unreleased_photos(
    group: Group, tmp_path: Path
) -> None:
    sample = new_map(group, places=4, photos=0, withheld=2, publish=False)
    pdf = fetch(signed_in(group.member), sample.map_id, "paper=A4", tmp_path / "draft.pdf")
    flat = re.sub(r"\s+", "", run("pdftotext", pdf, "-"))
    assert "下書き" in flat and "Draft" in flat
    assert images(pdf) == []  # the two photos are the group's until a leader releases them

    # The same answer as the map itself gives them: sign in (401), not yours (403).
    for client, status in ((new_client(), 401), (signed_in(group.outsider), 403)):
        answer = client.get(f"/api/safety-maps/{sample.map_id}/print.pdf")
        assert answer.status_code == status, answer.text
        assert client.get(f"/api/safety-maps/{sample.map_id}").status_code == status
        assert answer.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "query", ["paper=B5", "orientation=sideways", "atlas=prefecture", "paper=a4"]
)
def test_a_poster_nobody_can_print_is_refused_clearly(group: Group, query: str) -> None:
    sample = new_map(group, places=1, photos=0)
    answer = new_client().get(f"/api/safety-maps/{sample.map_id}/print.pdf?{query}")
    # The project's answer to a query parameter it cannot honour (api/errors.py): 400.
    assert answer.status_code == 400, answer.text
    problem = answer.json()
    assert problem["detail_ja"] and problem["detail"] and problem["detail_ja"] != problem["detail"]
    assert answer.headers["content-type"].startswith("application/problem+json")


def test_a_map_too_big_for_a_sheet_is_refused_before_any_layout(
    group: Group, monkeypatch: pytest.MonkeyPatch
) -> None:
    from layers.store.settings import get_settings

    sample = new_map(group, places=6, photos=0)
    monkeypatch.setenv("MACHIMAP_PRINT_MAX_PLACES", "5")
    get_settings.cache_clear()
    answer = new_client().get(f"/api/safety-maps/{sample.map_id}/print.pdf")
    assert answer.status_code == 422, answer.text
    assert answer.json()["places"] == 6 and "5" in answer.json()["detail_ja"]


class _Tiles(BaseHTTPRequestHandler):
    """A tile server on loopback: every tile is the same pale PNG."""

    tile = b""
    served = 0

    def do_GET(self) -> None:
        type(self).served += 1
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.tile)))
        self.end_headers()
        self.wfile.write(self.tile)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def tile_server() -> Iterator[str]:
    out = BytesIO()
    Image.new("RGB", (256, 256), (236, 232, 222)).save(out, "PNG")
    _Tiles.tile, _Tiles.served = out.getvalue(), 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/pale/{{z}}/{{x}}/{{y}}.png"
    server.shutdown()
    thread.join()


def test_a_reachable_basemap_is_drawn_and_credited(
    group: Group, tile_server: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from layers.store.settings import get_settings

    monkeypatch.setenv("MACHIMAP_PRINT_BASEMAP_URL", tile_server)
    get_settings.cache_clear()
    sample = new_map(group, places=3, photos=0)
    pdf = fetch(new_client(), sample.map_id, "paper=A4", tmp_path / "basemap.pdf")
    tiles = [row for row in images(pdf) if row[2] == "image"]
    assert tiles and len(tiles) == _Tiles.served
    assert all(row[3:5] == ["256", "256"] for row in tiles)
    assert "出典：焼津市、地理院タイル" in re.sub(r"\s+", "", run("pdftotext", pdf, "-"))
