// Every string a page shows comes from a catalogue. Japanese and English are inline
// (src/messages/<page>.js: { ja: {...}, en: {...} }, registered with addMessages()); the
// residents' other languages are data of their own (src/messages/<lang>/<page>.js, each
// with `meta.reviewed`), fetched only when chosen, so a page never carries all seven.
// The language is chosen by ?lang=, then the last choice on this device, then Japanese,
// among those the page offers: the resident pages learn the city's set from the
// <meta name="machimap-languages"> the server writes; other pages offer Japanese and English.
//
// やさしい日本語 writes readings as {漢字|かんじ}: elements get <ruby>, plain text (attributes,
// the title) keeps the kanji, so what a screen reader or voice control names is what is seen.
import common from "../messages/common.js";

/** How each language is named in its own words and told to the browser. ja-easy is read as
 * Japanese by screen readers, so its document language stays "ja". */
export const LANGUAGE_INFO = {
  ja: { html: "ja", locale: "ja-JP", name: "日本語" },
  "ja-easy": { html: "ja", locale: "ja-JP", name: "やさしい にほんご" },
  en: { html: "en", locale: "en-GB", name: "English" },
  pt: { html: "pt-BR", locale: "pt-BR", name: "Português" },
  tl: { html: "tl", locale: "fil-PH", name: "Tagalog" },
  zh: { html: "zh-Hans", locale: "zh-Hans-CN", name: "简体中文" },
  vi: { html: "vi", locale: "vi-VN", name: "Tiếng Việt" },
};

function offeredLanguages() {
  const tag = document.querySelector('meta[name="machimap-languages"]');
  const listed = (tag?.content || "").split(/\s+/).filter((code) => code in LANGUAGE_INFO);
  return listed.includes("ja") ? listed : ["ja", "en"];
}

export const LANGUAGES = offeredLanguages();
const STORE_KEY = "machimap.lang";
const catalogue = Object.fromEntries(LANGUAGES.map((code) => [code, {}]));
// Whether each loaded catalogue has been checked by a native speaker (ja and en are ours).
const reviewed = { ja: true, en: true };
const listeners = new Set();
// Lazy: each is a function importing one catalogue file, by path.
const LOADERS = import.meta.glob("../messages/*/*.js");

export function addMessages(messages) {
  for (const code of ["ja", "en"]) if (catalogue[code]) Object.assign(catalogue[code], messages[code]);
  // Code that asks a page's catalogue by lang() (`key in messages[lang()]`) finds the
  // loaded language's messages there too; tOr() is the better way to ask.
  for (const code of LANGUAGES) if (!(code in messages)) messages[code] = catalogue[code];
}
addMessages(common);

/** Loads the language's catalogues for this page (common and those <body data-messages>
 * names), once. */
async function load(code) {
  if (code === "ja" || code === "en" || reviewed[code] !== undefined) return;
  const pages = ["common", ...(document.body?.dataset.messages || "").split(/\s+/)];
  let allReviewed = true;
  for (const page of pages.filter(Boolean)) {
    const loader = LOADERS[`../messages/${code}/${page}.js`];
    if (!loader) continue;
    const module = await loader();
    Object.assign(catalogue[code], module.default);
    if (!module.meta?.reviewed) allReviewed = false;
  }
  reviewed[code] = allReviewed;
}

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
try {
  await load(current);
} catch {
  current = "ja"; // the catalogue could not be fetched (offline on a first visit)
}

export function lang() {
  return current;
}

/** The BCP 47 tag for Intl (numbers, dates, plural rules) in the current language. */
export function locale() {
  return LANGUAGE_INFO[current]?.locale || "ja-JP";
}

function message(key, params) {
  let text = catalogue[current]?.[key] ?? catalogue.ja[key];
  if (text === undefined) {
    console.warn(`missing message: ${key}`);
    return key;
  }
  if (typeof text === "object") {
    const form = new Intl.PluralRules(locale()).select(Number(params.count ?? 0));
    text = text[form] ?? text.other;
  }
  return text;
}

// {name} is a placeholder; {漢字|かんじ} a word with its reading.
const MARKUP = /\{(\w+)\}|\{([^{}|]+)\|([^{}]+)\}/g;

/** The message for key in the current language as plain text, with {name} placeholders
 * filled in and readings dropped (for attributes, the title, text joined into a string).
 * A message with plural forms ({ one, other }) is chosen by params.count with
 * the language's plural rules ("1 person", "2 people"). */
export function t(key, params = {}) {
  return message(key, params).replace(MARKUP, (whole, name, base) =>
    name ? (name in params ? String(params[name]) : whole) : base,
  );
}

/** The same message as nodes, for pages building elements: readings become <ruby>, and a
 * parameter may be a node (a name from the data in lang="ja", see nameElement). */
export function tx(key, params = {}) {
  const text = message(key, params);
  const out = document.createDocumentFragment();
  let at = 0;
  for (const match of text.matchAll(MARKUP)) {
    out.append(text.slice(at, match.index));
    const [whole, name, base, reading] = match;
    if (name) {
      const value = name in params ? params[name] : whole;
      out.append(value instanceof Node ? value : String(value));
    } else out.append(ruby(base, reading));
    at = match.index + whole.length;
  }
  out.append(text.slice(at));
  return out;
}

function ruby(base, reading) {
  const el = document.createElement("ruby");
  const rt = document.createElement("rt");
  rt.textContent = reading;
  // Read once: Japanese voices say the kanji right, and a name heard twice ("地図 ちず")
  // would not match what voice control users see and say.
  rt.setAttribute("aria-hidden", "true");
  el.append(base, rt);
  return el;
}

