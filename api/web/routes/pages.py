"""The web pages: the public map at `/`, the report flow at `/report` and the staff pages at
`/staff`, built by Vite into web/dist (see web/README.md).

Assets carry a content hash in their names, so they are cached for a year as immutable; the
pages themselves are revalidated on every visit so a new build reaches people at once. Both
are served from the gzip and brotli copies made at build time."""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from api.caching import etag_of, matches
from api.permissions import permit
from api.web.assets import dist_dir
from layers.policy import Action
from layers.store.refusals import Refused
from layers.store.settings import ALL_LANGUAGES, get_settings

router = APIRouter(tags=["web"], include_in_schema=False)

PAGES = {"/": "index.html", "/report": "report.html", "/staff": "staff.html"}
IMMUTABLE = "public, max-age=31536000, immutable"
ASSET_NAME_MAX = 200
ENCODINGS = (("br", ".br"), ("gzip", ".gz"))
mimetypes.add_type("text/javascript", ".js")
mimetypes.add_type("text/javascript", ".mjs")
mimetypes.add_type("application/json", ".map")


@lru_cache(maxsize=512)
def _etag(path: Path, mtime_ns: int, size: int) -> str:
    return etag_of(path.read_bytes())


def _accepted(header: str) -> set[str]:
    accepted = set()
    for part in header.split(","):
        name, _, params = part.strip().partition(";")
        if params.strip().replace(" ", "") in ("q=0", "q=0.0", "q=0.00", "q=0.000"):
            continue
        accepted.add(name.strip().lower())
    return accepted


def _serve(request: Request, path: Path, cache_control: str) -> Response:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if media_type.startswith("text/") or media_type == "application/json":
        media_type += "; charset=utf-8"
    stat = path.stat()
    etag = _etag(path, stat.st_mtime_ns, stat.st_size)
    headers = {"Cache-Control": cache_control, "Vary": "Accept-Encoding", "ETag": etag}
    if matches(request.headers.get("if-none-match"), etag):
        return Response(status_code=304, headers=headers)
    accepted = _accepted(request.headers.get("accept-encoding", ""))
    for encoding, suffix in ENCODINGS:
        compressed = path.with_name(path.name + suffix)
        if encoding in accepted and compressed.is_file():
            headers["Content-Encoding"] = encoding
            return FileResponse(compressed, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)


def _not_built() -> Refused:
    return Refused(
        "画面がまだビルドされていません。`make install` を実行してください。",
        "The web pages are not built: run `make install` (npm run build in web/).",
        status=503,
    )


# The resident pages learn the city's languages from this tag, written by the build with all
# of them: the menu and ?lang= are decided before the first paint, with no request of their own.
LANGUAGES_TAG = '<meta name="machimap-languages" content="{}" />'


@lru_cache(maxsize=16)
def _with_languages(path: Path, mtime_ns: int, offered: str) -> bytes:
    built = LANGUAGES_TAG.format(" ".join(ALL_LANGUAGES))
    return path.read_bytes().replace(built.encode(), LANGUAGES_TAG.format(offered).encode())


def _page(request: Request) -> Response:
    path = dist_dir() / PAGES[request.url.path]
    if not path.is_file():
        raise _not_built()
    languages = get_settings().languages
    if languages == ALL_LANGUAGES:
        return _serve(request, path, "no-cache")
    # A city offering fewer languages: the page rewritten (a few KB, uncompressed).
    body = _with_languages(path, path.stat().st_mtime_ns, " ".join(languages))
    headers = {"Cache-Control": "no-cache", "ETag": etag_of(body)}
    if matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="text/html; charset=utf-8", headers=headers)


for _route, _name in PAGES.items():
    router.add_api_route(
        _route,
        _page,
        methods=["GET"],
        summary=f"画面 / Web page ({_name})",
        dependencies=[permit(Action.public_read)],
    )


@router.get(
    "/assets/{name:path}",
    summary="画面の部品 / Built web assets",
    dependencies=[permit(Action.public_read)],
)
def asset(request: Request, name: str) -> Response:
    missing = Refused(f"{name[:100]} はありません。", f"no asset {name[:100]!r}", status=404)
    # Built names are short; a longer one is not ours (and the file system would refuse it).
    if len(name) > ASSET_NAME_MAX:
        raise missing
    root = (dist_dir() / "assets").resolve()
    path = (root / name).resolve()
    # Only files inside assets/, never a precompressed copy asked for by name.
    if not path.is_relative_to(root) or not path.is_file() or path.suffix in (".br", ".gz"):
        raise missing
    return _serve(request, path, IMMUTABLE)
