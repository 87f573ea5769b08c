"""Benchmark: residents submitting reports with photos, 100 at a time, retrying some.

One embedded PostGIS holds the demo city (焼津市); one machimap server (uvicorn, rate limits
off) takes ``POST /api/reports``. 100 asyncio clients submit reports with 1-2 real JPEG
photos, a contact and an ``Idempotency-Key``, for a fixed time after a warm-up. Some
submissions are sent again with the same key: after a 201 (a client that lost the answer),
twice at once (the race), and after a client-side deadline cut the first attempt off.

In the same run, on the same database and cores, it measures what the figure is compared
with (no peer reporting service can run on this machine; see README.md):

- the same server taking the same reports as JSON, without photos;
- the photo work alone: ``clean_photo`` on the same uploads, one process per server worker;
- the floor: the same number of submissions written straight through psycopg (the same
  rows, and content-addressed files written and fsynced the same way), no HTTP, no Python
  web stack, no photo decoding.

Then it reconciles: every acknowledged submission is in the database exactly once, every
answer for a key named the same report, every report has the photos it was sent with, and
every stored file exists and carries no EXIF. The exit code is non-zero when reconciliation
finds a problem or the server answered with an error; the timings are figures, never a
pass/fail test.

With ``--fault`` the photos phase meets a fault a third of the way into its window (the
database restarted by ``machimap db stop && machimap db start`` or by ``pg_ctl restart``, or
one server worker killed with SIGKILL; bench/reports/faults.py). Clients retry with the same
key, as told by Retry-After; the run prints what was lost, duplicated, answered 5xx, and
how long the service took to answer again.

    .venv/bin/python bench/reports/run.py [--quick] [--seconds 60] [--clients 100]
        [--fault none|db-restart|pg-ctl-restart|kill-worker]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import io
import itertools
import json
import math
import os
import platform
import random
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import numpy as np
import psycopg
from PIL import ExifTags, Image, ImageDraw, ImageFilter

from bench import servers
from bench.reports import faults
from bench.servers import Server
from layers.media.storage import MediaStore
from layers.schema import migrate
from layers.store.db import make_engine, psycopg_connect
from layers.store.embedded import EmbeddedCluster

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
VENV_BIN = Path(sys.executable).parent

MARKER = "[bench-reports"  # starts every description this benchmark writes
EMAIL_DOMAIN = "example.com"
SEED = 20241123

DEFAULT_SECONDS, QUICK_SECONDS = 60.0, 10.0
DEFAULT_CLIENTS, QUICK_CLIENTS = 100, 20
DEFAULT_WARMUP, QUICK_WARMUP = 5.0, 2.0
DEFAULT_REFERENCE_SECONDS, QUICK_REFERENCE_SECONDS = 20.0, 5.0
DEFAULT_WORKERS = 2
DEFAULT_FLOOR_CONNECTIONS = 8

# What a submission does besides being sent once (the rest are plain submissions).
SCENARIOS = (("replay", 0.08), ("race", 0.06), ("deadline", 0.06))
REQUEST_TIMEOUT_S = 180.0  # an ordinary client's patience; 100 clients queue for seconds
# A client without an answer, or with a 5xx, sends again with the same key: after the
# server's Retry-After (at most RETRY_AFTER_CAP_S), else after a growing pause, for as long as
# a resident would keep the page open.
RETRY_BUDGET_S = 90.0
RETRY_PAUSE_S = 0.5
RETRY_AFTER_CAP_S = 5.0
DRAIN_CAP_S = 300.0  # how long in-flight submissions may take to finish after the window

# The uploads: a few base photos, each sent as many pixel-distinct variants.
BASE_PHOTOS, QUICK_BASE_PHOTOS = 6, 4
PHOTO_SIZE = (1600, 1200)
PHOTO_QUALITY = 90
THUMBNAIL_SIDE = 320

KINDS = (
    ("first", "first attempt"),
    ("replay", "replay after a 201"),
    ("race", "race: 2 in flight, same key"),
    ("retry", "retry after no answer"),
    ("short", "cut off by a client deadline"),
)
DESCRIPTIONS = (
    "道路に大きな穴があいています。夜は見えにくく危険です。",
    "防犯灯が点いていません。通学路なので早めに直してください。",
    "水路の柵が壊れていて子どもが落ちそうです。",
    "公園のすべり台の手すりがぐらついています。",
    "空き地にごみが捨てられています。",
    "歩道の段差につまずきそうになりました。",
)


# -- photos ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class BasePhoto:
    data: bytes  # the upload: a camera-like JPEG, some with EXIF (GPS, camera, time)
    thumbnail: bytes  # a 320 px JPEG: what the floor stores as the thumbnail
    gps: tuple[float, float] | None  # (lon, lat) written into the EXIF
    width: int
    height: int


def scene(seed: int, size: tuple[int, int]) -> Image.Image:
    """Something with a photo's statistics (smooth gradients, blotches, grain, hard edges),
    so it compresses like one: about 300 KB at quality 90 for 1600 × 1200."""
    rng = np.random.default_rng(seed)
    width, height = size
    ramp = np.linspace(0.0, 1.0, height)[:, None, None]
    sky, ground = rng.uniform(120, 220, 3), rng.uniform(40, 140, 3)
    pixels = np.broadcast_to(sky * (1 - ramp) + ground * ramp, (height, width, 3)).copy()
    coarse = rng.normal(0, 40, (height // 40, width // 40, 3))
    blotches = Image.fromarray(np.clip(coarse + 128, 0, 255).astype(np.uint8)).resize(
        (width, height), Image.Resampling.BICUBIC
    )
    pixels += np.asarray(blotches, dtype=np.float64) - 128
    pixels += rng.normal(0, 9, (height, width, 3))
    im = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    draw = ImageDraw.Draw(im)
    for _ in range(30):
        x0, y0 = int(rng.integers(0, width)), int(rng.integers(height // 3, height))
        box = (x0, y0, x0 + int(rng.integers(20, 300)), y0 + int(rng.integers(10, 200)))
        draw.rectangle(box, fill=tuple(int(v) for v in rng.integers(0, 255, 3)))
    return im.filter(ImageFilter.GaussianBlur(0.6))


def gps_ifd(lon: float, lat: float) -> dict[int, Any]:
    def dms(value: float) -> tuple[float, float, float]:
        degrees = math.floor(value)
        minutes = math.floor((value - degrees) * 60)
        return float(degrees), float(minutes), round((value - degrees - minutes / 60) * 3600, 4)

    return {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: dms(lat),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: dms(lon),
        ExifTags.GPS.GPSMapDatum: "WGS-84",
    }


def camera_exif(index: int, gps: tuple[float, float] | None, orientation: int) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "BenchPhone"
    exif[ExifTags.Base.Model] = f"Model {index}"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: f"2024:05:{1 + index:02d} 09:30:00",
        ExifTags.Base.OffsetTimeOriginal: "+09:00",
    }
    if gps is not None:
        exif[ExifTags.IFD.GPSInfo] = gps_ifd(*gps)
    return exif


def make_base_photos(count: int, points: Sequence[tuple[float, float]]) -> list[BasePhoto]:
    """Half carry GPS EXIF (a point inside the city) and all carry camera EXIF; every third
    is stored sideways with EXIF orientation 6, as phones do."""
    photos = []
    for i in range(count):
        gps = points[i] if i % 2 == 0 else None
        orientation = 6 if i % 3 == 1 else 1
        im = scene(SEED + i, PHOTO_SIZE)
        out = io.BytesIO()
        im.save(out, "JPEG", quality=PHOTO_QUALITY, exif=camera_exif(i, gps, orientation))
        small = im.copy()
        small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
        thumb = io.BytesIO()
        small.save(thumb, "JPEG", quality=80)
        photos.append(BasePhoto(out.getvalue(), thumb.getvalue(), gps, *im.size))
    return photos


def jpeg_segments(data: bytes) -> Iterator[tuple[int, int, int]]:
    """(marker, start of payload, payload length) of each segment before the scan."""
    if data[:2] != b"\xff\xd8":
        raise ValueError("not a JPEG")
    position = 2
    while position + 4 <= len(data):
        if data[position] != 0xFF:
            raise ValueError(f"no marker at byte {position}")
        marker = data[position + 1]
        length = int.from_bytes(data[position + 2 : position + 4], "big")
        yield marker, position + 4, length - 2
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            return
        position += 2 + length


def unique_variant(data: bytes, n: int) -> bytes:
    """The same JPEG with different pixels, without encoding it again: the first quantisation
    table's low-frequency steps 1-19 are raised by the base-3 digits of n. Every decoder then
    reconstructs slightly different pixels, so the server's re-encoded file is another file
    and its content-addressed store really writes it (the same upload twice would be one
    file, which would flatter the disk side)."""
    out = bytearray(data)
    for marker, start, _length in jpeg_segments(data):
        if marker == 0xDB:
            if out[start] >> 4 != 0:
                raise ValueError("16-bit quantisation table")
            table = start + 1
            remaining = n
            for position in range(1, 20):
                remaining, digit = divmod(remaining, 3)
                out[table + position] = min(255, out[table + position] + digit)
            if remaining:
                raise ValueError(f"variant {n} is past 3**19")
            return bytes(out)
    raise ValueError("no quantisation table")


def has_exif(data: bytes) -> bool:
    """An APP1 segment (EXIF or XMP) before the pixels, or EXIF's header anywhere."""
    if b"Exif\x00\x00" in data:
        return True
    try:
        return any(marker == 0xE1 for marker, _, _ in jpeg_segments(data))
    except ValueError:
        return False


