"""Resident photos: metadata stripped, type from content, limits before decoding, blurring, and
the content-addressed media store. Pure functions: no database."""

from __future__ import annotations

import hashlib
import io
import math
import random
import struct
import warnings
import zlib
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image, ImageCms, ImageDraw, ImageStat, PngImagePlugin

from layers.media.photos import CleanPhoto, blur_regions, clean_photo, photo_gps
from layers.media.storage import MediaStore, media_store
from layers.store.refusals import Refused
from layers.store.settings import Settings

# 焼津市役所, roughly: 34.8667 N, 138.3236 E as degrees, minutes, seconds.
YAIZU_LAT, YAIZU_LON = 34.8667, 138.3236
YAIZU_GPS: dict[int, Any] = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (34.0, 52.0, 0.12),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (138.0, 19.0, 24.96),
    ExifTags.GPS.GPSMapDatum: "WGS-84",
    ExifTags.GPS.GPSProcessingMethod: b"ASCII\x00\x00\x00GPS",
}
# Personal data planted in the uploads; none of it may reach the stored bytes.
PERSONAL = (b"Yamada", b"EOS Secret", b"Canon", b"SN-0042", b"WGS-84", b"GPS", b"xmpmeta")
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
    b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description '
    b'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Yamada Taro</dc:creator>'
    b"</rdf:Description></rdf:RDF></x:xmpmeta>"
)


def settings(**overrides: Any) -> Settings:
    return Settings(**overrides)


def camera_exif(gps: dict[int, Any] | None = None, orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "Canon"
    exif[ExifTags.Base.Model] = "EOS Secret 5D"
    exif[ExifTags.Base.Artist] = "Yamada Taro"
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: "2024:05:01 09:30:00",
        ExifTags.Base.OffsetTimeOriginal: "+09:00",
        ExifTags.Base.BodySerialNumber: "SN-0042",
    }
    if gps is not None:
        exif[ExifTags.IFD.GPSInfo] = gps
    return exif


