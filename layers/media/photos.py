"""Resident photos made safe to store.

An upload is decoded and its pixels re-encoded into a fresh image, so nothing the camera or an
editor wrote survives: no EXIF (GPS, camera serial), no XMP, no ICC profile (whose description
can carry a name), no comments or text chunks. What is useful in that metadata — where and when
the photo was taken — is read *before* it is dropped and handed back as plain values, for staff
to confirm; it is never stored inside the file.

The type is decided by the content alone, and only the JPEG, PNG and WebP parsers ever see an
upload: every other Pillow plugin is a parser an attacker would get for free.

Pure functions: nothing here touches the database or writes files (see layers/media/storage.py).
"""

from __future__ import annotations

import functools
import hashlib
import io
import math
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, Final

from PIL import ExifTags, Image, ImageCms, ImageFile, ImageFilter, ImageOps

from layers.store.refusals import Refused
from layers.store.settings import Settings, get_settings

if TYPE_CHECKING:
    import pyproj

JPEG: Final = "image/jpeg"
PNG: Final = "image/png"
WEBP: Final = "image/webp"
CONTENT_TYPES: Final = (JPEG, PNG, WEBP)

# Pillow's parsers an upload may reach. The JPEG parser answers "MPO" for the multi-picture
# JPEGs many phones write (a second, depth or preview, frame); only the first frame is kept.
_PARSERS: Final = ("JPEG", "PNG", "WEBP")
_CONTENT_TYPE_OF_FORMAT: Final = {"JPEG": JPEG, "MPO": JPEG, "PNG": PNG, "WEBP": WEBP}

_JPEG_QUALITY: Final = 85
_WEBP_QUALITY: Final = 85
_THUMBNAIL_QUALITY: Final = 80

# EPSG:4301, the Tokyo datum: older Japanese phones and cameras record GPS positions in it,
# some 400-500 m off WGS 84.
_TOKYO_GEOGRAPHIC: Final = 4301
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


@dataclass(frozen=True)
class CleanPhoto:
    # What is stored (re-encoded, same type as the upload).
    content_type: str
    data: bytes
    width: int
    height: int
    thumbnail: bytes
    thumbnail_type: str
    sha256: str
    # Of the upload as received: the same file sent twice is the same request.
    source_sha256: str
    # (lon, lat) in WGS 84 from the upload's EXIF, for staff to confirm; None when absent.
    gps: tuple[float, float] | None
    # EXIF DateTimeOriginal: aware when the camera recorded its UTC offset, naive (camera local
    # time, which is usually but not certainly JST) otherwise.
    taken_at: datetime | None


@functools.lru_cache(maxsize=1)
def _decoders(count: int) -> threading.BoundedSemaphore:
    return threading.BoundedSemaphore(count)


def clean_photo(raw: bytes, settings: Settings | None = None) -> CleanPhoto:
    """Decode an uploaded photo and re-encode its pixels upright, downscaled and metadata-free.

    Raises Refused: 413 too many bytes, 415 not a JPEG/PNG/WebP, 422 too many pixels or a
    damaged file."""
    settings = settings or get_settings()
    # A large PNG or WebP takes a few hundred MB while decoded: a hundred submissions at once
    # must queue here rather than all decode together.
    with _decoders(settings.photo_decoders):
        return _clean(raw, settings)


def _clean(raw: bytes, settings: Settings) -> CleanPhoto:
    with _open(raw, settings) as im:
        content_type = _content_type(im)
        target = _fit(im.size, settings.photo_max_side_px)
        try:
            if content_type == JPEG and target != im.size:
                # Lets libjpeg decode at 1/2, 1/4 or 1/8 scale: a 40-megapixel photo never
                # needs its full-size pixels in memory.
                im.draft(None, target)
            im.load()
            exif = im.getexif()
        except Exception as exc:  # whatever a parser trips on in a damaged file
            raise _damaged() from exc
        gps, taken_at = _gps(exif), _taken_at(exif)
        try:
            ImageOps.exif_transpose(im, in_place=True)
        except Exception as exc:
            raise _damaged() from exc
        pixels = _normalise(im, content_type, settings.photo_max_side_px)
    data = _encode(pixels, content_type)
    return CleanPhoto(
        content_type=content_type,
        data=data,
        width=pixels.width,
        height=pixels.height,
        thumbnail=_thumbnail(pixels, settings.photo_thumbnail_px),
        thumbnail_type=JPEG,
        sha256=hashlib.sha256(data).hexdigest(),
        source_sha256=hashlib.sha256(raw).hexdigest(),
        gps=gps,
        taken_at=taken_at,
    )