def clean_uploads(photos: Sequence[bytes]) -> float:
    """The photo work of one submission, as the server does it; returns seconds taken."""
    from layers.media.photos import clean_photo

    started = time.perf_counter()
    for raw in photos:
        clean_photo(raw)
    return time.perf_counter() - started


# -- the database ---------------------------------------------------------------------------
@dataclass(frozen=True)
class City:
    categories: tuple[tuple[str, int, int | None], ...]  # (code, id, department_id)
    points: tuple[tuple[float, float], ...]  # (lon, lat) inside the city


def connect(url: str) -> psycopg.Connection[Any]:
    return psycopg_connect(url, autocommit=True)


def prepare_database(url: str, points: int) -> City:
    """Migrations, the demo city (idempotent), the layer metadata rows; then the previous
    runs' reports, notifications and attachment rows are deleted."""
    from sqlalchemy.orm import Session

    from layers.demo.load import load_demo
    from layers.serving.publishing import sync_layer_metadata

    migrate.upgrade(url)
    started = time.perf_counter()
    for _ in load_demo(url):
        pass
    engine = make_engine(url)
    try:
        with Session(engine) as session, session.begin():
            sync_layer_metadata(session)
    finally:
        engine.dispose()
    print(f"DB: demo city ready in {time.perf_counter() - started:.1f} s")
    with connect(url) as conn:
        mine = "SELECT id FROM report WHERE starts_with(description, %s)"
        conn.execute(
            f"DELETE FROM attachment WHERE subject_layer = 'report' AND subject_id IN ({mine})",
            (MARKER,),
        )
        conn.execute(
            "DELETE FROM notification WHERE recipient LIKE %s", (f"bench-%@{EMAIL_DOMAIN}",)
        )
        gone = conn.execute(
            "DELETE FROM report WHERE starts_with(description, %s)", (MARKER,)
        ).rowcount
        if gone:
            print(f"DB: deleted {gone:,} reports of earlier runs")
        conn.execute("VACUUM (ANALYZE) report, attachment, notification")
        categories = conn.execute(
            "SELECT code, id, department_id FROM report_category WHERE active "
            "ORDER BY sort_order, code"
        ).fetchall()
        located = conn.execute(
            """SELECT ST_X(d.geom), ST_Y(d.geom) FROM ST_Dump(ST_GeneratePoints(
                 (SELECT geom FROM district WHERE level = 'city' ORDER BY id LIMIT 1),
                 %s, %s)) AS d ORDER BY d.path[1]""",
            (points, SEED),
        ).fetchall()
    if not categories or not located:
        raise RuntimeError("the demo city has no report categories or no city boundary")
    return City(
        tuple((str(c), int(i), None if d is None else int(d)) for c, i, d in categories),
        tuple((float(x), float(y)) for x, y in located),
    )


def report_version(url: str) -> int:
    with connect(url) as conn:
        row = conn.execute(
            "SELECT version FROM layer_metadata WHERE layer_id = 'report'"
        ).fetchone()
    return 0 if row is None else int(row[0])


# -- what is submitted ----------------------------------------------------------------------
@dataclass
class Spec:
    sub_id: int
    phase: str
    scenario: str  # plain | replay | race | deadline
    key: str
    category: str
    description: str
    lon: float
    lat: float
    use_photo_location: bool
    email: str
    notify: bool
    consent: bool
    photos: list[bytes]

    @property
    def key_hash(self) -> str:  # what report.idempotency_key stores
        return hashlib.sha256(self.key.encode()).hexdigest()

    def form(self) -> dict[str, str]:
        fields = {
            "category": self.category,
            "description": self.description,
            "contact_name": "焼津 花子",
            "contact_email": self.email,
            "contact_phone": "054-626-1111",
            "notify": str(self.notify).lower(),
            "consent_publish": str(self.consent).lower(),
        }
        if self.use_photo_location:
            fields["use_photo_location"] = "true"
        else:
            fields |= {"lat": f"{self.lat:.7f}", "lon": f"{self.lon:.7f}"}
            fields |= {"location_source": "gps", "accuracy_m": "12"}
        return fields

    def request(self) -> dict[str, Any]:
        """httpx keyword arguments: a multipart form with photos, or JSON without."""
        if not self.photos:
            body: dict[str, Any] = dict(self.form())
            body |= {"notify": self.notify, "consent_publish": self.consent}
            if not self.use_photo_location:
                body |= {"lat": self.lat, "lon": self.lon, "accuracy_m": 12.0}
            return {"json": body}
        files = [
            ("photos", (f"IMG_{self.sub_id:06d}_{i}.jpg", data, "image/jpeg"))
            for i, data in enumerate(self.photos)
        ]
        return {"data": self.form(), "files": files}