def halves(size: tuple[int, int] = (64, 32)) -> Image.Image:
    """Left half red, right half blue: shows which way up the stored photo is."""
    im = Image.new("RGB", size, (255, 0, 0))
    im.paste((0, 0, 255), (size[0] // 2, 0, size[0], size[1]))
    return im


def noise(size: tuple[int, int], mode: str = "RGB", seed: int = 1) -> Image.Image:
    bands = len(mode)
    data = random.Random(seed).randbytes(size[0] * size[1] * bands)
    return Image.frombytes(mode, size, data)


def encode(im: Image.Image, fmt: str, **params: Any) -> bytes:
    out = io.BytesIO()
    im.save(out, fmt, **params)
    return out.getvalue()


def camera_jpeg(gps: dict[int, Any] | None = None, orientation: int = 6) -> bytes:
    srgb = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return encode(
        halves(),
        "JPEG",
        exif=camera_exif(YAIZU_GPS if gps is None else gps, orientation),
        xmp=XMP,
        comment=b"Yamada Taro's camera",
        icc_profile=srgb,
    )


def jpeg_segments(data: bytes) -> list[int]:
    """The JPEG's marker segments up to the pixels (start of scan)."""
    assert data[:2] == b"\xff\xd8"
    markers, position = [], 2
    while True:
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:
            return markers
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length


def png_chunks(data: bytes) -> list[bytes]:
    chunks, position = [], 8
    while position < len(data):
        (length,) = struct.unpack(">I", data[position : position + 4])
        chunks.append(data[position + 4 : position + 8])
        position += 12 + length
    return chunks


def assert_metadata_free(photo: CleanPhoto | bytes) -> None:
    data = photo.data if isinstance(photo, CleanPhoto) else photo
    for planted in (*PERSONAL, b"Exif", b"ICC_PROFILE", b"http://ns.adobe.com"):
        assert planted not in data, planted
    stored = Image.open(io.BytesIO(data))
    assert len(stored.getexif()) == 0
    leaked = {"exif", "xmp", "XML:com.adobe.xmp", "icc_profile", "comment", "Author"}
    assert leaked.isdisjoint(stored.info), stored.info
    if stored.format == "JPEG":
        # Only JFIF (APP0), tables, frame and scan: no APP1 (EXIF, XMP), APP2 (ICC, MPF), COM.
        assert set(jpeg_segments(data)) <= {0xE0, 0xDB, 0xC4, 0xC0, 0xC2, 0xDD, 0xDA}
    elif stored.format == "PNG":
        assert set(png_chunks(data)) <= {b"IHDR", b"PLTE", b"tRNS", b"IDAT", b"IEND"}
    else:
        assert stored.format == "WEBP"
        for chunk in (b"EXIF", b"XMP ", b"ICCP"):
            assert chunk not in data


def refusal(raw: bytes, **overrides: Any) -> Refused:
    with pytest.raises(Refused) as caught:
        clean_photo(raw, settings(**overrides))
    assert caught.value.message_ja and caught.value.message_en
    return caught.value


# --- metadata ---------------------------------------------------------------------------------


def test_jpeg_is_stored_upright_without_metadata_and_its_gps_and_time_are_read() -> None:
    raw = camera_jpeg()
    for planted in (b"Yamada", b"EOS Secret", b"SN-0042", b"WGS-84", b"GPS", b"ICC_PROFILE"):
        assert planted in raw  # so their absence below means something
    photo = clean_photo(raw, settings())

    assert photo.content_type == "image/jpeg"
    assert photo.gps is not None
    lon, lat = photo.gps
    assert abs(lon - YAIZU_LON) < 1e-4 and abs(lat - YAIZU_LAT) < 1e-4
    assert photo.taken_at == datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    assert_metadata_free(photo)

    # Orientation 6: the camera's left edge is the top of the photo.
    assert (photo.width, photo.height) == (32, 64)
    stored = Image.open(io.BytesIO(photo.data)).convert("RGB")
    assert stored.size == (32, 64)
    top, bottom = stored.getpixel((16, 8)), stored.getpixel((16, 56))
    assert isinstance(top, tuple) and isinstance(bottom, tuple)
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom

    assert photo.sha256 == hashlib.sha256(photo.data).hexdigest()
    assert photo.source_sha256 == hashlib.sha256(raw).hexdigest()
    assert photo.thumbnail_type == "image/jpeg"
    assert_metadata_free(photo.thumbnail)


def test_png_text_chunks_and_exif_are_dropped() -> None:
    text = PngImagePlugin.PngInfo()
    text.add_text("Author", "Yamada Taro")
    text.add_itxt("Description", "EOS Secret", zip=True)
    raw = encode(halves(), "PNG", pnginfo=text, exif=camera_exif(YAIZU_GPS))
    assert b"Author" in raw and b"eXIf" in raw

    photo = clean_photo(raw, settings())
    assert photo.content_type == "image/png"
    assert photo.gps is not None and abs(photo.gps[1] - YAIZU_LAT) < 1e-4
    assert photo_gps(raw, settings()) == photo.gps
    assert b"Author" not in photo.data
    assert_metadata_free(photo)


def test_webp_exif_and_xmp_are_dropped() -> None:
    raw = encode(halves(), "WEBP", exif=camera_exif(YAIZU_GPS, orientation=6), xmp=XMP)
    assert b"EXIF" in raw and b"Yamada" in raw

    photo = clean_photo(raw, settings())
    assert photo.content_type == "image/webp"
    assert (photo.width, photo.height) == (32, 64)
    assert photo.gps is not None
    assert abs(photo.gps[0] - YAIZU_LON) < 1e-4 and abs(photo.gps[1] - YAIZU_LAT) < 1e-4
    assert_metadata_free(photo)


def test_multi_picture_jpeg_is_stored_as_its_first_frame() -> None:
    # Many phones write MPO (a JPEG with a second frame); Pillow reports it as "MPO".
    first, second = halves(), Image.new("RGB", (64, 32), "green")
    raw = encode(first, "MPO", save_all=True, append_images=[second], exif=camera_exif())
    assert Image.open(io.BytesIO(raw)).format == "MPO"

    photo = clean_photo(raw, settings())
    assert photo.content_type == "image/jpeg"
    assert_metadata_free(photo)
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.format == "JPEG" and getattr(stored, "n_frames", 1) == 1


@pytest.mark.parametrize(
    ("source", "fmt", "stored_mode"),
    [
        (Image.new("CMYK", (40, 30), (0, 255, 255, 0)), "JPEG", "RGB"),
        (Image.new("L", (40, 30), 128), "JPEG", "L"),
        (Image.new("RGBA", (40, 30), (0, 128, 0, 100)), "PNG", "RGBA"),
        (Image.new("RGBA", (40, 30), (0, 128, 0, 255)), "PNG", "RGB"),  # alpha nobody uses
        (Image.new("LA", (40, 30), (90, 100)), "PNG", "RGBA"),
        (Image.new("1", (40, 30), 1), "PNG", "L"),
        (Image.new("RGBA", (40, 30), (0, 128, 0, 100)), "WEBP", "RGBA"),
    ],
)
def test_pixel_modes(source: Image.Image, fmt: str, stored_mode: str) -> None:
    photo = clean_photo(encode(source, fmt), settings())
    stored = Image.open(io.BytesIO(photo.data))
    assert stored.mode == stored_mode
    if source.mode == "CMYK":  # cyan-free, i.e. red, after conversion
        pixel = stored.getpixel((5, 5))
        assert isinstance(pixel, tuple) and pixel[0] > 200 and pixel[1] < 60


def test_palette_transparency_and_16_bit_grey_survive() -> None:
    palette = Image.new("P", (40, 30), 0)
    palette.putpalette([255, 0, 0, 0, 0, 255])
    palette.paste(1, (20, 0, 40, 30))
    transparent = clean_photo(encode(palette, "PNG", transparency=0), settings())
    stored = Image.open(io.BytesIO(transparent.data))
    assert stored.mode == "RGBA"
    assert stored.getpixel((5, 5)) == (255, 0, 0, 0)
    assert stored.getpixel((30, 5)) == (0, 0, 255, 255)

    # A colour key (tRNS on RGB) becomes alpha before downscaling blends it into other colours.
    keyed = Image.new("RGB", (400, 300), (10, 20, 30))
    keyed.paste((200, 0, 0), (0, 0, 200, 300))
    raw = encode(keyed, "PNG", transparency=(10, 20, 30))
    stored = Image.open(io.BytesIO(clean_photo(raw, settings(photo_max_side_px=100)).data))
    assert stored.mode == "RGBA" and stored.size == (100, 75)
    assert stored.getpixel((5, 5)) == (200, 0, 0, 255)
    opacity = stored.getpixel((90, 5))
    assert isinstance(opacity, tuple) and opacity[3] == 0

    grey = Image.new("I;16", (40, 30), 32768)  # mid-grey in 16 bits
    stored = Image.open(io.BytesIO(clean_photo(encode(grey, "PNG"), settings()).data))
    assert stored.mode == "L" and stored.getpixel((5, 5)) == 128


def test_a_profile_for_another_colour_space_falls_back_to_plain_rgb() -> None:
    lab = ImageCms.ImageCmsProfile(ImageCms.createProfile("LAB")).tobytes()
    photo = clean_photo(encode(halves(), "JPEG", icc_profile=lab), settings())
    assert_metadata_free(photo)
    pixel = Image.open(io.BytesIO(photo.data)).getpixel((5, 5))
    assert isinstance(pixel, tuple) and pixel[0] > 200


# --- GPS and time -----------------------------------------------------------------------------


def gps(lat: Any, lat_ref: Any, lon: Any, lon_ref: Any, **extra: Any) -> dict[int, Any]:
    tags = {
        ExifTags.GPS.GPSLatitude: lat,
        ExifTags.GPS.GPSLatitudeRef: lat_ref,
        ExifTags.GPS.GPSLongitude: lon,
        ExifTags.GPS.GPSLongitudeRef: lon_ref,
    }
    return {**tags, **{getattr(ExifTags.GPS, name): value for name, value in extra.items()}}


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        (gps((34.0, 52.0, 0.12), "N", (138.0, 19.0, 24.96), "E"), (YAIZU_LON, YAIZU_LAT)),
        (gps((33.0, 51.0, 0.0), "S", (151.0, 12.0, 36.0), "E"), (151.21, -33.85)),  # Sydney
        (gps((40.0, 42.0, 46.0), "N", (74.0, 0.0, 22.0), "W"), (-74.006111, 40.712778)),
        (gps((34.8667,), "N", (138.3236,), "E"), (YAIZU_LON, YAIZU_LAT)),  # degrees only
        (gps((0.0, 0.0, 0.0), "N", (0.0, 0.0, 0.0), "E"), None),  # no fix
        (gps((95.0, 0.0, 0.0), "N", (138.0, 0.0, 0.0), "E"), None),
        (gps((34.0, 52.0, 0.0), "N", (181.0, 0.0, 0.0), "E"), None),
        (gps((34.0, 52.0, 0.0), "", (138.0, 19.0, 0.0), "E"), None),  # hemisphere unknown
        (gps((34.0, 52.0, 0.0), "N", (138.0, 19.0, 0.0), "X"), None),
        (gps((34.0, 52.0, 0.0), "N", (138.0, 19.0, 0.0), "E", GPSStatus="V"), None),
        ({}, None),
    ],
)
def test_gps_from_exif(tags: dict[int, Any], expected: tuple[float, float] | None) -> None:
    raw = encode(halves(), "JPEG", exif=camera_exif(tags))
    found = photo_gps(raw, settings())
    if expected is None:
        assert found is None
    else:
        assert found is not None
        assert math.dist(found, expected) < 1e-4, found


