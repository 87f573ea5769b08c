// Japanese first, English by a switch. Every string a page shows comes from a catalogue
// (src/messages/*.js: { ja: {...}, en: {...} }); pages register theirs with addMessages().
// The language is chosen by ?lang=, then the last choice on this device, then Japanese.
import common from "../messages/common.js";

export const LANGUAGES = ["ja", "en"];
const STORE_KEY = "machimap.lang";
const catalogue = { ja: {}, en: {} };
const listeners = new Set();

export function addMessages(messages) {
  for (const lang of LANGUAGES) Object.assign(catalogue[lang], messages[lang]);
}
addMessages(common);

function initialLanguage() {
  const asked = new URLSearchParams(location.search).get("lang");
  if (LANGUAGES.includes(asked)) return asked;
  try {
    const stored = localStorage.getItem(STORE_KEY);
    if (LANGUAGES.includes(stored)) return stored;
  } catch {
    // Storage can be disabled; Japanese is then the default every time.
  }
  return "ja";
}

let current = initialLanguage();

export function lang() {
  return current;
}

/** The message for key in the current language, with {name} placeholders filled in. A
 * message with plural forms ({ one, other }) is chosen by params.count with the language's
 * plural rules ("1 person", "2 people"). */
export function t(key, params = {}) {
  let text = catalogue[current][key] ?? catalogue.ja[key];
  if (text === undefined) {
    console.warn(`missing message: ${key}`);
    return key;
  }
  if (typeof text === "object") {
    const form = new Intl.PluralRules(current).select(Number(params.count ?? 0));
    text = text[form] ?? text.other;
  }
  return text.replace(/\{(\w+)\}/g, (whole, name) =>
    name in params ? String(params[name]) : whole,
  );
}

/** The message for key, or `fallback` where no catalogue has one: names the server owns
 * (a status added there before the catalogues know it) still read as something. */
export function tOr(key, fallback) {
  return key in catalogue[current] || key in catalogue.ja ? t(key) : fallback;
}

/** A {ja, en} pair (as the API gives titles) in the current language. */
export function pick(pair) {
  if (pair == null) return "";
  if (typeof pair === "string") return pair;
  return pair[current] || pair.ja || pair.en || "";
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(current === "ja" ? "ja-JP" : "en-GB", options).format(value);
}

export function formatDate(value, options = { dateStyle: "medium" }) {
  if (!value) return "";
  const date = value instanceof Date ? value : new Date(value);
  return new Intl.DateTimeFormat(current === "ja" ? "ja-JP" : "en-GB", {
    timeZone: "Asia/Tokyo",
    ...options,
  }).format(date);
}

export function formatDateTime(value) {
  return formatDate(value, { dateStyle: "medium", timeStyle: "short" });
}

/** Fills every [data-i18n] (text), [data-i18n-label] (aria-label), [data-i18n-placeholder]
 * and [data-i18n-title] under root from the catalogue. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of root.querySelectorAll("[data-i18n-label]"))
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]"))
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  for (const el of root.querySelectorAll("[data-i18n-title]"))
    el.setAttribute("title", t(el.dataset.i18nTitle));
}

export function setLanguage(next) {
  if (!LANGUAGES.includes(next) || next === current) return;
  current = next;
  try {
    localStorage.setItem(STORE_KEY, next);
  } catch {
    // Not remembered on this device; the URL still carries it.
  }
  const url = new URL(location.href);
  url.searchParams.set("lang", next);
  history.replaceState(history.state, "", url);
  applyDocumentLanguage();
  for (const listener of listeners) listener(next);
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}

function applyDocumentLanguage() {
  document.documentElement.lang = current;
  translate();
  if (document.body?.dataset.titleKey) document.title = t(document.body.dataset.titleKey);
  for (const button of document.querySelectorAll("[data-lang-switch]")) {
    const other = current === "ja" ? "en" : "ja";
    button.textContent = t("lang.switch");
    button.setAttribute("lang", other);
    button.setAttribute("aria-label", t("lang.switch_label"));
  }
}

/** Wires the header's language button and translates the static page. */
export function initLanguage() {
  for (const button of document.querySelectorAll("[data-lang-switch]")) {
    button.addEventListener("click", () => setLanguage(current === "ja" ? "en" : "ja"));
  }
  applyDocumentLanguage();
}
