import math

import numpy as np
import pytest
import shapely

from geo import crs

# GRS80, the ellipsoid of JGD2011.
A = 6378137.0
F = 1 / 298.257222101
E2 = F * (2 - F)
K0 = 0.9999  # scale factor on the central meridian of every plane rectangular zone


def meridian_arc(lat_deg: float) -> float:
    """GRS80 meridian arc length from the equator (Helmert's series, sub-mm accurate)."""
    phi = math.radians(lat_deg)
    n = F / (2 - F)
    return (A / (1 + n)) * (
        (1 + n**2 / 4 + n**4 / 64) * phi
        - 1.5 * (n - n**3 / 8) * math.sin(2 * phi)
        + 15 / 16 * (n**2 - n**4 / 4) * math.sin(4 * phi)
        - 35 / 48 * n**3 * math.sin(6 * phi)
        + 315 / 512 * n**4 * math.sin(8 * phi)
    )


# Zone origins from the 平面直角座標系 notification (国土交通省告示): (zone, lon, lat).
ORIGINS = [
    (6, 136.0, 36.0),
    (8, 138.5, 36.0),
    (9, 139 + 50 / 60, 36.0),
]


def test_constants() -> None:
    assert crs.STORAGE_SRID == 4326
    assert crs.JGD2011_GEOGRAPHIC == 6668
    assert crs.WEB_MERCATOR == 3857


def test_plane_zone_epsg() -> None:
    assert crs.plane_zone_epsg(1) == 6669
    assert crs.plane_zone_epsg(8) == 6676
    assert crs.plane_zone_epsg(9) == 6677
    assert crs.plane_zone_epsg(19) == 6687
    for bad in (0, 20, -1, True):
        with pytest.raises(ValueError, match="1 to 19"):
            crs.plane_zone_epsg(bad)


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("静岡県", 8),
        ("静岡", 8),
        (" 静岡県 ", 8),
        ("東京都", 9),
        ("東京", 9),
        ("京都府", 6),
        ("京都", 6),
        ("大阪府", 6),
        ("北海道", 12),
        ("沖縄県", 15),
        ("長崎県", 1),
        ("鹿児島", 2),
        ("愛媛県", 4),
        ("兵庫県", 5),
        ("愛知県", 7),
        ("宮城県", 10),
        ("神奈川県", 9),
    ],
)
def test_zone_for_prefecture(name: str, zone: int) -> None:
    assert crs.zone_for_prefecture(name) == zone


def test_all_47_prefectures_have_a_zone() -> None:
    assert len(crs._PREFECTURE_ZONE) == 47


@pytest.mark.parametrize("name", ["", "静岡市", "Shizuoka", "東京県", "北海"])
def test_zone_for_unknown_prefecture(name: str) -> None:
    with pytest.raises(ValueError, match="unknown prefecture"):
        crs.zone_for_prefecture(name)


def test_transformer_is_cached_and_lon_lat_ordered() -> None:
    assert crs.transformer(6668, 6676) is crs.transformer(6668, 6676)
    x, y = crs.transformer(4326, 3857).transform(139.0, 35.0)
    assert x == pytest.approx(15473409.3, abs=1)  # easting first despite EPSG:4326 lat/lon
    assert y == pytest.approx(4163881.1, abs=1)


@pytest.mark.parametrize(("zone", "lon", "lat"), ORIGINS)
def test_zone_origin_maps_to_zero(zone: int, lon: float, lat: float) -> None:
    x, y = crs.transform_xy([lon], [lat], 6668, crs.plane_zone_epsg(zone))
    assert abs(x[0]) < 1e-6
    assert abs(y[0]) < 1e-6


@pytest.mark.parametrize(("zone", "lon", "lat"), ORIGINS)
def test_one_degree_north_on_central_meridian(zone: int, lon: float, lat: float) -> None:
    expected = K0 * (meridian_arc(lat + 1) - meridian_arc(lat))
    assert 110_900 < expected < 111_000  # guards the formula itself
    x, y = crs.transform_xy([lon], [lat + 1], 6668, crs.plane_zone_epsg(zone))
    assert abs(x[0]) < 1e-6
    assert y[0] == pytest.approx(expected, abs=0.01)


def test_yaizu_city_hall_zone_viii() -> None:
    lat, lon = 34.866918, 138.323171
    x, y = crs.transform_xy([lon], [lat], 6668, 6676)
    easting, northing = float(x[0]), float(y[0])
    # pyproj gives about (-16166.88, -125686.97): south-west of the origin 36N 138.5E.
    assert -126_000 < northing < -125_000
    assert -16_500 < easting < -15_800
    # Independent check with the leading Gauss-Krüger terms: 1.133082° south is
    # 0.9999 * arc = -125 701.2 m, plus N*tan(phi)*cos²(phi)*dλ²/2 (≈ +14.3 m) for being off
    # the central meridian; easting is 0.9999*N*cos(phi)*dλ (dλ = -0.176829°) ≈ -16 166.9 m.
    # The omitted terms are below 1 cm at this distance from the meridian.
    phi = math.radians(lat)
    dlam = math.radians(lon - 138.5)
    nu = A / math.sqrt(1 - E2 * math.sin(phi) ** 2)
    t, c = math.tan(phi), math.cos(phi)
    approx_e = K0 * nu * c * dlam * (1 + (dlam * c) ** 2 * (1 - t * t) / 6)
    approx_n = K0 * (meridian_arc(lat) - meridian_arc(36.0) + nu * t * c * c * dlam**2 / 2)
    assert easting == pytest.approx(approx_e, abs=0.05)
    assert northing == pytest.approx(approx_n, abs=0.05)