def test_tokyo_datum_positions_are_moved_to_wgs84() -> None:
    # Older Japanese phones record the Tokyo datum, some 400 m north-west of WGS 84 here.
    tags = gps((34.0, 52.0, 0.12), "N", (138.0, 19.0, 24.96), "E", GPSMapDatum="TOKYO")
    found = photo_gps(encode(halves(), "JPEG", exif=camera_exif(tags)), settings())
    assert found is not None
    assert math.dist(found, (YAIZU_LON, YAIZU_LAT)) > 0.003
    assert math.dist(found, (138.3205, 34.8700)) < 1e-3, found


def test_taken_at_without_offset_is_naive_and_keeps_subseconds() -> None:
    exif = Image.Exif()
    exif[ExifTags.IFD.Exif] = {
        ExifTags.Base.DateTimeOriginal: "2023:12:24 18:05:09",
        ExifTags.Base.SubsecTimeOriginal: "25",
    }
    photo = clean_photo(encode(halves(), "JPEG", exif=exif), settings())
    assert photo.taken_at == datetime(2023, 12, 24, 18, 5, 9, 250_000)
    assert photo.gps is None

    exif[ExifTags.IFD.Exif] = {ExifTags.Base.DateTimeOriginal: "0000:00:00 00:00:00"}
    assert clean_photo(encode(halves(), "JPEG", exif=exif), settings()).taken_at is None


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["GIF", "BMP", "TIFF", "ICO", "PPM"])
def test_other_image_types_are_refused_whatever_the_name(fmt: str) -> None:
    # The "photo.jpg" a client claims is irrelevant: only the bytes are looked at.
    assert refusal(encode(halves(), fmt)).status == 415


