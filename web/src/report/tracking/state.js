// The report this page shows and who is looking: the reference from the address, the
// tracking token the reporter's link carries (?token=), and the last answer of the API.

const PATH = /^\/reports\/([^/]+)\/?$/;

function fromAddress() {
  const match = PATH.exec(location.pathname);
  return {
    publicId: match ? decodeURIComponent(match[1]) : "",
    token: new URLSearchParams(location.search).get("token") || "",
  };
}

export const state = {
  ...fromAddress(),
  view: null, // GET /api/reports/{id} as this caller may see it
  loadError: null,
  // The last thing an action said: {action, key, params} or {action, error}.
  outcome: null,
  busy: null, // the action being sent
  chosen: [], // photos chosen, not yet sent
};

/** The header that makes the API answer as the reporter; nothing for the public. */
export function tokenHeaders() {
  return state.token ? { "X-Tracking-Token": state.token } : {};
}

/** A photo's address as this caller may fetch it (an <img> cannot send a header). */
export function withToken(url) {
  return state.token && state.view?.description !== undefined
    ? `${url}?token=${encodeURIComponent(state.token)}`
    : url;
}

export function reportPath(suffix = "") {
  return `/api/reports/${encodeURIComponent(state.publicId)}${suffix}`;
}