class Factory:
    """Submissions with distinct keys, contacts and photo bytes; not thread-safe (one event
    loop, or one floor thread at a time under the lock)."""

    def __init__(self, run_id: str, city: City, photos: list[BasePhoto], seed: int) -> None:
        self.run_id = run_id
        self.city = city
        self.photos = photos
        self.with_gps = [p for p in photos if p.gps is not None]
        self.rng = random.Random(seed)
        self.ids = itertools.count(1)
        self.variants = itertools.count(1)
        self.lock = threading.Lock()

    def scenario(self) -> str:
        draw = self.rng.random()
        for name, share in SCENARIOS:
            if draw < share:
                return name
            draw -= share
        return "plain"

    def upload(self, base: BasePhoto) -> bytes:
        return unique_variant(base.data, next(self.variants))

    def new(self, phase: str, with_photos: bool, photo_count: int | None = None) -> Spec:
        with self.lock:
            rng = self.rng
            sub_id = next(self.ids)
            photos: list[bytes] = []
            use_photo_location = False
            if with_photos:
                count = photo_count or rng.choice((1, 2))
                bases = [rng.choice(self.photos) for _ in range(count)]
                # One in ten leaves the pin to the photo's GPS, as the form offers.
                if self.with_gps and rng.random() < 0.1:
                    bases[0] = rng.choice(self.with_gps)
                    use_photo_location = True
                photos = [self.upload(b) for b in bases]
            lon, lat = rng.choice(self.city.points)
            code = rng.choice(self.city.categories)[0]
            return Spec(
                sub_id=sub_id,
                phase=phase,
                scenario=self.scenario(),
                key=str(uuid.uuid4()),
                category=code,
                description=(
                    f"{MARKER} {self.run_id} {phase} #{sub_id}] {rng.choice(DESCRIPTIONS)}"
                ),
                lon=lon,
                lat=lat,
                use_photo_location=use_photo_location,
                email=f"bench-{self.run_id}-{sub_id}@{EMAIL_DOMAIN}",
                notify=rng.random() < 0.3,
                consent=rng.random() < 0.5,
                photos=photos,
            )


# -- the server -----------------------------------------------------------------------------
def machimap_server(
    url: str, workers: int, media: Path, data: Path, log: Path, app: str = "api.app:create_app"
) -> Server:
    settings = {"MACHIMAP_DATA_DIR": str(data), "MACHIMAP_MEDIA_DIR": str(media)}
    return servers.machimap_server("machimap", url, workers, log, settings, app)


def server_errors(log: Path, since: int) -> tuple[Counter[str], list[str]]:
    """What the server logged at ERROR after byte `since`: each record's final exception
    line, counted, and the first record's frames in machimap's own code."""
    if not log.exists():
        return Counter(), []
    with log.open("rb") as f:
        f.seek(since)
        lines = f.read().decode(errors="replace").splitlines()
    records: list[list[str]] = []
    for line in lines:
        if line.startswith(("ERROR:", "CRITICAL:")):
            records.append([line])
        elif records:
            records[-1].append(line)
    summary: Counter[str] = Counter()
    for record in records:
        final = [
            line
            for line in record[1:]
            if line.strip()
            and not line.startswith((" ", "Traceback", "During handling", "The above"))
        ]
        summary[(final[-1] if final else record[0])[:240]] += 1
    first: list[str] = []
    if records:
        record = records[0]
        first.append(record[0])
        for i, line in enumerate(record):
            if line.startswith("  File ") and str(ROOT) in line and "/.venv/" not in line:
                first.extend(record[i : i + 2])
        first.extend(
            line
            for line in record[1:]
            if line and not line.startswith((" ", "Traceback", "During handling", "The above"))
        )
    return summary, first


# -- clients --------------------------------------------------------------------------------
@dataclass
class Attempt:
    kind: str  # first | replay | race | retry | short
    started: float
    elapsed: float = 0.0
    status: int | None = None  # None: no answer (deadline, timeout, connection error)
    error: str = ""
    public_id: str | None = None
    photo_ids: tuple[int, ...] | None = None
    replayed: bool | None = None  # the Idempotent-Replayed header
    body_replayed: bool | None = None  # "replayed" in the answer
    detail: str = ""  # the start of a non-2xx answer
    retry_after: str | None = None  # the Retry-After header of a non-2xx answer
    content_type: str = ""

    @property
    def finished(self) -> float:
        return self.started + self.elapsed

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


@dataclass
class Record:
    spec: Spec
    started: float
    attempts: list[Attempt] = field(default_factory=list)

    @property
    def ack(self) -> Attempt | None:
        """The first 2xx answer the client received."""
        answers = [a for a in self.attempts if a.ok]
        return min(answers, key=lambda a: a.finished) if answers else None


def retryable(attempt: Attempt) -> bool:
    return attempt.status is None or attempt.status >= 500


def retry_pause(attempt: Attempt, retries: int) -> float:
    if attempt.retry_after is not None and attempt.retry_after.isdigit():
        return min(float(attempt.retry_after), RETRY_AFTER_CAP_S)
    return min(RETRY_PAUSE_S * retries, RETRY_AFTER_CAP_S)


async def post(
    client: httpx.AsyncClient, spec: Spec, kind: str, deadline: float | None = None
) -> Attempt:
    attempt = Attempt(kind, time.perf_counter())
    headers = {"Idempotency-Key": spec.key}
    try:
        if deadline is None:
            response = await client.post("/api/reports", headers=headers, **spec.request())
        else:
            # Its own connection: cutting a request off mid-flight closes it, as a phone
            # losing its signal would, and leaves the shared pool alone.
            async with (
                httpx.AsyncClient(base_url=client.base_url, timeout=REQUEST_TIMEOUT_S) as own,
                asyncio.timeout(deadline),
            ):
                response = await own.post("/api/reports", headers=headers, **spec.request())
    except httpx.HTTPError as exc:
        attempt.error = type(exc).__name__
    except TimeoutError:
        attempt.error = "client deadline"
    else:
        attempt.status = response.status_code
        attempt.content_type = response.headers.get("content-type", "")
        if attempt.ok:
            body = response.json()
            attempt.public_id = str(body["public_id"])
            attempt.photo_ids = tuple(int(p["id"]) for p in body["photos"])
            attempt.replayed = response.headers.get("idempotent-replayed") == "true"
            attempt.body_replayed = bool(body.get("replayed"))
        else:
            attempt.detail = response.text[:300]
            attempt.retry_after = response.headers.get("retry-after")
    attempt.elapsed = time.perf_counter() - attempt.started
    return attempt


async def submit_one(
    client: httpx.AsyncClient, spec: Spec, record: Record, deadline: Callable[[], float]
) -> None:
    """One logical submission: its scenario, then retries with the same key until a 2xx
    (a client that got no answer, or a 5xx, sends again: that is what the key is for)."""
    if spec.scenario == "race":
        pair = await asyncio.gather(post(client, spec, "race"), post(client, spec, "race"))
        record.attempts.extend(pair)
    elif spec.scenario == "deadline":
        record.attempts.append(await post(client, spec, "short", deadline()))
    else:
        record.attempts.append(await post(client, spec, "first"))
    retries = 0
    give_up = record.started + RETRY_BUDGET_S
    while (
        record.ack is None
        and time.perf_counter() < give_up
        and all(retryable(a) for a in record.attempts)
    ):
        retries += 1
        await asyncio.sleep(retry_pause(record.attempts[-1], retries))
        record.attempts.append(await post(client, spec, "retry"))
    if spec.scenario == "replay" and record.ack is not None:
        record.attempts.append(await post(client, spec, "replay"))