def photo_gps(raw: bytes, settings: Settings | None = None) -> tuple[float, float] | None:
    """(lon, lat) in WGS 84 from a photo's EXIF, without decoding its pixels.

    Refuses what clean_photo would refuse from the header alone (413, 415, 422), so the answer
    to "suggest a location" and to the upload agree."""
    settings = settings or get_settings()
    with _open(raw, settings) as im:
        # PNG may put its eXIf chunk after the pixels, and Pillow decodes them to reach it.
        if im.format == "PNG" and "exif" not in im.info:
            return None
        try:
            exif = im.getexif()
        except Exception:  # a damaged EXIF block is no location, not a refusal
            return None
        return _gps(exif)


def blur_regions(
    data: bytes,
    content_type: str,
    regions: Sequence[tuple[float, float, float, float]] | None,
) -> bytes:
    """Blur parts of a stored photo beyond recognition (faces, number plates, 表札).

    regions are (x0, y0, x1, y1) as fractions 0..1 of the width and height; None blurs the whole
    photo. Returns the photo re-encoded in the same type, still metadata-free."""
    with _open(data, get_settings()) as im:
        if _content_type(im) != content_type:
            raise Refused(
                f"写真の形式が {content_type} ではありません。",
                f"The photo is not {content_type}.",
                status=415,
            )
        try:
            im.load()
        except Exception as exc:
            raise _damaged() from exc
        pixels = _normalise(im, content_type)
    width, height = pixels.size
    boxes = (
        [(0, 0, width, height)]
        if regions is None
        else [_box(region, width, height) for region in regions]
    )
    for box in boxes:
        _blur(pixels, box)
    return _encode(pixels, content_type)


# --- reading the upload -----------------------------------------------------------------------


def _open(raw: bytes, settings: Settings) -> ImageFile.ImageFile:
    """The upload opened lazily (header only), after the checks that need no pixels."""
    if len(raw) > settings.photo_max_bytes:
        mib = settings.photo_max_bytes / (1024 * 1024)
        raise Refused(
            f"写真のファイルが大きすぎます（1 枚 {mib:g} MB まで）。",
            f"The photo file is too large (at most {mib:g} MB each).",
            status=413,
        )
    try:
        im = Image.open(io.BytesIO(raw), formats=_PARSERS)
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        # Pillow's own limit (the warning only arrives here when warnings are errors).
        raise _too_many_pixels(settings) from exc
    except Exception as exc:  # UnidentifiedImageError, or a parser choking on the header
        # A known signature is a damaged file: Pillow hands a WebP to libwebp's demuxer while
        # opening, so a cut-off WebP fails here rather than in load().
        raise (_damaged() if _signature(raw) else _unsupported()) from exc
    if im.format not in _CONTENT_TYPE_OF_FORMAT:
        im.close()
        raise _unsupported()
    width, height = im.size
    # Pillow only warns between MAX_IMAGE_PIXELS and twice that; the warning is no refusal, so
    # the lower of the two limits is enforced here, before any pixel is decoded.
    limit = min(settings.photo_max_pixels, Image.MAX_IMAGE_PIXELS or settings.photo_max_pixels)
    if width < 1 or height < 1 or width * height > limit:
        im.close()
        raise _too_many_pixels(settings)
    return im


def _signature(raw: bytes) -> str | None:
    """The accepted type whose signature raw starts with (whether or not the rest is sound)."""
    if raw.startswith(b"\xff\xd8\xff"):
        return JPEG
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return WEBP
    return None


def _content_type(im: Image.Image) -> str:
    return _CONTENT_TYPE_OF_FORMAT[im.format or ""]


def _unsupported() -> Refused:
    return Refused(
        "写真は JPEG・PNG・WebP の画像でお送りください。このファイルは受け付けられない形式です。",
        "Photos must be JPEG, PNG or WebP images; this file is in a format that is not accepted.",
        status=415,
    )


def _too_many_pixels(settings: Settings) -> Refused:
    megapixels = settings.photo_max_pixels / 1_000_000
    return Refused(
        f"写真の画素数が多すぎます（{megapixels * 100:g} 万画素まで）。",
        f"The photo has too many pixels (at most {megapixels:g} megapixels).",
        status=422,
    )