@pytest.mark.parametrize("zone", [8, 9])
def test_round_trip_geographic_plane(zone: int) -> None:
    rng = np.random.default_rng(zone)
    lons = rng.uniform(137.5, 140.5, 500)
    lats = rng.uniform(34.5, 37.5, 500)
    epsg = crs.plane_zone_epsg(zone)
    x, y = crs.transform_xy(lons, lats, 6668, epsg)
    lon2, lat2 = crs.transform_xy(x, y, epsg, 6668)
    assert np.max(np.abs(lon2 - lons)) < 1e-9
    assert np.max(np.abs(lat2 - lats)) < 1e-9
    x2, y2 = crs.transform_xy(lon2, lat2, 6668, epsg)
    assert np.max(np.abs(x2 - x)) < 1e-3
    assert np.max(np.abs(y2 - y)) < 1e-3


def test_transform_xy_accepts_lists_and_checks_shapes() -> None:
    x, y = crs.transform_xy([138.5, 139.0], [36.0, 35.0], 6668, 6668)
    assert isinstance(x, np.ndarray)
    assert x.dtype == np.float64
    assert list(y) == [36.0, 35.0]
    with pytest.raises(ValueError, match="shape"):
        crs.transform_xy([1.0, 2.0], [1.0], 6668, 6676)


def test_geometry_round_trip_keeps_structure() -> None:
    ring = [(138.3, 34.8), (138.4, 34.8), (138.4, 34.9), (138.3, 34.9), (138.3, 34.8)]
    hole = [(138.33, 34.83), (138.35, 34.83), (138.35, 34.85), (138.33, 34.83)]
    poly = shapely.Polygon(ring, [hole])
    plane = crs.to_plane(poly, 8)
    assert plane.geom_type == "Polygon"
    assert len(plane.interiors) == 1
    # ~9.1 km x 11.1 km at 34.85N; a metric area means the projection was really applied.
    assert 95e6 < plane.area < 110e6
    back = crs.from_plane(plane, 8)
    assert shapely.equals_exact(back, poly, tolerance=1e-9)
    assert shapely.equals_exact(crs.to_storage(plane, 6676), poly, tolerance=1e-9)


def test_transform_keeps_z_and_2d_stays_2d() -> None:
    p3 = shapely.Point(138.5, 36.0, 12.5)
    out = crs.to_plane(p3, 8)
    assert out.has_z
    assert out.z == pytest.approx(12.5)
    assert abs(out.x) < 1e-6
    assert not crs.to_plane(shapely.Point(138.5, 36.0), 8).has_z


def test_to_storage() -> None:
    p = shapely.Point(138.323171, 34.866918)
    # JGD2011 geographic is stored as is (identity transformation by policy).
    assert crs.to_storage(p, 6668) is p
    assert crs.to_storage(p, 4326) is p
    merc = shapely.Point(crs.transformer(4326, 3857).transform(p.x, p.y))
    assert shapely.equals_exact(crs.to_storage(merc, 3857), p, tolerance=1e-9)
    assert crs.to_storage(shapely.Point(), 6676).is_empty


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (4326, 4326),
        (6676, 6676),
        ("4326", 4326),
        ("EPSG:6676", 6676),
        ("epsg:6676", 6676),
        (" EPSG:3857 ", 3857),
        ("urn:ogc:def:crs:EPSG::6676", 6676),
        ("urn:ogc:def:crs:EPSG:9.8.15:6668", 6668),
        ("http://www.opengis.net/def/crs/EPSG/0/6676", 6676),
        ("https://www.opengis.net/def/crs/EPSG/0/4326", 4326),
        ("http://www.opengis.net/def/crs/OGC/1.3/CRS84", 4326),
        ("CRS84", 4326),
        ("OGC:CRS84", 4326),
        ("urn:ogc:def:crs:OGC:1.3:CRS84", 4326),
    ],
)
def test_parse_crs_accepts(value: str | int, expected: int) -> None:
    assert crs.parse_crs(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "EPSG:",
        "EPSG:abc",
        "EPSG:99999999",
        "WGS84",
        "urn:ogc:def:crs:EPSG::",
        "http://www.opengis.net/def/crs/EPSG/0/",
        "http://example.com/def/crs/EPSG/0/4326",
        "EPSG:4326 ; DROP TABLE",
        0,
        -4326,
        True,
    ],
)
def test_parse_crs_rejects(value: str | int) -> None:
    with pytest.raises(ValueError, match="CRS") as info:
        crs.parse_crs(value)
    assert repr(value) in str(info.value)