@dataclass
class Phase:
    name: str
    records: list[Record]
    t0: float
    window_start: float
    window_end: float
    drained: float
    unfinished: int  # clients still busy when the drain cap ran out
    reads: Reads  # a map reader's GETs during the window
    fault: faults.Injected | None = None


BYSTANDER_PATH = "/api/report-categories"
BYSTANDER_INTERVAL_S = 0.25


@dataclass
class Reads:
    latencies: list[float] = field(default_factory=list)  # seconds, every GET
    failures: Counter[str] = field(default_factory=Counter)


async def bystander(base: str, until: float, start: float | None = None) -> Reads:
    """Someone reading the map while others submit: one kept-alive connection (a browser
    tab), a small public GET every 0.25 s. Shows whether reads wait behind the uploads."""
    reads = Reads()
    async with httpx.AsyncClient(base_url=base, timeout=REQUEST_TIMEOUT_S) as client:
        if start is not None:
            await asyncio.sleep(max(0.0, start - time.perf_counter()))
        while time.perf_counter() < until:
            started = time.perf_counter()
            try:
                response = await client.get(BYSTANDER_PATH)
            except httpx.HTTPError as exc:
                reads.failures[type(exc).__name__] += 1
            else:
                if response.status_code != 200:
                    reads.failures[str(response.status_code)] += 1
            elapsed = time.perf_counter() - started
            reads.latencies.append(elapsed)
            await asyncio.sleep(max(0.0, BYSTANDER_INTERVAL_S - elapsed))
    return reads


async def run_phase(
    base: str,
    factory: Factory,
    name: str,
    with_photos: bool,
    clients: int,
    warmup: float,
    seconds: float,
    fault: Callable[[], faults.Injected] | None = None,
) -> Phase:
    """Closed loop: each client submits, waits for its submission to finish (retries
    included), and submits the next, until the window closes; then in-flight submissions
    finish (they are reconciled, but only answers inside the window count as throughput).
    A fault, if any, is injected a third of the way into the window."""
    records: list[Record] = []
    recent: deque[float] = deque(maxlen=200)

    def deadline() -> float:
        # Around the latency clients see now, so some are cut off while queued or uploading
        # and some after the server committed (the answer is lost, the report is not).
        typical = statistics.median(recent) if recent else 1.0
        return factory.rng.uniform(0.2, 1.0) * typical

    limits = httpx.Limits(max_connections=2 * clients + 8, max_keepalive_connections=2 * clients)
    timeout = httpx.Timeout(REQUEST_TIMEOUT_S, connect=30.0)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=timeout) as client:
        t0 = time.perf_counter()
        window_start = t0 + warmup
        window_end = window_start + seconds

        async def loop() -> None:
            while time.perf_counter() < window_end:
                spec = factory.new(name, with_photos)
                record = Record(spec, time.perf_counter())
                records.append(record)
                await submit_one(client, spec, record, deadline)
                recent.extend(a.elapsed for a in record.attempts if a.kind == "first" and a.ok)

        async def inject() -> faults.Injected | None:
            if fault is None:
                return None
            await asyncio.sleep(max(0.0, window_start + seconds / 3 - time.perf_counter()))
            return await asyncio.to_thread(fault)

        reader = asyncio.create_task(bystander(base, window_end, window_start))
        injecting = asyncio.create_task(inject())
        tasks = [asyncio.create_task(loop()) for _ in range(clients)]
        done, pending = await asyncio.wait(tasks, timeout=warmup + seconds + DRAIN_CAP_S)
        reads = await reader
        injected = await injecting
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
        for task in done:
            task.result()  # a bug in the benchmark itself stops it here
        return Phase(
            name,
            records,
            t0,
            window_start,
            window_end,
            time.perf_counter(),
            len(pending),
            reads,
            injected,
        )


# -- the references -------------------------------------------------------------------------
@dataclass
class Figure:
    label: str
    count: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)  # seconds
    median_rate: float | None = None  # median of 5-second buckets
    note: str = ""

    @property
    def rate(self) -> float | None:
        return self.count / self.seconds if self.seconds > 0 else None