def test_svg_and_random_bytes_are_refused() -> None:
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    assert refusal(svg).status == 415
    assert refusal(random.Random(5).randbytes(4096)).status in (415, 422)
    assert refusal(b"").status == 415


def test_too_many_bytes_is_refused_before_decoding() -> None:
    # Garbage would be 415 if it were decoded at all.
    garbage = random.Random(7).randbytes(2000)
    refused = refusal(garbage, photo_max_bytes=1000)
    assert refused.status == 413 and "1000" not in refused.message_en  # megabytes, not bytes
    assert refusal(encode(noise((64, 64)), "PNG"), photo_max_bytes=1000).status == 413
    with pytest.raises(Refused) as caught:
        photo_gps(garbage, settings(photo_max_bytes=1000))
    assert caught.value.status == 413


def png_header(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (its one IDAT holds a single row)."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = zlib.crc32(kind + body) & 0xFFFFFFFF
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    row = zlib.compress(b"\x00" + b"\x00" * 3 * min(width, 16))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", row) + chunk(b"IEND", b"")


@pytest.mark.parametrize(
    "side",
    [
        50_000,  # beyond twice Pillow's limit: its DecompressionBombError
        10_000,  # between Pillow's limit and twice that: Pillow only warns
        7_000,  # below Pillow's limit, above ours (40 megapixels)
    ],
)
def test_too_many_pixels_is_refused_from_the_header(side: int) -> None:
    raw = png_header(side, side)
    assert len(raw) < 200
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        refused = refusal(raw)
        with pytest.raises(Refused) as caught:
            photo_gps(raw, settings())
    # The pixel refusal, not "damaged": decoding (of rows that are not there) never began.
    assert refused.status == 422 and "megapixels" in refused.message_en
    assert caught.value.status == 422 and "megapixels" in caught.value.message_en


def test_pillow_bomb_warning_raised_as_error_is_still_a_422() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        refused = refusal(png_header(10_000, 10_000))
    assert refused.status == 422 and "megapixels" in refused.message_en


def test_smaller_pixel_limit_from_settings() -> None:
    raw = encode(noise((100, 100)), "PNG")
    assert refusal(raw, photo_max_pixels=9_999).status == 422
    assert clean_photo(raw, settings(photo_max_pixels=10_000)).width == 100


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_photo_is_refused_as_damaged(fmt: str) -> None:
    raw = encode(noise((256, 256)), fmt)
    for cut in (raw[: len(raw) // 2], raw[:40]):
        refused = refusal(cut)
        assert refused.status == 422 and "damaged" in refused.message_en


def test_a_truncated_photo_is_refused_even_once_the_poster_renderer_is_loaded() -> None:
    """WeasyPrint's import makes Pillow accept truncated images process-wide; the poster
    module puts the strict default back (layers/groups/posters/document.py)."""
    import layers.groups.posters.document  # noqa: F401  (imports WeasyPrint)

    raw = encode(noise((256, 256)), "JPEG")
    assert refusal(raw[: len(raw) // 2]).status == 422


# --- sizes ------------------------------------------------------------------------------------


def test_thumbnail_long_side_is_at_most_the_setting() -> None:
    photo = clean_photo(encode(halves((1000, 600)), "JPEG"), settings())
    thumbnail = Image.open(io.BytesIO(photo.thumbnail))
    assert thumbnail.format == "JPEG"
    assert max(thumbnail.size) == 320 and thumbnail.size == (320, 192)
    assert (photo.width, photo.height) == (1000, 600)  # below photo_max_side_px: untouched

    small = clean_photo(encode(halves((1000, 600)), "PNG"), settings(photo_thumbnail_px=100))
    assert Image.open(io.BytesIO(small.thumbnail)).size == (100, 60)


def test_transparent_thumbnail_is_flattened_onto_white() -> None:
    clear = Image.new("RGBA", (40, 40), (0, 0, 0, 0))
    photo = clean_photo(encode(clear, "PNG"), settings())
    thumbnail = Image.open(io.BytesIO(photo.thumbnail))
    assert thumbnail.mode == "RGB" and thumbnail.getpixel((5, 5)) == (255, 255, 255)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_large_photos_are_downscaled(fmt: str) -> None:
    photo = clean_photo(encode(halves((1200, 800)), fmt), settings(photo_max_side_px=500))
    assert (photo.width, photo.height) == (500, 333)
    assert Image.open(io.BytesIO(photo.data)).size == (500, 333)


def test_downscaling_keeps_the_orientation() -> None:
    raw = encode(halves((1200, 800)), "JPEG", exif=camera_exif(orientation=6))
    photo = clean_photo(raw, settings(photo_max_side_px=300))
    assert (photo.width, photo.height) == (200, 300)


# --- blurring ---------------------------------------------------------------------------------


def detail(im: Image.Image, box: tuple[int, int, int, int]) -> float:
    """Mean standard deviation of the bands in box: high for noise or text, ~0 when blurred."""
    return sum(ImageStat.Stat(im.crop(box).convert("RGB")).stddev) / 3


def test_blur_destroys_detail_inside_the_region_only() -> None:
    im = noise((200, 100))
    ImageDraw.Draw(im).text((60, 40), "焼津 1-2-3 YAMADA", fill="white")
    photo = clean_photo(encode(im, "PNG"), settings())
    blurred_bytes = blur_regions(photo.data, "image/png", [(0.25, 0.25, 0.75, 0.75)])

    before = Image.open(io.BytesIO(photo.data)).convert("RGB")
    after = Image.open(io.BytesIO(blurred_bytes)).convert("RGB")
    assert after.size == before.size
    inside = (50, 25, 150, 75)
    assert detail(before, inside) > 50
    assert detail(after, inside) < 15
    # PNG is lossless: outside the region not a single pixel changed.
    for box in [(0, 0, 200, 25), (0, 75, 200, 100), (0, 25, 50, 75), (150, 25, 200, 75)]:
        assert before.crop(box).tobytes() == after.crop(box).tobytes(), box
    assert_metadata_free(blurred_bytes)


def test_blur_on_jpeg_leaves_the_rest_alone_and_metadata_free() -> None:
    raw = encode(noise((160, 120)), "JPEG", exif=camera_exif(YAIZU_GPS))
    stored = clean_photo(raw, settings()).data
    blurred = blur_regions(stored, "image/jpeg", [(0.0, 0.0, 0.5, 0.5)])
    assert_metadata_free(blurred)
    # Against the same pixels re-encoded without a region, so JPEG's own loss cancels out.
    unblurred = Image.open(io.BytesIO(blur_regions(stored, "image/jpeg", []))).convert("RGB")
    after = Image.open(io.BytesIO(blurred)).convert("RGB")
    inside, outside = (0, 0, 80, 60), (96, 76, 160, 120)  # outside: a block clear of the edge
    assert detail(unblurred, inside) > 50 and detail(after, inside) < 15
    pairs = zip(unblurred.crop(outside).tobytes(), after.crop(outside).tobytes(), strict=True)
    differences = [abs(a - b) for a, b in pairs]
    assert sum(differences) / len(differences) < 1


def test_blur_whole_photo() -> None:
    photo = clean_photo(encode(noise((120, 90)), "WEBP"), settings())
    blurred = Image.open(io.BytesIO(blur_regions(photo.data, "image/webp", None)))
    assert blurred.format == "WEBP" and blurred.size == (120, 90)
    assert detail(blurred, (0, 0, 120, 90)) < 15


@pytest.mark.parametrize(
    "region",
    [(0.5, 0.0, 0.4, 1.0), (0.0, 0.0, 1.5, 1.0), (-0.1, 0.0, 0.5, 0.5), (math.nan, 0, 1, 1)],
)
def test_blur_refuses_regions_outside_the_photo(region: tuple[float, float, float, float]) -> None:
    photo = clean_photo(encode(halves(), "PNG"), settings())
    with pytest.raises(Refused) as caught:
        blur_regions(photo.data, "image/png", [region])
    assert caught.value.status == 400 and "0..1" in caught.value.message_en


def test_blur_refuses_a_type_that_is_not_the_content() -> None:
    photo = clean_photo(encode(halves(), "PNG"), settings())
    with pytest.raises(Refused) as caught:
        blur_regions(photo.data, "image/jpeg", None)
    assert caught.value.status == 415


# --- media store ------------------------------------------------------------------------------


def test_media_store_is_content_addressed_and_idempotent(tmp_path: Path) -> None:
    store = MediaStore(tmp_path)
    photo = clean_photo(encode(noise((400, 300)), "JPEG"), settings())
    key = store.put(photo.data, photo.content_type)
    digest = hashlib.sha256(photo.data).hexdigest()
    assert key == f"{digest[:2]}/{digest[2:4]}/{digest}.jpg"
    assert store.put(photo.data, photo.content_type) == key
    assert store.read(key) == photo.data
    assert store.path(key) == tmp_path / key
    # Nothing but the one file: the temporary name was renamed into place.
    assert [p.name for p in store.path(key).parent.iterdir()] == [f"{digest}.jpg"]
    # Only the owner writes; others have no access at all.
    assert store.path(key).stat().st_mode & 0o037 == 0
    assert (tmp_path / digest[:2]).stat().st_mode & 0o027 == 0

    thumbnail_key = store.put(photo.thumbnail, "image/jpeg")
    assert thumbnail_key != key and store.read(thumbnail_key) == photo.thumbnail
    assert store.put(b"png bytes", "image/png").endswith(".png")
    with pytest.raises(ValueError):
        store.put(b"<svg/>", "image/svg+xml")

    store.delete(key)
    with pytest.raises(Refused) as caught:
        store.path(key)
    assert caught.value.status == 404
    with pytest.raises(Refused):
        store.read(key)
    store.delete(key)  # already gone: fine
    assert store.read(thumbnail_key) == photo.thumbnail


@pytest.mark.parametrize(
    "key",
    [
        "../etc/passwd",
        "/etc/passwd",
        "ab/cd/../../../etc/passwd",
        "ab/cd/" + "ab" + "c" * 62 + ".jpg",  # the name does not match its folders
        "AB/CD/" + "AB" + "C" * 62 + ".jpg",
        "ab/cd/" + "abcd" + "0" * 60 + ".exe",
        "ab/cd/" + "abcd" + "0" * 60 + ".jpg\n",
        "ab/cd/" + "abcd" + "0" * 59 + ".jpg",
        "ab\\cd\\" + "abcd" + "0" * 60 + ".jpg",
        "",
    ],
)
def test_media_store_rejects_malformed_keys(tmp_path: Path, key: str) -> None:
    store = MediaStore(tmp_path)
    for use in (store.path, store.read, store.delete):
        with pytest.raises(Refused) as caught:
            use(key)
        assert caught.value.status == 404


def test_media_store_location_from_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MACHIMAP_MEDIA_DIR")  # set for every test by conftest's media_dir
    store = media_store(settings(data_dir=tmp_path / "data"))
    assert store.root == tmp_path / "data" / "media" and store.root.is_dir()
    assert store.root.stat().st_mode & 0o027 == 0
    # The data directory is shared with the embedded cluster, whose unprivileged account
    # must still be able to enter it: only the media tree is closed to others.
    assert (tmp_path / "data").stat().st_mode & 0o001

    elsewhere = media_store(settings(data_dir=tmp_path / "data", media_dir=tmp_path / "photos"))
    key = elsewhere.put(b"\xff\xd8 not really", "image/jpeg")
    assert (tmp_path / "photos" / key).is_file()