def _damaged() -> Refused:
    return Refused(
        "写真のファイルが壊れているか、途中で切れています。もう一度お送りください。",
        "The photo file is damaged or incomplete; please send it again.",
        status=422,
    )


# --- metadata read before it is dropped -------------------------------------------------------


def _gps(exif: Image.Exif) -> tuple[float, float] | None:
    try:
        gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    except Exception:
        return None
    if not gps or _text(gps.get(ExifTags.GPS.GPSStatus)) == "V":  # V: fix lost ("void")
        return None
    lat = _degrees(gps.get(ExifTags.GPS.GPSLatitude))
    lon = _degrees(gps.get(ExifTags.GPS.GPSLongitude))
    lat_ref = _text(gps.get(ExifTags.GPS.GPSLatitudeRef))
    lon_ref = _text(gps.get(ExifTags.GPS.GPSLongitudeRef))
    # Without its reference a value's hemisphere is a guess; a wrong guess is worse than none.
    if lat is None or lon is None or lat_ref not in ("N", "S") or lon_ref not in ("E", "W"):
        return None
    # (0, 0) is what receivers without a fix write.
    if lat > 90 or lon > 180 or (lat < 1e-7 and lon < 1e-7):
        return None
    lat = -lat if lat_ref == "S" else lat
    lon = -lon if lon_ref == "W" else lon
    if "TOKYO" in _text(gps.get(ExifTags.GPS.GPSMapDatum)):
        lon, lat = _tokyo_to_wgs84().transform(lon, lat)
    return (lon, lat)


def _degrees(value: Any) -> float | None:
    """Degrees from EXIF's (degrees, minutes, seconds) rationals (some writers give fewer)."""
    parts = value if isinstance(value, tuple | list) else (value,)
    if not 1 <= len(parts) <= 3:
        return None
    try:
        numbers = [float(part) for part in parts]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None
    return sum(n / unit for n, unit in zip(numbers, (1, 60, 3600), strict=False))


@functools.cache
def _tokyo_to_wgs84() -> pyproj.Transformer:
    import pyproj  # only for the rare Tokyo-datum photo

    return pyproj.Transformer.from_crs(_TOKYO_GEOGRAPHIC, 4326, always_xy=True)


def _taken_at(exif: Image.Exif) -> datetime | None:
    try:
        ifd = exif.get_ifd(ExifTags.IFD.Exif)
    except Exception:
        return None
    try:
        taken = datetime.strptime(
            _text(ifd.get(ExifTags.Base.DateTimeOriginal)), "%Y:%m:%d %H:%M:%S"
        )
    except ValueError:  # absent, or the "0000:00:00 00:00:00" of a camera whose clock is unset
        return None
    subsec = re.match(r"\d{1,6}", _text(ifd.get(ExifTags.Base.SubsecTimeOriginal)))
    if subsec:
        taken = taken.replace(microsecond=int(subsec.group().ljust(6, "0")))
    offset = _OFFSET.fullmatch(_text(ifd.get(ExifTags.Base.OffsetTimeOriginal)))
    if offset:
        sign, hours, minutes = offset.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        if delta <= timedelta(hours=14) and int(minutes) < 60:
            taken = taken.replace(tzinfo=timezone(-delta if sign == "-" else delta))
    return taken


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return value.strip("\x00 ").upper() if isinstance(value, str) else ""


# --- pixels ---------------------------------------------------------------------------------


def _fit(size: tuple[int, int], max_side: int) -> tuple[int, int]:
    width, height = size
    scale = max_side / max(width, height)
    if scale >= 1:
        return size
    return max(1, round(width * scale)), max(1, round(height * scale))