def bucket_median(times: Sequence[float], start: float, end: float, width: float = 5.0) -> float:
    buckets = max(1, int((end - start) // width))
    counts = [0] * buckets
    for t in times:
        index = int((t - start) // width)
        if 0 <= index < buckets:
            counts[index] += 1
    return statistics.median(counts) / width


def phase_figure(phase: Phase, label: str) -> Figure:
    acks = [r.ack for r in phase.records]
    in_window = [
        a.finished
        for a in acks
        if a is not None and phase.window_start <= a.finished < phase.window_end
    ]
    seconds = phase.window_end - phase.window_start
    firsts = [
        a.elapsed
        for r in phase.records
        for a in r.attempts
        if a.kind == "first" and a.ok and phase.window_start <= a.started < phase.window_end
    ]
    return Figure(
        label,
        len(in_window),
        seconds,
        firsts,
        bucket_median(in_window, phase.window_start, phase.window_end),
    )


def run_cleaning(factory: Factory, processes: int, seconds: float) -> Figure:
    """clean_photo on fresh uploads of the same mix, `processes` at a time, for `seconds`."""
    figure = Figure(f"photo cleaning alone ({processes} processes)")
    with ProcessPoolExecutor(max_workers=processes) as pool:
        # Imports Pillow and machimap in each worker before the clock starts.
        list(pool.map(clean_uploads, [[] for _ in range(processes)]))
        started = time.perf_counter()
        end = started + seconds
        running: set[Future[float]] = set()
        while True:
            while time.perf_counter() < end and len(running) < 2 * processes:
                spec = factory.new("cleaning", with_photos=True)
                running.add(pool.submit(clean_uploads, spec.photos))
            if not running:
                break
            finished, running = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                figure.latencies.append(future.result())
                figure.count += time.perf_counter() <= end
        figure.seconds = seconds
    figure.note = "latency: CPU time of one submission's photos, no queueing"
    return figure


FLOOR_REPORT = """INSERT INTO report (public_id, tracking_token_hash, category_id, description,
    location_accuracy_m, location_source, consent_publish, department_id, reporter_user_id,
    source, idempotency_key, idempotency_fingerprint, geom)
VALUES (%s, %s, %s, %s, 12, 'gps', %s, %s, NULL, 'api', %s, %s,
    ST_SetSRID(ST_MakePoint(%s, %s), 4326))
ON CONFLICT (idempotency_key) DO NOTHING
RETURNING id"""
FLOOR_CONTACT = """INSERT INTO report_contact (report_id, name, email, phone, notify)
VALUES (%s, %s, %s, %s, %s)"""
FLOOR_STATUS = """INSERT INTO report_status_change (report_id, from_status, to_status)
VALUES (%s, NULL, 'submitted')"""
FLOOR_ATTACHMENT = """INSERT INTO attachment (subject_layer, subject_id, storage_key,
    thumbnail_key, content_type, byte_size, width, height, sha256)
VALUES ('report', %s, %s, %s, 'image/jpeg', %s, %s, %s, %s)"""
FLOOR_NOTIFICATION = """INSERT INTO notification (kind, recipient, subject, body)
VALUES ('report_received', %s, %s, %s)"""


def run_floor(
    url: str,
    factory: Factory,
    city: City,
    photo_counts: Sequence[int],
    connections: int,
    media: Path,
    files_inside: bool = False,
) -> Figure:
    """The same submissions, as few steps as a good server could take: the files written
    (content-addressed and fsynced by machimap's own MediaStore) before the transaction,
    then the rows machimap writes (report with its triggers, contact, status change,
    attachments, notification) in one transaction per submission.

    files_inside writes the files after the report INSERT instead, as machimap's submit()
    does: while the transaction holds the row lock the layer-version trigger took on
    layer_metadata, which every submission needs."""
    where = "inside the transaction" if files_inside else "before"
    figure = Figure(f"floor: psycopg, files {where} ({connections} conn.)")
    store = MediaStore(media)
    media.mkdir(parents=True, exist_ok=True)
    category_of = {code: (cid, dept) for code, cid, dept in city.categories}
    by_size = {len(p.data): p for p in factory.photos}
    if len(by_size) != len(factory.photos):
        raise RuntimeError("two base photos have the same size")
    queue = list(photo_counts)
    lock = threading.Lock()
    errors: list[BaseException] = []

    def put_files(
        uploads: Sequence[tuple[bytes, BasePhoto]], thumbs: Sequence[bytes]
    ) -> list[tuple[str, str, int, int, int, str]]:
        return [
            (
                store.put(raw, "image/jpeg"),
                store.put(thumb, "image/jpeg"),
                len(raw),
                base.width,
                base.height,
                hashlib.sha256(raw).hexdigest(),
            )
            for (raw, base), thumb in zip(uploads, thumbs, strict=True)
        ]

    def work() -> None:
        with psycopg_connect(url, autocommit=True) as conn:
            while True:
                with lock:
                    if not queue:
                        return
                    spec = factory.new("floor", with_photos=True, photo_count=queue.pop())
                    # A variant has its base's length: that finds the base's thumbnail.
                    uploads = [(raw, by_size[len(raw)]) for raw in spec.photos]
                    thumbs = [
                        unique_variant(base.thumbnail, next(factory.variants))
                        for _, base in uploads
                    ]
                started = time.perf_counter()
                files = [] if files_inside else put_files(uploads, thumbs)
                category_id, department_id = category_of[spec.category]
                public_id = "R" + secrets.token_hex(4).upper()
                with conn.transaction():
                    row = conn.execute(
                        FLOOR_REPORT,
                        (
                            public_id,
                            hashlib.sha256(secrets.token_bytes(32)).hexdigest(),
                            category_id,
                            spec.description,
                            spec.consent,
                            department_id,
                            spec.key_hash,
                            hashlib.sha256(spec.description.encode()).hexdigest(),
                            spec.lon,
                            spec.lat,
                        ),
                        prepare=True,
                    ).fetchone()
                    assert row is not None
                    report_id = row[0]
                    conn.execute(
                        FLOOR_CONTACT,
                        (report_id, "焼津 花子", spec.email, "054-626-1111", spec.notify),
                        prepare=True,
                    )
                    conn.execute(FLOOR_STATUS, (report_id,), prepare=True)
                    if files_inside:
                        files = put_files(uploads, thumbs)
                    for storage, thumbnail, size, width, height, digest in files:
                        conn.execute(
                            FLOOR_ATTACHMENT,
                            (report_id, storage, thumbnail, size, width, height, digest),
                            prepare=True,
                        )
                    if spec.notify:
                        conn.execute(
                            FLOOR_NOTIFICATION,
                            (spec.email, f"Report {public_id} received", spec.description),
                            prepare=True,
                        )
                elapsed = time.perf_counter() - started
                with lock:
                    figure.latencies.append(elapsed)
                    figure.count += 1

    def guarded() -> None:
        try:
            work()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=guarded) for _ in range(connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    figure.seconds = time.perf_counter() - started
    if errors:
        raise errors[0]
    figure.note = f"the same {len(photo_counts)} submissions machimap acknowledged in its window"
    return figure


# -- reconciliation -------------------------------------------------------------------------
@dataclass
class Reconciliation:
    phase: str
    submissions: int = 0
    acknowledged: int = 0
    unacknowledged: int = 0
    unacknowledged_stored: int = 0  # no answer reached the client, the report is stored
    lost: int = 0
    duplicated: int = 0
    mismatched_replays: int = 0
    wrong_replay_flags: int = 0
    wrong_photo_counts: int = 0
    wrong_side_effects: int = 0  # status history, contact, notification e-mails
    attachments: int = 0
    distinct_files: int = 0
    missing_files: int = 0
    corrupt_files: int = 0  # content does not match attachment.sha256
    files_with_exif: int = 0
    replays_answered: int = 0
    retries_replayed: int = 0  # retries after no answer that found the first one stored
    retries_created: int = 0  # retries after no answer that stored the report themselves
    examples: list[str] = field(default_factory=list)

    @property
    def problems(self) -> int:
        return (
            self.lost
            + self.duplicated
            + self.mismatched_replays
            + self.wrong_replay_flags
            + self.wrong_photo_counts
            + self.wrong_side_effects
            + self.missing_files
            + self.corrupt_files
            + self.files_with_exif
        )

    def note(self, text: str) -> None:
        if len(self.examples) < 8:
            self.examples.append(text)


SUB_ID = re.compile(r"#(\d+)\]")


def reconcile(url: str, run_id: str, phase: Phase, media: Path) -> Reconciliation:
    result = Reconciliation(phase.name, submissions=len(phase.records))
    keys = [r.spec.key_hash for r in phase.records]
    emails = [r.spec.email for r in phase.records]
    prefix = f"{MARKER} {run_id} {phase.name} #"
    with connect(url) as conn:
        rows = conn.execute(
            """SELECT r.id, r.public_id, r.idempotency_key, r.description,
                 (SELECT count(*) FROM report_status_change s WHERE s.report_id = r.id),
                 (SELECT count(*) FROM report_contact c WHERE c.report_id = r.id)
               FROM report r
               WHERE r.idempotency_key = ANY(%s) OR starts_with(r.description, %s)""",
            (keys, prefix),
        ).fetchall()
        ids = [row[0] for row in rows]
        attachments = conn.execute(
            """SELECT id, subject_id, storage_key, thumbnail_key, sha256 FROM attachment
               WHERE subject_layer = 'report' AND subject_id = ANY(%s) ORDER BY id""",
            (ids,),
        ).fetchall()
        mails = dict(
            conn.execute(
                "SELECT recipient, count(*) FROM notification WHERE recipient = ANY(%s) "
                "GROUP BY recipient",
                (emails,),
            ).fetchall()
        )
    # Each row belongs to the submission whose key it stores, or else to the one its
    # description names: more rows than submissions they belong to are duplicates, whatever
    # the unique constraint on the key says.
    sub_of_key = {r.spec.key_hash: r.spec.sub_id for r in phase.records}
    by_key: dict[str, list[tuple[Any, ...]]] = {}
    owners: Counter[int | str] = Counter()
    for row in rows:
        by_key.setdefault(row[2], []).append(row)
        match = SUB_ID.search(row[3])
        owner = sub_of_key.get(row[2]) or (int(match.group(1)) if match else f"row {row[0]}")
        owners[owner] += 1
        if row[2] not in sub_of_key:
            result.note(f"report {row[1]} ({row[3][:60]}) stores a key no client sent")
    result.duplicated = len(rows) - len(owners)
    for owner, n in owners.items():
        if n > 1:
            result.note(f"#{owner}: {n} reports")
    photos_of: dict[int, list[int]] = {}
    for a in attachments:
        photos_of.setdefault(a[1], []).append(a[0])

    for record in phase.records:
        spec = record.spec
        stored = by_key.get(spec.key_hash, [])
        ack = record.ack
        if ack is None:
            result.unacknowledged += 1
            result.unacknowledged_stored += bool(stored)
        else:
            result.acknowledged += 1
            if not stored:
                result.lost += 1
                result.note(f"#{spec.sub_id}: acknowledged as {ack.public_id}, not stored")
        row = stored[0] if stored else None
        answers = sorted((a for a in record.attempts if a.ok), key=lambda a: a.finished)
        if row is not None:
            photo_ids = tuple(photos_of.get(row[0], []))
            for answer in answers:
                if answer.public_id != row[1] or answer.photo_ids != photo_ids:
                    result.mismatched_replays += 1
                    result.note(
                        f"#{spec.sub_id} ({answer.kind}): answered {answer.public_id} "
                        f"photos {answer.photo_ids}, stored {row[1]} photos {photo_ids}"
                    )
            if len(photo_ids) != len(spec.photos):
                result.wrong_photo_counts += 1
                result.note(f"#{spec.sub_id}: sent {len(spec.photos)} photos, stored {photo_ids}")
            expected_mails = 1 if spec.notify else 0
            if row[4] != 1 or row[5] != 1 or mails.get(spec.email, 0) != expected_mails:
                result.wrong_side_effects += 1
                result.note(
                    f"#{spec.sub_id}: {row[4]} status changes, {row[5]} contacts, "
                    f"{mails.get(spec.email, 0)} e-mails (expected 1, 1, {expected_mails})"
                )
        elif mails.get(spec.email, 0):
            result.wrong_side_effects += 1
            result.note(f"#{spec.sub_id}: e-mail queued for a report that is not stored")
        # Replay flags: at most one answer may say "created"; a replay after a 201 and any
        # answer after one that said "created" must say "replayed"; header and body agree.
        created = [a for a in answers if not a.replayed]
        flags_wrong = len(created) > 1 or any(a.replayed != a.body_replayed for a in answers)
        flags_wrong |= any(a.kind == "replay" and not a.replayed for a in answers)
        if created:
            flags_wrong |= any(not a.replayed for a in answers if a.finished > created[0].finished)
        if flags_wrong:
            result.wrong_replay_flags += 1
            result.note(
                f"#{spec.sub_id} ({spec.scenario}): replayed flags "
                f"{[(a.kind, a.replayed, a.body_replayed) for a in answers]}"
            )
        result.replays_answered += sum(1 for a in answers if a.replayed)
        if any(a.kind == "short" and not a.ok for a in record.attempts):
            retried = [a for a in answers if a.kind == "retry"]
            if retried:
                result.retries_replayed += bool(retried[0].replayed)
                result.retries_created += not retried[0].replayed

    result.attachments = len(attachments)
    result.distinct_files = len({a[2] for a in attachments})
    checked: set[str] = set()
    for _id, _subject, storage_key, thumbnail_key, digest in attachments:
        for key, expected in ((storage_key, digest), (thumbnail_key, None)):
            if key is None or key in checked:
                continue
            checked.add(key)
            path = media / key
            if not path.is_file():
                result.missing_files += 1
                result.note(f"missing file {key}")
                continue
            data = path.read_bytes()
            if expected is not None and hashlib.sha256(data).hexdigest() != expected:
                result.corrupt_files += 1
                result.note(f"{key}: content does not match attachment.sha256")
            if has_exif(data):
                result.files_with_exif += 1
                result.note(f"{key} carries EXIF")
    return result


# -- output ---------------------------------------------------------------------------------
def percentile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p * len(ordered)) - 1))]


