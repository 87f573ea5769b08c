"""A real GIS client against a real server: GDAL's OAPIF driver (ogrinfo, ogr2ogr) reads
/ogc from uvicorn on a free local port, over the demo city."""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import uvicorn

from layers.registry import get_layer
from tests.conftest import sql_value

pytestmark = pytest.mark.skipif(
    shutil.which("ogrinfo") is None or shutil.which("ogr2ogr") is None,
    reason="GDAL command-line tools (ogrinfo, ogr2ogr; Debian gdal-bin) are not installed",
)

PUBLIC_LAYERS = (
    "district",
    "school_district",
    "facility",
    "hazard",
    "report",
    "safety_map_feature",
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def server(demo_url: str) -> Iterator[str]:
    """The app served by uvicorn in a thread (DATABASE_URL already points at the demo)."""
    from api.app import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/ogc"
    srv.should_exit = True
    thread.join(timeout=10)


def _gdal(*args: str) -> str:
    done = subprocess.run(
        args,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
        env={"PATH": "/usr/bin:/bin", "GDAL_HTTP_TIMEOUT": "60", "CPL_DEBUG": "OFF"},
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def _public_count(url: str, layer_id: str) -> int:
    layer = get_layer(layer_id)
    where = f" WHERE {layer.public_filter}" if layer.public_filter else ""
    return int(sql_value(url, f'SELECT count(*) FROM "{layer.table}"{where}'))


def _summaries(text: str) -> dict[str, str]:
    """ogrinfo -so output split per layer."""
    parts = re.split(r"^Layer name: ", text, flags=re.M)[1:]
    return {p.split("\n", 1)[0].strip(): p for p in parts}


def test_ogrinfo_lists_every_public_layer_with_counts_and_fields(
    demo_url: str, server: str
) -> None:
    out = _gdal("ogrinfo", "-ro", "-al", "-so", f"OAPIF:{server}")
    layers = _summaries(out)
    assert sorted(layers) == sorted(PUBLIC_LAYERS)  # no patrol for an anonymous client
    for layer_id, summary in layers.items():
        count = re.search(r"^Feature Count: (\d+)", summary, flags=re.M)
        assert count is not None, summary
        assert int(count.group(1)) == _public_count(demo_url, layer_id), layer_id
        for f in get_layer(layer_id).public_fields:
            assert re.search(rf"^{f.name}: ", summary, flags=re.M), (layer_id, f.name)
        for f in get_layer(layer_id).fields:
            if not f.public:
                assert f"{f.name}:" not in summary.replace("public_description:", "")


def test_ogr2ogr_copies_every_public_layer(demo_url: str, server: str, tmp_path: Path) -> None:
    import pyogrio

    for layer_id in PUBLIC_LAYERS:
        out = tmp_path / f"{layer_id}.gpkg"
        _gdal("ogr2ogr", "-f", "GPKG", str(out), f"OAPIF:{server}", layer_id)
        info = pyogrio.read_info(out, layer=layer_id)
        assert info["features"] == _public_count(demo_url, layer_id), layer_id
        assert {f.name for f in get_layer(layer_id).public_fields} <= set(info["fields"])