def _normalise(im: Image.Image, content_type: str, max_side: int | None = None) -> Image.Image:
    """The pixels as a fresh L, RGB or RGBA image in sRGB, sharing nothing with the upload,
    downscaled to max_side on the long side.

    A fresh image matters: Pillow's encoders fall back on im.info for the ICC profile, the JPEG
    comment and PNG transparency, so pixels carried over in the upload's own image object would
    carry those along."""
    alpha = content_type != JPEG and (
        im.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in im.info
    )
    if im.mode.startswith("I") or im.mode == "F":
        # 16-bit greyscale PNG: Pillow's own conversion to 8 bits clips rather than scales.
        im = im.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    elif im.mode == "1":
        im = im.convert("L")
    # Palettes and colour-key transparency do not survive resampling; an alpha band does.
    if alpha and im.mode not in ("RGBA", "LA"):
        im = im.convert("RGBA")
    elif im.mode == "P":
        im = im.convert("RGB")
    if max_side is not None:
        # Before the conversions below, which would otherwise copy all of a large upload.
        im.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    opacity = im.convert("RGBA").getchannel("A") if alpha else None
    if opacity is not None and opacity.getextrema() == (255, 255):  # alpha nobody uses
        opacity = None
    if im.mode == "L" and opacity is None:
        pixels = im
    else:
        pixels = _to_srgb(im)
        if opacity is not None:
            pixels.putalpha(opacity)
    fresh = Image.new(pixels.mode, pixels.size)
    fresh.paste(pixels)
    return fresh


def _to_srgb(im: Image.Image) -> Image.Image:
    """RGB in sRGB: colours from an embedded profile (phones often use Display P3, print
    workflows CMYK), since the profile itself is not kept."""
    icc = im.info.get("icc_profile")
    rgb = im if im.mode in ("RGB", "CMYK") else im.convert("RGB")  # convert keeps im.info
    if icc:
        try:
            converted = ImageCms.profileToProfile(
                rgb,
                ImageCms.ImageCmsProfile(io.BytesIO(icc)),
                ImageCms.createProfile("sRGB"),
                outputMode="RGB",
            )
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            converted = None  # a broken profile, or one for another colour space
        if converted is not None:
            return converted
    return rgb.convert("RGB")


def _encode(im: Image.Image, content_type: str, quality: int = _JPEG_QUALITY) -> bytes:
    out = io.BytesIO()
    if content_type == JPEG:
        im.save(out, "JPEG", quality=quality, optimize=True, progressive=True)
    elif content_type == PNG:
        im.save(out, "PNG", optimize=True)
    else:
        im.save(out, "WEBP", quality=_WEBP_QUALITY, method=4)
    return out.getvalue()


def _thumbnail(im: Image.Image, max_side: int) -> bytes:
    small = im.copy()
    small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    if small.mode == "RGBA":  # JPEG has no alpha: transparent parts show as white
        flat = Image.new("RGB", small.size, "white")
        flat.paste(small, mask=small.getchannel("A"))
        small = flat
    return _encode(small, JPEG, _THUMBNAIL_QUALITY)


def _box(
    region: tuple[float, float, float, float], width: int, height: int
) -> tuple[int, int, int, int]:
    try:
        x0, y0, x1, y1 = (float(v) for v in region)
    except (TypeError, ValueError) as exc:
        raise _bad_region(region) from exc
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):  # also false for NaN
        raise _bad_region(region)
    # Outwards, so a region never blurs less than was marked.
    left, top = math.floor(x0 * width), math.floor(y0 * height)
    right = min(width, max(left + 1, math.ceil(x1 * width)))
    bottom = min(height, max(top + 1, math.ceil(y1 * height)))
    return left, top, right, bottom


def _bad_region(region: object) -> Refused:
    return Refused(
        f"ぼかす範囲 {region!r} が正しくありません。(x0, y0, x1, y1) を 0〜1 の割合で、"
        "x0 < x1、y0 < y1 となるように指定してください。",
        f"The region to blur {region!r} is invalid: give (x0, y0, x1, y1) as fractions 0..1 of "
        "the width and height with x0 < x1 and y0 < y1.",
        status=400,
    )


def _blur(im: Image.Image, box: tuple[int, int, int, int]) -> None:
    """Destroys the detail in box, in place.

    A Gaussian blur alone can be partly undone, and fine pixelation can be matched against
    rendered glyphs; averaging into at most 8 cells along the long side leaves nothing to
    recover, and the blur afterwards hides the cells' edges."""
    region = im.crop(box)
    width, height = region.size
    cell = max(4, math.ceil(max(width, height) / 8))
    coarse = region.resize(
        (max(1, math.ceil(width / cell)), max(1, math.ceil(height / cell))),
        Image.Resampling.BOX,
    ).resize((width, height), Image.Resampling.NEAREST)
    im.paste(coarse.filter(ImageFilter.GaussianBlur(radius=cell / 2)), box[:2])