def ms(value: float | None, width: int = 8) -> str:
    return f"{'-':>{width}}" if value is None else f"{value * 1000:>{width}.0f}"


def num(value: float | None, width: int = 8, spec: str = ".1f") -> str:
    return f"{'-':>{width}}" if value is None else f"{format(value, spec):>{width}}"


def print_figures(ours: Figure, references: Sequence[Figure]) -> None:
    print()
    print(
        f"{'submissions':<44}{'acked/s':>8}{'med 5 s':>8}{'p50 ms':>8}{'p90 ms':>8}"
        f"{'p99 ms':>8}{'ours ÷':>8}"
    )
    for figure in (ours, *references):
        ratio = (
            ours.rate / figure.rate
            if figure is not ours and ours.rate is not None and figure.rate
            else None
        )
        print(
            f"{figure.label:<44}{num(figure.rate)}{num(figure.median_rate)}"
            f"{ms(percentile(figure.latencies, 0.5))}{ms(percentile(figure.latencies, 0.9))}"
            f"{ms(percentile(figure.latencies, 0.99))}{num(ratio, 8, '.2f')}"
        )
    for figure in (ours, *references):
        if figure.note:
            print(f"  {figure.label}: {figure.note}")


def print_kinds(phase: Phase) -> None:
    print(f"\nlatency by request, {phase.name} (requests started inside the window)")
    print(f"{'request':<34}{'n':>7}{'2xx':>7}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'max ms':>8}")
    for kind, label in KINDS:
        attempts = [
            a
            for r in phase.records
            for a in r.attempts
            if a.kind == kind and phase.window_start <= a.started < phase.window_end
        ]
        if not attempts:
            continue
        answered = [a.elapsed for a in attempts if a.ok]
        print(
            f"{label:<34}{len(attempts):>7}{len(answered):>7}"
            f"{ms(percentile(answered, 0.5))}{ms(percentile(answered, 0.9))}"
            f"{ms(percentile(answered, 0.99))}{ms(max(answered) if answered else None)}"
        )


def print_bystander(idle: Reads, phases: Sequence[Phase]) -> None:
    print(
        f"\na map reader meanwhile: GET {BYSTANDER_PATH} every {BYSTANDER_INTERVAL_S:g} s "
        "on one kept-alive connection"
    )
    print(f"{'':<34}{'n':>7}{'failed':>7}{'p50 ms':>8}{'p90 ms':>8}{'p99 ms':>8}{'max ms':>8}")
    rows = [("idle server", idle)] + [(f"during {p.name}", p.reads) for p in phases]
    for label, reads in rows:
        values = reads.latencies
        print(
            f"{label:<34}{len(values):>7}{sum(reads.failures.values()):>7}"
            f"{ms(percentile(values, 0.5))}{ms(percentile(values, 0.9))}"
            f"{ms(percentile(values, 0.99))}{ms(max(values) if values else None)}"
        )
        if reads.failures:
            print(f"  ! failed reads: {dict(reads.failures)}")


def answer_counts(phase: Phase) -> Counter[str]:
    counts: Counter[str] = Counter()
    for record in phase.records:
        for a in record.attempts:
            if a.ok:
                counts[f"{a.status}{' replayed' if a.replayed else ''}"] += 1
            elif a.status is not None:
                counts[str(a.status)] += 1
            elif a.kind == "short":
                counts["no answer: cut off on purpose"] += 1
            else:
                counts[f"no answer: {a.error}"] += 1
    return counts