// Furigana are hiragana (children learn them first); the data's kana are often katakana.
function hiragana(kana) {
  return kana.replace(/[\u30a1-\u30f6]/g, (ch) => String.fromCharCode(ch.charCodeAt(0) - 0x60));
}

/** A name from the data (Japanese): <span lang="ja"> so other languages' voices read it as
 * Japanese, and in やさしい日本語 with its reading (the data's name_kana) as <ruby>. */
export function nameElement(name, kana) {
  const span = document.createElement("span");
  span.lang = "ja";
  const reading = kana ? hiragana(kana.trim()) : "";
  if (current === "ja-easy" && reading && reading !== name) span.append(ruby(name, reading));
  else span.textContent = name ?? "";
  return span;
}

/** A name the data gives in Japanese and perhaps English ({ja, en}): the English one on the
 * English page, else the Japanese one as nameElement. */
export function dataName(pair, kana) {
  if (pair == null) return "";
  if (typeof pair === "string") return nameElement(pair, kana);
  if (current === "en" && pair.en) return pair.en;
  return nameElement(pair.ja || pair.en || "", kana);
}

/** The message for key, or `fallback` where no catalogue has one: names the server owns
 * (a status added there before the catalogues know it) still read as something. */
export function tOr(key, fallback) {
  return key in (catalogue[current] || {}) || key in catalogue.ja ? t(key) : fallback;
}

/** A {ja, en} pair (as the API gives titles) in the current language; Japanese where the
 * data has nothing in it. */
export function pick(pair) {
  if (pair == null) return "";
  if (typeof pair === "string") return pair;
  return pair[current] || pair.ja || pair.en || "";
}

export function formatNumber(value, options = {}) {
  return new Intl.NumberFormat(locale(), options).format(value);
}

export function formatDate(value, options = { dateStyle: "medium" }) {
  if (!value) return "";
  const date = value instanceof Date ? value : new Date(value);
  return new Intl.DateTimeFormat(locale(), { timeZone: "Asia/Tokyo", ...options }).format(date);
}

export function formatDateTime(value) {
  return formatDate(value, { dateStyle: "medium", timeStyle: "short" });
}

/** Fills every [data-i18n] (text, with readings), [data-i18n-label] (aria-label),
 * [data-i18n-placeholder] and [data-i18n-title] under root from the catalogue. */
export function translate(root = document) {
  for (const el of root.querySelectorAll("[data-i18n]")) el.replaceChildren(tx(el.dataset.i18n));
  for (const el of root.querySelectorAll("[data-i18n-label]"))
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  for (const el of root.querySelectorAll("[data-i18n-placeholder]"))
    el.setAttribute("placeholder", t(el.dataset.i18nPlaceholder));
  for (const el of root.querySelectorAll("[data-i18n-title]"))
    el.setAttribute("title", t(el.dataset.i18nTitle));
}

export async function setLanguage(next) {
  if (!LANGUAGES.includes(next) || next === current) return;
  try {
    await load(next);
  } catch {
    applyDocumentLanguage(); // not reachable now: the menu goes back to the language shown
    return;
  }
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

/** A catalogue not yet checked by a native speaker says so, in its language and Japanese. */
function reviewNotice() {
  let notice = document.getElementById("lang-notice");
  if (reviewed[current] !== false) {
    notice?.remove();
    return;
  }
  if (!notice) {
    notice = document.createElement("p");
    notice.id = "lang-notice";
    notice.className = "lang-notice";
    document.querySelector(".site-header")?.after(notice);
  }
  const own = document.createElement("span");
  own.lang = LANGUAGE_INFO[current].html;
  own.append(tx("lang.unreviewed"));
  const japanese = document.createElement("span");
  japanese.lang = "ja";
  japanese.textContent = catalogue.ja["lang.unreviewed"];
  notice.replaceChildren(own, current === "ja-easy" ? "" : " ", current === "ja-easy" ? "" : japanese);
}

function applyDocumentLanguage() {
  document.documentElement.lang = LANGUAGE_INFO[current].html;
  translate();
  if (document.body?.dataset.titleKey) document.title = t(document.body.dataset.titleKey);
  for (const menu of document.querySelectorAll("select[data-lang-menu]")) menu.value = current;
  reviewNotice();
  for (const button of document.querySelectorAll("[data-lang-switch]")) {
    const other = current === "ja" ? "en" : "ja";
    button.textContent = t("lang.switch");
    button.setAttribute("lang", other);
    button.setAttribute("aria-label", t("lang.switch_label"));
  }
}

/** Each offered language named in its own words and marked with its own lang. */
function fillMenu(menu) {
  menu.replaceChildren(
    ...LANGUAGES.map((code) => {
      const option = document.createElement("option");
      option.value = code;
      option.lang = LANGUAGE_INFO[code].html;
      option.textContent = LANGUAGE_INFO[code].name;
      return option;
    }),
  );
  menu.addEventListener("change", () => setLanguage(menu.value));
}

/** Wires the header's language menu (resident pages) or button (ja/en pages) and
 * translates the static page. */
export function initLanguage() {
  for (const menu of document.querySelectorAll("select[data-lang-menu]")) fillMenu(menu);
  for (const button of document.querySelectorAll("[data-lang-switch]")) {
    button.addEventListener("click", () => setLanguage(current === "ja" ? "en" : "ja"));
  }
  applyDocumentLanguage();
}
