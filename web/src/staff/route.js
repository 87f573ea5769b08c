// The view lives in the URL's hash (#/queue?…, #/reports/ID, #/figures?…), so every view
// has its own address and Back works; ?lang= stays in the query, where i18n.js keeps it.

let lastQueueHash = "#/queue";

/** The parsed hash: {view, id, params}. */
export function currentRoute() {
  const hash = location.hash.startsWith("#/") ? location.hash : "#/queue";
  const [path, query = ""] = hash.slice(1).split("?");
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "reports" && parts[1]) {
    return { view: "detail", id: decodeURIComponent(parts[1]), params };
  }
  if (parts[0] === "figures") return { view: "figures", params };
  if (parts[0] === "school-routes") return { view: "school-routes", params };
  if (parts[0] === "coverage") return { view: "coverage", params };
  if (parts[0] === "inspections" && parts[1] === "new") return { view: "inspection-new", params };
  if (parts[0] === "inspections" && parts[1]) {
    return { view: "inspection", id: decodeURIComponent(parts[1]), params };
  }
  if (parts[0] === "inspections") return { view: "inspections", params };
  if (parts[0] === "register" && parts[1] === "buildings" && parts[2]) {
    return { view: "register-building", id: decodeURIComponent(parts[2]), params };
  }
  if (parts[0] === "register") return { view: "register", params };
  if (parts[0] === "planning") return { view: "planning", tab: parts[1] || "projection", params };
  return { view: "queue", params };
}

export function hashFor(view, params) {
  const query = params ? params.toString() : "";
  return `#/${view}${query ? `?${query}` : ""}`;
}

export function reportHash(publicId) {
  return `#/reports/${encodeURIComponent(publicId)}`;
}

/** Where "back to the queue" goes: the last queue looked at, filters and all. */
export function queueHash() {
  return lastQueueHash;
}

export function rememberQueue(hash) {
  lastQueueHash = hash || "#/queue";
}

/** Changes the URL without a new history entry or a re-render (filters as they change). */
export function replaceHash(hash) {
  history.replaceState(history.state, "", `${location.pathname}${location.search}${hash}`);
  if (currentRoute().view === "queue") rememberQueue(hash);
}
