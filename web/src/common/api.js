// One way for every page to call machimap: same-origin fetch, the CSRF header on writes,
// and problem+json errors turned into an ApiError whose message is in the page's language.
import { lang, t } from "./i18n.js";

/** A problem+json body's explanation in the page's current language (a page that keeps an
 * error across a language switch asks again). */
export function problemMessage(problem) {
  return lang() === "ja"
    ? problem.detail_ja || problem.title_ja || problem.detail
    : problem.detail || problem.title;
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem ? problemMessage(problem) : t("error.unexpected"));
    this.status = status;
    this.problem = problem;
  }
}

export class NetworkError extends Error {
  constructor() {
    super(t("error.network"));
  }
}

function cookie(name) {
  for (const part of document.cookie.split(";")) {
    const [key, ...value] = part.trim().split("=");
    if (key === name) return decodeURIComponent(value.join("="));
  }
  return null;
}

async function send(method, url, { json, form, headers = {}, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, signal };
  init.credentials = "same-origin";
  if (method !== "GET" && method !== "HEAD") {
    const csrf = cookie("mm_csrf");
    if (csrf) init.headers["X-CSRF-Token"] = csrf;
  }
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    init.body = form; // FormData: the browser sets the multipart boundary
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch (error) {
    if (error.name === "AbortError") throw error;
    throw new NetworkError();
  }
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  const body = type.includes("json") ? await response.json() : await response.text();
  if (!response.ok) throw new ApiError(response.status, typeof body === "object" ? body : null);
  return body;
}

export const api = {
  get: (url, options) => send("GET", url, options),
  post: (url, options) => send("POST", url, options),
  patch: (url, options) => send("PATCH", url, options),
  put: (url, options) => send("PUT", url, options),
  delete: (url, options) => send("DELETE", url, options),
};

/** The signed-in account ({id, email, role, department, ...}), or null for the public.
 * /auth/session always answers 200, so asking leaves no refused request in the console. */
export async function whoAmI() {
  const { account } = await api.get("/auth/session");
  return account;
}

const loaded = new Map();

/** The promise of `load()`, made once per visit under `key` (lists the server owns change
 * between releases, not while a page is open). A failed load is tried again next time. */
export function once(key, load) {
  if (!loaded.has(key)) {
    loaded.set(
      key,
      load().catch((error) => {
        loaded.delete(key);
        throw error;
      }),
    );
  }
  return loaded.get(key);
}
