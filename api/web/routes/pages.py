"""The web pages: the public map at `/`, the report flow at `/report`, the staff pages at
`/staff` and the community groups' pages at `/groups`, `/groups/{id}` and `/groups/{id}/walk`
(with its service worker at `/groups/walk-sw.js`) and an inspection's page at
`/inspections/{id}`, built by Vite into
web/dist (see web/README.md).

Assets carry a content hash in their names, so they are cached for a year as immutable; the
pages themselves are revalidated on every visit so a new build reaches people at once. Both
are served from the gzip and brotli copies made at build time (api/web/assets.py). The
tracking page (/reports/{id}) is built here too but served by the reports router, which
decides who may open it."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.params import PathId
from api.permissions import permit
from api.web.assets import IMMUTABLE, built_page, dist_dir, entry, serve_built
from layers.policy import Action
from layers.store.refusals import Refused

router = APIRouter(tags=["web"], include_in_schema=False)

PAGES = {
    "/": "index.html",
    "/report": "report.html",
    "/staff": "staff.html",
    "/groups": "groups.html",
}
ASSET_NAME_MAX = 200


def _page(request: Request) -> Response:
    return built_page(request, PAGES[request.url.path], "no-cache")


for _route, _name in PAGES.items():
    router.add_api_route(
        _route,
        _page,
        methods=["GET"],
        summary=f"画面 / Web page ({_name})",
        dependencies=[permit(Action.public_read)],
    )


@router.get(
    "/staff/planning",
    summary="施設計画 / Renewal planning (the staff page's planning view)",
    dependencies=[permit(Action.public_read)],
)
def staff_planning(request: Request) -> Response:
    # The staff page keeps its views in the hash; this address is the one plans and papers
    # quote. The query (?lang=) goes along.
    query = f"?{request.url.query}" if request.url.query else ""
    return RedirectResponse(f"/staff{query}#/planning", status_code=308)


# A safety map's editor and its public page are one built page; the API decides what the
# caller may read of the map, so the page itself is anyone's.
SAFETY_MAP_PAGE = "safety-map.html"
WALK_WORKER = "src/groups/walks/sw.js"
INSPECTION_PAGE = "inspection.html"


@router.get(
    "/groups/{group_id}/maps/{map_id}",
    summary="安全マップの編集 / Safety map editor",
    dependencies=[permit(Action.public_read)],
)
def safety_map_editor(request: Request, group_id: PathId, map_id: PathId) -> Response:
    return built_page(request, SAFETY_MAP_PAGE, "no-cache")


@router.get(
    "/safety-maps/{map_id}",
    summary="公開された安全マップ / A published safety map",
    dependencies=[permit(Action.public_read)],
)
def safety_map_public(request: Request, map_id: PathId) -> Response:
    return built_page(request, SAFETY_MAP_PAGE, "no-cache")


@router.get(
    "/inspections/{inspection_id}",
    summary="点検結果 / An inspection's page",
    dependencies=[permit(Action.public_read)],
)
def inspection_page(request: Request, inspection_id: PathId) -> Response:
    # The page holds nothing of the inspection: its script reads GET /api/inspections/{id},
    # which decides what the caller sees (findings and photos once released).
    return built_page(request, INSPECTION_PAGE, "no-cache")


@router.get(
    "/groups/walk-sw.js",
    summary="記録ページのサービスワーカー / The walk page's service worker",
    dependencies=[permit(Action.public_read)],
)
def walk_service_worker(request: Request) -> Response:
    # Served under /groups/ (not /assets/) so its scope may cover /groups/{id}/walk, and
    # revalidated on every visit like a page, so a new build replaces the old worker.
    built = entry(WALK_WORKER)
    if built is None:
        raise Refused("画面がまだビルドされていません。", "the web pages are not built", status=503)
    return serve_built(request, dist_dir() / built.script.lstrip("/"), "no-cache")


@router.get(
    "/groups/{group_id}/walk",
    summary="パトロールの記録 / Recording a walk",
    dependencies=[permit(Action.public_read)],
)
def walk_page(request: Request, group_id: PathId) -> Response:
    # As the group page: the script asks the API as the caller (members only record).
    return built_page(request, "walk.html", "no-cache")


@router.get(
    "/groups/{group_id}",
    summary="グループのページ / A group's page",
    dependencies=[permit(Action.public_read)],
)
def group_page(request: Request, group_id: PathId) -> Response:
    # The page holds nothing of the group: its script asks the API as the caller, so an
    # unknown group still gets the page, which then says the API's "not found".
    return built_page(request, "groups.html", "no-cache")


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
    return serve_built(request, path, IMMUTABLE)