def print_reconciliation(r: Reconciliation) -> None:
    print(
        f"\nreconciliation, {r.phase}: {r.submissions:,} submissions, {r.acknowledged:,} "
        f"acknowledged, {r.unacknowledged:,} never acknowledged "
        f"({r.unacknowledged_stored:,} of them stored anyway)"
    )
    print(
        f"  lost: {r.lost}, duplicated: {r.duplicated}, mismatched replays: "
        f"{r.mismatched_replays}, missing files: {r.missing_files}, "
        f"files with EXIF: {r.files_with_exif}"
    )
    print(
        f"  wrong replay flags: {r.wrong_replay_flags}, wrong photo counts: "
        f"{r.wrong_photo_counts}, wrong history/contact/e-mails: {r.wrong_side_effects}, "
        f"corrupt files: {r.corrupt_files}"
    )
    if r.attachments:
        print(f"  attachments: {r.attachments:,} ({r.distinct_files:,} distinct photo files)")
    print(
        f"  answers that were replays: {r.replays_answered:,}; retries after a cut-off "
        f"found the report stored: {r.retries_replayed}, stored it themselves: "
        f"{r.retries_created}"
    )
    for example in r.examples:
        print(f"  ! {example}")


def figure_json(figure: Figure) -> dict[str, Any]:
    summary = {k: v for k, v in asdict(figure).items() if k != "latencies"}
    summary["rate"] = figure.rate
    for p in (0.5, 0.9, 0.99):
        summary[f"p{round(p * 100)}_s"] = percentile(figure.latencies, p)
    return summary


def code_state() -> str:
    """The commit, and the files changed since: benchmarks run against a working tree."""

    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True)
        return done.stdout.rstrip() if done.returncode == 0 else "?"

    changed = [line[3:] for line in git("status", "--porcelain").splitlines() if line]
    state = git("rev-parse", "--short", "HEAD")
    return f"{state} + {len(changed)} changed: {', '.join(changed)}" if changed else state


def versions(url: str) -> dict[str, str]:
    import PIL
    import uvicorn

    with connect(url) as conn:
        pg = conn.execute("SHOW server_version").fetchone()
        postgis = conn.execute("SELECT postgis_lib_version()").fetchone()
    return {
        "python": platform.python_version(),
        "uvicorn": uvicorn.__version__,
        "httpx": httpx.__version__,
        "pillow": PIL.__version__,
        "postgresql": str(pg[0]) if pg else "?",
        "postgis": str(postgis[0]) if postgis else "?",
    }


