"""The one typed settings object, read from the environment (prefix ``MACHIMAP_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import AliasChoices, Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# The resident pages' languages, in menu order; "ja-easy" is やさしい日本語.
Language = Literal["ja", "ja-easy", "en", "pt", "tl", "zh", "vi"]
ALL_LANGUAGES: tuple[Language, ...] = ("ja", "ja-easy", "en", "pt", "tl", "zh", "vi")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MACHIMAP_", extra="ignore")

    # Without DATABASE_URL machimap runs its own PostGIS under data_dir.
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("DATABASE_URL", "MACHIMAP_DATABASE_URL")
    )
    # The URL migrations run as: the schema's owner. machimap itself connects with
    # DATABASE_URL as a role that owns nothing (migration 0007); without this, migrations
    # use DATABASE_URL too. The embedded cluster keeps both roles itself.
    migration_url: str | None = None
    data_dir: Path = Path(".machimap")
    # Debian layout; overridable for other distributions.
    pg_bindir: Path | None = None
    # As root, the embedded cluster runs as this unprivileged account (initdb refuses root).
    pg_user: str = "machimap"

    # How far outside the city boundary a feature may lie and still be accepted
    # (GPS error along the border, a facility straddling the line).
    boundary_tolerance_m: float = Field(default=50.0, ge=0)

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    statement_timeout_ms: int = Field(default=30_000, ge=0)
    log_level: str = "info"
    # The address people use to reach machimap; links in e-mails point here.
    public_url: str = "http://127.0.0.1:8000"
    # Behind a reverse proxy: the proxy addresses whose X-Forwarded-For is believed, so rate
    # limits apply to the real client (uvicorn's forwarded_allow_ips syntax; "*" = any).
    forwarded_allow_ips: str | None = None

    # Browser sessions.
    session_max_age_hours: int = Field(default=24 * 14, ge=1)
    session_idle_minutes: int = Field(default=60 * 24 * 2, ge=5)
    # Secure cookies are sent over HTTPS only (browsers also treat localhost as secure).
    cookie_secure: bool = True

    # "log" or "package.module:function"; see layers/accounts/outbox.py.
    notification_sender: str = "log"
    # How often the server sends what is waiting in the outbox; 0 leaves it to a cron job
    # running `machimap outbox send`.
    outbox_interval_s: float = Field(default=15.0, ge=0)

    # Abuse limits (the `limits` library's syntax, ";" separates tiers). Storage "memory://"
    # is per process; use "redis://..." when running several workers.
    rate_limit_enabled: bool = True
    rate_limit_storage: str = "memory://"
    rate_limit_sign_in_ip: str = "20/minute;200/hour"
    # Failed sign-ins per account *from one address*: the back-off grows with the tiers, and
    # an attacker's failures never lock the owner out from another address.
    rate_limit_sign_in_failures: str = "5/minute;20/hour;50/day"
    rate_limit_sign_up_ip: str = "5/hour;20/day"
    rate_limit_write_ip: str = "60/minute;1000/hour"
    rate_limit_write_account: str = "120/minute;2000/hour"

    # The largest request body, in bytes, counted as it arrives (api/guard.py); routes taking
    # photos allow a report's photos instead (photo_max_count × photo_max_bytes).
    max_body_bytes: int = Field(default=5_000_000, ge=1_000)

    # Where the basemap tiles come from (allowed by the Content-Security-Policy).
    basemap_origin: str = "https://cyberjapandata.gsi.go.jp"

    # The printed safety map's basemap (layers/groups/posters/basemap.py): a tile URL template
    # with {z}/{x}/{y}, "" for none. Fetched within the budget, all of it or nothing: without
    # it the poster is drawn from the city's own layers alone.
    print_basemap_url: str = "https://cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png"
    print_basemap_budget_s: float = Field(default=3.0, ge=0)
    # A poster lists every place with its note and photo: beyond this many the sheet is no
    # longer readable, and laying it out would hold a worker for a minute.
    print_max_places: int = Field(default=400, ge=1)

    # Patrols (layers/groups/tracks.py, gpx.py, coverage.py). Times of day (登校, 下校, 夜間)
    # and a GPX file's dates are the city's local time.
    city_time_zone: str = "Asia/Tokyo"
    # A phone's fix with a larger accuracy radius, or one that would mean moving faster than
    # this from the last fix kept, is dropped (and counted); a phone suspended for longer than
    # track_gap_s leaves a gap, never a straight line through the houses between.
    track_max_accuracy_m: float = Field(default=50.0, gt=0)
    track_max_speed_kmh: float = Field(default=60.0, gt=0)
    track_gap_s: float = Field(default=60.0, gt=0)
    track_max_points: int = Field(default=100_000, ge=2)
    # A GPX file (or a zip of them) as uploaded, and as unpacked.
    gpx_max_bytes: int = Field(default=20_000_000, ge=1_000)
    # A school-route stretch counts as walked when a patrol passed within this distance.
    coverage_distance_m: float = Field(default=30.0, gt=0, le=500)

    # Inspections (layers/inspections/): an inspection falls due this many days ahead is
    # "due soon" on the board; photos per inspection (each part may have its own).
    inspection_due_soon_days: int = Field(default=60, ge=0, le=730)
    inspection_max_photos: int = Field(default=10, ge=0, le=50)

    # Renewal projection (layers/planning/projection.py): the city's recent yearly investment
    # in facility renewal, 万円 a year, drawn as the budget line (the demo's 25億円 is
    # synthetic); a city's own scenarios (JSON, a list of geo.renewal.Scenario), merged over
    # the builtins by code.
    planning_budget_man_yen: float = Field(default=250_000.0, ge=0)
    planning_scenarios_file: Path | None = None
    # Coverage (layers/planning/coverage.py): straight-line distance in the plane zone times
    # this factor stands for the walk; people farther than the distance of a kind (metres)
    # count as beyond its reach.
    planning_detour_factor: float = Field(default=1.3, ge=1.0, le=5.0)
    planning_distances_m: dict[str, float] = Field(
        default_factory=lambda: {"community_center": 1000.0, "kominkan": 1000.0, "shelter": 2000.0}
    )
    # Renewal priority (layers/planning/priority.py). 健全度 part weights (DOMAIN.md §2,
    # MEXT's sheet); the weights of the score's parts; the score a part gets when its input
    # is unknown (no 12条 inspection, no built year): the middle, neither first nor last.
    planning_condition_weights: dict[str, float] = {
        "roof": 5.1,
        "exterior_wall": 17.2,
        "interior": 22.4,
        "electrical": 8.0,
        "mechanical": 7.3,
    }
    planning_priority_weights: dict[str, float] = {
        "condition": 30.0,
        "seismic": 25.0,
        "age": 15.0,
        "exposure": 15.0,
        "use": 15.0,
    }
    planning_unknown_score: float = Field(default=50.0, ge=0, le=100)
    # Hotspots (layers/planning/hotspots.py): the grid cell and the DBSCAN defaults.
    planning_hotspot_cell_m: float = Field(default=250.0, ge=10, le=5000)
    planning_hotspot_eps_m: float = Field(default=150.0, gt=0, le=5000)
    planning_hotspot_min_points: int = Field(default=3, ge=1, le=1000)

    # The languages the resident pages offer (MACHIMAP_LANGUAGES=ja,ja-easy,en): a city
    # chooses those its residents read. Japanese is always offered, being every page's
    # fallback; staff pages stay Japanese and English whatever this says.
    languages: Annotated[tuple[Language, ...], NoDecode] = ALL_LANGUAGES

    # The built web pages (web/, `npm run build`); None means web/dist beside the code.
    web_dist: Path | None = None

    # Vector tiles (layers/serving/tiles.py). The cache holds gzip-compressed public tiles and
    # is per process; a write to a layer changes the key, so it never serves a stale tile.
    tile_cache_bytes: int = Field(default=256 * 1024 * 1024, ge=0)
    # Features of one layer in one tile; a capped tile keeps the most important ones.
    tile_feature_limit: int = Field(default=10_000, ge=1)
    tile_max_zoom: int = Field(default=22, ge=0, le=30)
    # The public map draws points as counted clusters below this zoom (the whole city is
    # about zoom 11-12; from 14 a street's shelters and AEDs stand apart). 0: never.
    map_cluster_below_zoom: int = Field(default=14, ge=0, le=30)
    # How long browsers and proxies may reuse a public tile without asking again.
    tile_max_age_s: int = Field(default=60, ge=0)
    # Database connections of the tiles' own pool, per process.
    tile_pool_size: int = Field(default=8, ge=1)

    # Photos (layers/media/photos.py, layers/media/storage.py).
    # Where photo files live; None keeps them in data_dir/media.
    media_dir: Path | None = None
    # Checked before decoding: bytes as sent, and pixels as the header claims (a small file can
    # claim billions of pixels). Stored photos are downscaled to photo_max_side_px (long side).
    photo_max_bytes: int = Field(default=10 * 1024 * 1024, ge=1)
    photo_max_pixels: int = Field(default=40_000_000, ge=1)
    photo_max_side_px: int = Field(default=2560, ge=16)
    photo_thumbnail_px: int = Field(default=320, ge=16)
    # Photos per report.
    photo_max_count: int = Field(default=5, ge=0)
    # Photos decoded at once per process (decoding a large PNG or WebP takes hundreds of MB).
    photo_decoders: int = Field(default=2, ge=1)

    # Several processes behind a reverse proxy (deploy/, docs/deploy.md).
    # Worker processes of `machimap serve`, uvicorn's own: each runs the whole app, the outbox
    # loop included (its rounds take turns through a database lock).
    workers: int = Field(default=1, ge=1)
    # On SIGTERM (a restart) requests in flight get this long to finish before being cut.
    shutdown_grace_s: int = Field(default=30, ge=0)
    # "text" as uvicorn prints it, for a person at a terminal; "json" one object per line for
    # a log collector, with one line per request carrying its request id (api/logs.py).
    log_format: Literal["text", "json"] = "text"

    @field_validator("planning_condition_weights", "planning_priority_weights")
    @classmethod
    def _weights(cls, value: dict[str, float]) -> dict[str, float]:
        # A negative weight would turn a worse building into a later one.
        if any(w < 0 for w in value.values()) or sum(value.values()) <= 0:
            raise ValueError("weights must be 0 or more, and not all 0")
        return value

    @field_validator("languages", mode="before")
    @classmethod
    def _language_list(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",") if part.strip()]
        if isinstance(value, list | tuple):
            value = list(dict.fromkeys(value))  # once each, in the city's order
            if "ja" not in value:
                value.insert(0, "ja")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
