// What the page knows: which map, whose page (the editor at /groups/{gid}/maps/{mid} or the
// public page at /safety-maps/{mid}), the map as the API gave it, and what is being done.
const editorPath = location.pathname.match(/^\/groups\/(\d+)\/maps\/(\d+)\/?$/);
const publicPath = location.pathname.match(/^\/safety-maps\/(\d+)\/?$/);

export const state = {
  mode: editorPath ? "editor" : "public",
  groupId: editorPath ? Number(editorPath[1]) : null,
  mapId: Number(editorPath ? editorPath[2] : publicPath?.[1]),
  map: null, // GET /api/safety-maps/{id}
  loadError: null,
  selected: null, // a place's id
  // The place being added or changed: {id?, version?, geometry, kind, detail, title, note, files}
  draft: null,
  // A drawing in progress: {type: "Point" | "LineString" | "Polygon", coords: [[lng, lat], ...]}
  drawing: null,
  moving: null, // {id, geometry} while a place is being moved
};

export const mapPath = () => `/api/safety-maps/${state.mapId}`;
export const featurePath = (id) => `${mapPath()}/features/${id}`;
export const photoPath = (id) => `${mapPath()}/photos/${id}`;

export function features() {
  return state.map?.feature_collection?.features ?? [];
}

export function featureById(id) {
  return features().find((f) => f.id === id) ?? null;
}

export function canEdit(feature) {
  return state.mode === "editor" && Boolean(feature?.properties?.can_edit);
}

export function canEditMap() {
  return state.mode === "editor" && Boolean(state.map?.can?.edit);
}

export function canPublish() {
  return state.mode === "editor" && Boolean(state.map?.can?.publish);
}

/** The If-Match value for a place (its version as the server's ETag). */
export function ifMatch(version) {
  return { "If-Match": `"${version}"` };
}

/** The version an ETag names ("3" or W/"3"). */
export function versionOf(etag) {
  const match = String(etag || "").match(/"?(\d+)"?$/);
  return match ? Number(match[1]) : null;
}