# -- main -----------------------------------------------------------------------------------
def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="10 s, 20 clients, 5 s references")
    parser.add_argument(
        "--seconds", type=float, help=f"measured window (default {DEFAULT_SECONDS:g})"
    )
    parser.add_argument(
        "--clients", type=int, help=f"concurrent clients (default {DEFAULT_CLIENTS})"
    )
    parser.add_argument(
        "--warmup", type=float, help=f"seconds before the window (default {DEFAULT_WARMUP:g})"
    )
    parser.add_argument(
        "--reference-seconds",
        type=float,
        help=f"window of the JSON and cleaning references (default {DEFAULT_REFERENCE_SECONDS:g})",
    )
    parser.add_argument(
        "--workers", type=int, default=DEFAULT_WORKERS, help="uvicorn worker processes"
    )
    parser.add_argument(
        "--floor-connections",
        type=int,
        default=DEFAULT_FLOOR_CONNECTIONS,
        help="database connections (threads) of the floor",
    )
    parser.add_argument(
        "--app",
        default="api.app:create_app",
        help="the app factory uvicorn serves (to measure a patched server; PYTHONPATH is "
        "passed on)",
    )
    parser.add_argument(
        "--floor-files",
        choices=("before", "inside"),
        default="before",
        help="the floor writes the files before its transaction (default) or inside it, "
        "after the report INSERT, as machimap does",
    )
    parser.add_argument(
        "--references",
        default="json,cleaning,floor",
        help="which references to measure (comma-separated; empty for none)",
    )
    parser.add_argument(
        "--database-url",
        help="use this PostGIS database instead of the embedded one (DATABASE_URL is never "
        "read implicitly); the benchmark loads the demo city into it",
    )
    parser.add_argument(
        "--fault",
        choices=faults.FAULTS,
        default="none",
        help="inject this fault a third of the way into the photos window (faults.py)",
    )
    parser.add_argument("--out", type=Path, default=HERE / "out", help="output directory")
    parser.add_argument("--fresh", action="store_true", help="rebuild the embedded database")
    parser.add_argument("--keep", action="store_true", help="leave the database running")
    args = parser.parse_args(argv)
    quick = args.quick
    args.seconds = args.seconds or (QUICK_SECONDS if quick else DEFAULT_SECONDS)
    args.clients = args.clients or (QUICK_CLIENTS if quick else DEFAULT_CLIENTS)
    args.warmup = (
        args.warmup if args.warmup is not None else (QUICK_WARMUP if quick else DEFAULT_WARMUP)
    )
    args.reference_seconds = args.reference_seconds or (
        QUICK_REFERENCE_SECONDS if quick else DEFAULT_REFERENCE_SECONDS
    )
    args.reference_list = [r for r in args.references.split(",") if r]
    unknown = set(args.reference_list) - {"json", "cleaning", "floor"}
    if unknown:
        parser.error(f"unknown references: {', '.join(sorted(unknown))}")
    if args.fault in faults.DATABASE_FAULTS and args.database_url:
        parser.error(f"--fault {args.fault} restarts the embedded database: drop --database-url")
    if args.seconds <= 0 or args.clients < 1 or args.workers < 1 or args.floor_connections < 1:
        parser.error("--seconds, --clients, --workers and --floor-connections must be positive")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    out: Path = args.out.resolve()
    logs = out / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    ignore = out / ".gitignore"
    if not ignore.exists():
        ignore.write_text("# benchmark output: database, media, logs, results\n*\n")
    media, floor_media = out / "media", out / "floor-media"
    for directory in (media, floor_media):
        shutil.rmtree(directory, ignore_errors=True)  # last run's files; its rows go too
    load = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} CPU(s), load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
    )
    if load[0] > 0.5 * (os.cpu_count() or 1):
        print("warning: the machine is busy; figures will be noisy (compare ratios)")

    cluster: EmbeddedCluster | None = None
    if args.database_url:
        url = args.database_url
        print(f"DB: {urlsplit(url).hostname}:{urlsplit(url).port} (--database-url)")
    else:
        cluster = EmbeddedCluster(out / "db")
        if args.fresh and cluster.data_dir.exists():
            cluster.stop()
            shutil.rmtree(cluster.data_dir)
    server: Server | None = None
    try:
        if cluster is not None:
            url = cluster.start()
            print(f"DB: embedded PostGIS in {cluster.data_dir}")
        city = prepare_database(url, 400)
        photos = make_base_photos(QUICK_BASE_PHOTOS if args.quick else BASE_PHOTOS, city.points)
        sizes = ", ".join(f"{len(p.data) // 1024} KB" for p in photos)
        print(
            f"photos: {len(photos)} bases {PHOTO_SIZE[0]}×{PHOTO_SIZE[1]} ({sizes}), "
            f"{sum(p.gps is not None for p in photos)} with GPS EXIF; every upload is a "
            "pixel-distinct variant"
        )
        run_id = time.strftime("%Y%m%dT%H%M%S")
        factory = Factory(run_id, city, photos, SEED)
        meta: dict[str, Any] = {
            "run_id": run_id,
            "seconds": args.seconds,
            "warmup": args.warmup,
            "clients": args.clients,
            "workers": args.workers,
            "reference_seconds": args.reference_seconds,
            "floor_connections": args.floor_connections,
            "scenarios": dict(SCENARIOS),
            "versions": versions(url),
            "code": code_state(),
            "load_average_start": list(load),
            "fault": args.fault,
        }
        print("versions: " + ", ".join(f"{k} {v}" for k, v in meta["versions"].items()))
        print(f"code: {meta['code']}")

        server_log = logs / "server.log"
        log_start = server_log.stat().st_size if server_log.exists() else 0
        server = machimap_server(url, args.workers, media, out / "data", server_log, args.app)
        server.start()
        print(
            f"server: uvicorn {args.app}, {args.workers} worker(s), log {server_log}\n"
            f"load: {args.clients} clients, {args.warmup:g} s warm-up, {args.seconds:g} s window"
        )
        idle = asyncio.run(bystander(server.base, time.perf_counter() + 3.0))
        version_before = report_version(url)
        fault = None
        if args.fault != "none":
            supervisor = server.proc.pid if server.proc is not None else None
            base = server.base
            fault = lambda: faults.inject(args.fault, base, cluster, supervisor)  # noqa: E731
            print(f"fault: {args.fault}, a third of the way into the photos window")
        phases = [
            asyncio.run(
                run_phase(
                    server.base,
                    factory,
                    "photos",
                    True,
                    args.clients,
                    args.warmup,
                    args.seconds,
                    fault,
                )
            )
        ]
        ours = phase_figure(phases[0], "machimap: POST /api/reports, 1-2 photos")
        print(f"  photos: {ours.count} acknowledged in the window ({num(ours.rate, 0)}/s)")
        version_bumps = report_version(url) - version_before
        references: list[Figure] = []
        if "json" in args.reference_list:
            phases.append(
                asyncio.run(
                    run_phase(
                        server.base,
                        factory,
                        "json",
                        False,
                        args.clients,
                        min(args.warmup, 2.0),
                        args.reference_seconds,
                    )
                )
            )
            references.append(phase_figure(phases[1], "same server, JSON, no photos"))
            print(f"  json: {references[-1].count} acknowledged in the window")
        server.stop()  # lets in-flight requests finish before anything is counted
        logged, first_error = server_errors(server_log, log_start)
        tracebacks = sum(logged.values())
        # A client the benchmark cut off mid-upload: nobody got that 500, so it is no failure
        # of a submission, but the server still logs it as an error.
        disconnects = sum(n for m, n in logged.items() if m.endswith("ClientDisconnect"))

        reconciliations = [reconcile(url, run_id, p, media) for p in phases]
        if "cleaning" in args.reference_list:
            references.append(run_cleaning(factory, args.workers, args.reference_seconds))
            print(f"  cleaning: {references[-1].count} submissions' photos")
        if "floor" in args.reference_list:
            acked = [
                len(r.spec.photos)
                for r in phases[0].records
                if (a := r.ack) is not None
                and phases[0].window_start <= a.finished < phases[0].window_end
            ]
            references.append(
                run_floor(
                    url,
                    factory,
                    city,
                    acked,
                    args.floor_connections,
                    floor_media,
                    files_inside=args.floor_files == "inside",
                )
            )
            print(f"  floor: {references[-1].count} submissions")
        meta["load_average_end"] = list(os.getloadavg())

        print_figures(ours, references)
        for phase in phases:
            print_kinds(phase)
        print_bystander(idle, phases)
        for phase in phases:
            counts = answer_counts(phase)
            print(
                f"\nanswers, {phase.name} (all, warm-up and drain included): "
                + ", ".join(f"{k}: {v:,}" for k, v in sorted(counts.items()))
            )
            if phase.unfinished:
                print(f"  ! {phase.unfinished} clients still waiting after {DRAIN_CAP_S:g} s")
            details = Counter(
                f"{a.status} {a.detail[:160]}"
                for r in phase.records
                for a in r.attempts
                if a.status is not None and not a.ok
            )
            for detail, n in details.most_common(5):
                print(f"  ! {n}× {detail}")
        print(
            f"\nreport layer version bumps during the photos phase: {version_bumps:,} "
            f"(for {len(phases[0].records):,} submissions)"
        )
        print(
            f"server errors logged: {tracebacks}"
            + (f" ({disconnects} of them clients that were cut off)" if disconnects else "")
        )
        for message, n in logged.most_common(5):
            print(f"  {n}× {message}")
        if first_error:
            print(f"  the first one, machimap's frames ({server_log}):")
        for line in first_error:
            print(f"  | {line}")
        for r in reconciliations:
            print_reconciliation(r)
        fault_seen = None
        if phases[0].fault is not None:
            attempts = (a for r in phases[0].records for a in r.attempts)
            fault_seen = faults.seen(phases[0].fault, attempts)
            print()
            for line in faults.describe(phases[0].fault, fault_seen):
                print(line)
        print(
            f"\nLatency is what a client waits with {args.clients} clients always submitting: "
            "mostly queueing (Little's law: clients ÷ rate). 'ours ÷' is machimap's acked/s "
            "divided by the reference's. The machine is shared: compare ratios, not absolutes."
        )

        # A fault's 503s (a problem document with Retry-After) are the service doing its job.
        server_failures = sum(
            1
            for p in phases
            for r in p.records
            for a in r.attempts
            if a.status is not None and not a.ok and not (p.fault and faults.told_to_retry(a))
        )
        problems = sum(r.problems for r in reconciliations)
        if args.fault != "none":  # every submission must get through, retries included
            problems += sum(r.unacknowledged for r in reconciliations)
        results = {
            "meta": meta,
            "figures": [figure_json(f) for f in (ours, *references)],
            "answers": {p.name: dict(answer_counts(p)) for p in phases},
            "reconciliation": [asdict(r) for r in reconciliations],
            "server_errors": dict(logged),
            "report_version_bumps": version_bumps,
            "fault": None
            if phases[0].fault is None or fault_seen is None
            else {
                "name": args.fault,
                "unavailable_s": phases[0].fault.unavailable_s,
                "lag_s": phases[0].fault.lag_s,
                "notes": phases[0].fault.notes,
                "seen": {**asdict(fault_seen), "answers": dict(fault_seen.answers)},
            },
        }
        (out / "results.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
        print(f"written: {out / 'results.json'}")
        if problems or server_failures or tracebacks - disconnects:
            print(
                f"FAIL: {problems} reconciliation problems, {server_failures} error answers, "
                f"{tracebacks - disconnects} server errors logged (besides disconnects)"
            )
            return 1
        return 0
    finally:
        if server is not None:
            server.stop()
        if cluster is not None:
            if args.keep:
                print(f"--keep: database left running ({cluster.data_dir})")
            else:
                cluster.stop()


if __name__ == "__main__":
    sys.exit(main())
