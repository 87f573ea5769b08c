"""Schemathesis against both OpenAPI documents (/openapi.json and /ogc/api), anonymously and
with a staff and an admin token, over a real server on loopback holding the demo city.

Fails on any 5xx and on any answer that does not match its document (status, media type,
headers, body schema). Every operation of both documents must be exercised; the run
prints, per document and caller, how many operations and test cases it tried.

Bounded: MACHIMAP_FUZZ_EXAMPLES cases per operation and phase (10 by default), a fixed
seed (MACHIMAP_FUZZ_SEED) so a failure replays. Real ids, codes and places of the demo
city are offered to the generator as dictionaries, so the write paths are reached with
rows that exist, not only with ids that 404."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from layers.policy import ANONYMOUS
from layers.serving.features import collection_views
from layers.store.db import make_engine
from layers.store.embedded import EmbeddedCluster
from tests.conftest import DEMO_TEMPLATE, ROOT, _drop, _recreate
from tests.test_photos import camera_jpeg
from tests.test_restarts import _free_port

ST = Path(sys.executable).with_name("st")
DOCUMENTS = {"main": "/openapi.json", "ogc": "/ogc/api"}
# Staff before admin: the admin's run may change the staff account.
CALLERS = ("anonymous", "staff", "admin")
CHECKS = ",".join(
    (
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
    )
)
EXAMPLES = int(os.environ.get("MACHIMAP_FUZZ_EXAMPLES", "10"))
SEED = int(os.environ.get("MACHIMAP_FUZZ_SEED", "20261204"))
LAT, LON = 34.8669, 138.3187


@dataclass
class FuzzCity:
    base: str
    tokens: dict[str, str]
    config: Path
    out: Path
    log: Path
    tallies: list[str] = field(default_factory=list)


def _tile(lon: float, lat: float, z: int) -> tuple[int, int]:
    n = 2**z
    x = int((lon + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(lat))) / math.pi) / 2 * n)
    return x, y


def _accounts(owner_url: str) -> dict[str, str]:
    """A staff member of the road department and an administrator, each with a token."""
    from layers.accounts import api_tokens
    from layers.accounts import lifecycle as accounts
    from layers.accounts.users import Department, Role

    engine = make_engine(owner_url)
    tokens: dict[str, str] = {}
    with Session(engine) as db, db.begin():
        road = db.query(Department).filter_by(code="road").one()
        for role, department, scopes in (
            ("staff", road, [api_tokens.Scope.read, api_tokens.Scope.write]),
            ("admin", None, list(api_tokens.Scope)),
        ):
            email = f"fuzz-{role}@example.jp"
            user = accounts.create_user(
                db, email, role, "fuzz-pass-phrase-41", Role(role), department, verified=True
            )
            tokens[role] = api_tokens.issue(db, user, "schemathesis", scopes).token
    engine.dispose()
    return tokens


def _reports_with_photos(base: str) -> list[dict[str, Any]]:
    made = []
    for i in range(2):
        answer = httpx.post(
            base + "/api/reports",
            data={
                "category": "road_damage",
                "description": f"ファズ試験の通報 {i}",
                "lat": str(LAT),
                "lon": str(LON),
            },
            files=[("photos", (f"IMG_{i}.jpg", camera_jpeg(), "image/jpeg"))],
            timeout=60,
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json())
    return made


def _dictionaries(owner_url: str, tracking: list[str]) -> dict[str, list[Any]]:
    """Values that exist in the demo city, offered to the generator beside its own."""
    engine = make_engine(owner_url)

    def column(sql: str) -> list[Any]:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(text(sql))]

    x, y = _tile(LON, LAT, 14)
    values = {
        "public_ids": column("SELECT public_id FROM report ORDER BY id LIMIT 25"),
        "photo_ids": column("SELECT id FROM attachment ORDER BY id"),
        "group_ids": column("SELECT id FROM community_group ORDER BY id LIMIT 10"),
        "map_ids": column("SELECT id FROM safety_map ORDER BY id"),
        "patrol_ids": column("SELECT id FROM patrol ORDER BY id LIMIT 10"),
        "observation_ids": column("SELECT id FROM patrol_observation ORDER BY id LIMIT 10"),
        # Not the fuzzing accounts themselves: an admin demoting itself ends its own run.
        "user_ids": column(
            "SELECT id FROM user_account WHERE email NOT LIKE 'fuzz-%' ORDER BY id LIMIT 10"
        ),
        "department_ids": column("SELECT id FROM department ORDER BY id LIMIT 10"),
        "department_codes": column("SELECT code FROM department ORDER BY id LIMIT 10"),
        "category_codes": column("SELECT code FROM report_category ORDER BY sort_order"),
        "district_ids": column("SELECT id FROM district ORDER BY id LIMIT 10"),
        "feature_ids": column(
            "(SELECT id FROM hazard ORDER BY id LIMIT 5)"
            " UNION ALL (SELECT id FROM facility ORDER BY id LIMIT 5)"
            " UNION ALL (SELECT id FROM safety_map_feature ORDER BY id LIMIT 5)"
            # The demo group's map: its places, their photos and history (issue 16).
            " UNION ALL (SELECT f.id FROM safety_map_feature f JOIN safety_map m"
            " ON m.id = f.safety_map_id WHERE m.group_id IS NOT NULL ORDER BY f.id LIMIT 5)"
        ),
        "layer_ids": column("SELECT layer_id FROM layer_metadata ORDER BY layer_id"),
        # 通学路合同点検 (issue 17): the demo's sites, their links and schools.
        "school_route_site_ids": column("SELECT id FROM school_route_site ORDER BY id"),
        "school_route_link_ids": column("SELECT id FROM school_route_link ORDER BY id"),
        "school_ids": column("SELECT id FROM facility WHERE kind = 'school' ORDER BY id LIMIT 5"),
        # The facility register (issue 18): the demo's buildings and their facilities.
        "building_ids": column("SELECT id FROM facility_building ORDER BY id LIMIT 10"),
        "building_facility_ids": column(
            "SELECT DISTINCT facility_id FROM facility_building ORDER BY 1 LIMIT 10"
        ),
        # Inspections and their kinds (issue 18).
        "inspection_ids": column("SELECT id FROM inspection ORDER BY id DESC LIMIT 10"),
        "inspection_kind_codes": column("SELECT code FROM inspection_kind ORDER BY id"),
        # The OGC API's collections: a mixed layer's geometry parts (hazard_points ...).
        "collection_ids": [v.id for v in collection_views(ANONYMOUS)],
        "statuses": ["submitted", "accepted", "in_progress", "resolved", "rejected"],
        "tracking_tokens": tracking,
        "lons": [LON, 138.2711674, 138.3236],
        "lats": [LAT, 34.8090844, 34.8667],
        "zooms": [14],
        "xs": [x],
        "ys": [y],
    }
    engine.dispose()
    values["layer_lists"] = [",".join(values["layer_ids"][:2]), "hazard,facility"]
    return {name: vals for name, vals in values.items() if vals}


# Parameter (location.name) -> dictionary, and how often its values are drawn.
BINDINGS = {
    "path.public_id": "public_ids",
    "path.service_request_id": "public_ids",
    "query.service_request_id": "public_ids",
    "path.photo_id": "photo_ids",
    "path.group_id": "group_ids",
    "path.map_id": "map_ids",
    "path.patrol_id": "patrol_ids",
    "path.observation_id": "observation_ids",
    "path.user_id": "user_ids",
    "path.department_id": "department_ids",
    "path.code": "category_codes",
    "path.service_code": "category_codes",
    "path.feature_id": "feature_ids",
    "path.featureId": "feature_ids",
    "path.layer_id": "layer_ids",
    "path.site_id": "school_route_site_ids",
    "path.link_id": "school_route_link_ids",
    "path.building_id": "building_ids",
    "body.facility_id": "building_facility_ids",
    "path.inspection_id": "inspection_ids",
    "path.kind_code": "inspection_kind_codes",
    "query.school": "school_ids",
    "body.school_facility_id": "school_ids",
    "path.collectionId": "collection_ids",
    "path.layers": "layer_lists",
    "path.token": "tracking_tokens",
    "path.z": "zooms",
    "path.x": "xs",
    "path.y": "ys",
    "query.token": "tracking_tokens",
    "query.category": "category_codes",
    "query.service_code": "category_codes",
    "query.department": "department_codes",
    "query.district": "district_ids",
    "query.district_id": "district_ids",
    "query.lon": "lons",
    "query.lat": "lats",
    "body.category": "category_codes",
    "body.service_code": "category_codes",
    "body.department": "department_codes",
    "body.district_id": "district_ids",
    "body.status": "statuses",
    "body.lon": "lons",
    "body.long": "lons",
    "body.lat": "lats",
}


def _config(path: Path, dictionaries: dict[str, list[Any]]) -> None:
    """schemathesis.toml: JSON's scalars and arrays are TOML's too."""
    lines = []
    for name, values in dictionaries.items():
        lines += [f"[dictionaries.{name}]", f"values = {json.dumps(values)}", ""]
    lines.append("[parameters]")
    for key, name in BINDINGS.items():
        if name in dictionaries:
            lines.append(f'"{key}" = {{ dictionary = "{name}", probability = 0.6 }}')
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def city(cluster: EmbeddedCluster, demo_template_url: str) -> Iterator[FuzzCity]:
    name = f"f_{uuid.uuid4().hex[:12]}"
    owner_url = _recreate(cluster, name, DEMO_TEMPLATE)
    out = ROOT / "tests" / "artifacts" / "fuzz"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    tokens = _accounts(owner_url)
    env = {
        **os.environ,
        "DATABASE_URL": cluster.app_url(name),
        "MACHIMAP_MIGRATION_URL": owner_url,
        "MACHIMAP_MEDIA_DIR": str(out / "media"),
        "MACHIMAP_OUTBOX_INTERVAL_S": "0",
        "MACHIMAP_RATE_LIMIT_ENABLED": "false",
    }
    port = _free_port()
    log = out / "server.log"
    with log.open("w") as sink:
        server = subprocess.Popen(
            [
                *(sys.executable, "-m", "uvicorn", "--factory", "api.app:create_app"),
                *("--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"),
            ],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(base + "/health/ready", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert server.poll() is None and time.monotonic() < deadline, log.read_text()[-2000:]
            time.sleep(0.2)
        reports = _reports_with_photos(base)
        config = out / "schemathesis.toml"
        _config(config, _dictionaries(owner_url, [r["tracking_token"] for r in reports]))
        fuzz_city = FuzzCity(base, tokens, config, out, log)
        yield fuzz_city
        print("\n" + "\n".join(fuzz_city.tallies))
    finally:
        server.terminate()
        server.wait(timeout=30)
        _drop(cluster, owner_url)


def _answered(events: Path) -> dict[str, set[int]]:
    """Per operation, the status codes the server answered the fuzzer with. The event log
    is large (every request and answer): read as a stream, then removed."""
    answered: dict[str, set[int]] = {}
    with events.open() as lines:
        for line in lines:
            if not line.startswith('{"ScenarioFinished"'):
                continue
            recorder = json.loads(line)["ScenarioFinished"]["recorder"]
            codes = answered.setdefault(recorder["label"], set())
            for interaction in recorder.get("interactions", {}).values():
                if interaction.get("response"):
                    codes.add(interaction["response"]["status_code"])
    events.unlink()
    return answered


def _run(city: FuzzCity, caller: str, document: str) -> dict[str, Any]:
    report_dir = city.out / f"{caller}-{document}"
    shutil.rmtree(report_dir, ignore_errors=True)
    headers = (
        [] if caller == "anonymous" else ["-H", f"Authorization: Bearer {city.tokens[caller]}"]
    )
    command = [
        *(str(ST), "--config-file", str(city.config), "run", city.base + DOCUMENTS[document]),
        *("--checks", CHECKS, "--max-examples", str(EXAMPLES), "--seed", str(SEED)),
        # One worker: Hypothesis parses source for its reports, and CPython 3.11's AST
        # recursion counter is shared between threads (gh-106905), so two workers can crash
        # the generator with "AST constructor recursion depth mismatch".
        *("--workers", "1", "--request-timeout", "60", "--suppress-health-check", "all"),
        *("--report", "json,ndjson", "--report-dir", str(report_dir)),
        *("--output-truncate", "true"),
        *headers,
    ]
    started = time.monotonic()
    done = subprocess.run(
        command, cwd=city.out, capture_output=True, text=True, timeout=900, check=False
    )
    (city.out / f"{caller}-{document}.txt").write_text(done.stdout + done.stderr)
    [report_file] = report_dir.glob("json-*.json")
    report: dict[str, Any] = json.loads(report_file.read_text())
    report["output"] = done.stdout + done.stderr
    report["answered"] = _answered(next(report_dir.glob("ndjson-*.ndjson")))
    report["seconds"] = time.monotonic() - started
    return report


# Bounded by count (--max-examples), not time; a run beside the rest of the suite on two
# shared cores can pass the default 300 s, so the safety net is the schemathesis run's own.
@pytest.mark.timeout(900)
@pytest.mark.parametrize(
    ("caller", "document"), [(caller, document) for caller in CALLERS for document in DOCUMENTS]
)
def test_the_fuzzer_finds_no_server_error_and_no_answer_off_the_document(
    city: FuzzCity, document: str, caller: str, capsys: pytest.CaptureFixture[str]
) -> None:
    report = _run(city, caller, document)
    operations, cases = report["operations"], report["test_cases"]
    succeeded = sorted(
        op for op, codes in report["answered"].items() if any(c < 300 for c in codes)
    )
    tally = (
        f"schemathesis {DOCUMENTS[document]:13} as {caller:9}: "
        f"{operations['tested']}/{operations['total']} operations "
        f"({len(succeeded)} answered 2xx at least once), "
        f"{cases['generated']} test cases, {len(report['failures'])} kinds of failure, "
        f"{report['seconds']:.0f} s"
    )
    city.tallies.append(tally)
    never = sorted(set(report["answered"]) - set(succeeded))
    (city.out / f"{caller}-{document}.never-2xx.txt").write_text("\n".join(never) + "\n")
    with capsys.disabled():
        print("\n" + tally)
    summary = report["output"][report["output"].find("FAILURES") :][:20_000]
    assert not report["failures"], summary
    assert not report["errors"], summary
    assert operations["tested"] == operations["total"] > 0, summary
    assert report["complete"], summary
    assert cases["generated"] >= operations["total"] * 10
    # Nothing the server logged as an error while the fuzzer ran.
    assert "Traceback" not in city.log.read_text()
