// The catalogues agree: every page's Japanese and English have the same keys, and every
// other language (src/messages/<lang>/<page>.js) has exactly Japanese's keys, the same
// {placeholders}, an "other" plural form and only forms its plural rules know, nothing empty.
// Prints each language's review state (meta.reviewed); a missing key fails the build.
import { existsSync, readdirSync, statSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dir = resolve(import.meta.dirname, "..", "src", "messages");
// Intl's name for each language's plural rules.
const LOCALES = { "ja-easy": "ja", pt: "pt-BR", tl: "fil", zh: "zh-Hans", vi: "vi" };
const PLACEHOLDER = /\{(\w+)\}/g;
let problems = 0;
const problem = (text) => {
  problems++;
  console.error(text);
};
const load = async (path) => import(pathToFileURL(path).href);

function forms(text) {
  return typeof text === "object" && text !== null ? text : { other: text };
}

function placeholders(text) {
  const names = new Set();
  for (const words of Object.values(forms(text)))
    for (const [, name] of String(words).matchAll(PLACEHOLDER)) names.add(name);
  return [...names].sort().join(",");
}

function checkMessages(where, messages, allowedForms) {
  for (const [key, text] of Object.entries(messages)) {
    const all = forms(text);
    if (!("other" in all)) problem(`${where} ${key} has no "other" form`);
    for (const [form, words] of Object.entries(all)) {
      if (allowedForms && !allowedForms.includes(form))
        problem(`${where} ${key} has a "${form}" form its language does not use`);
      if (!String(words).trim()) problem(`${where} ${key} ${form} is empty`);
    }
  }
}

const pages = {};
for (const name of readdirSync(dir).filter((n) => n.endsWith(".js"))) {
  const { default: messages } = await load(resolve(dir, name));
  pages[name] = messages;
  const ja = Object.keys(messages.ja);
  const en = new Set(Object.keys(messages.en));
  for (const key of ja) if (!en.has(key)) problem(`${name}: ${key} has no English`);
  for (const key of en) if (!messages.ja[key]) problem(`${name}: ${key} has no Japanese`);
  for (const lang of ["ja", "en"]) checkMessages(`${name}: ${lang}`, messages[lang]);
}

const languages = readdirSync(dir).filter((n) => statSync(resolve(dir, n)).isDirectory());
// A page one language translates, every language translates.
const covered = new Set(
  languages.flatMap((lang) => readdirSync(resolve(dir, lang)).filter((n) => n.endsWith(".js"))),
);
for (const lang of languages.sort()) {
  const plural = new Intl.PluralRules(LOCALES[lang] || lang).resolvedOptions().pluralCategories;
  const states = [];
  for (const name of covered) {
    const path = resolve(dir, lang, name);
    if (!pages[name]) {
      problem(`${lang}/${name}: no ${name} catalogue in Japanese to translate`);
      continue;
    }
    if (!existsSync(path)) {
      problem(`${lang}/${name} is missing`);
      continue;
    }
    const { default: messages, meta } = await load(path);
    const ja = pages[name].ja;
    for (const key of Object.keys(ja))
      if (!(key in messages)) problem(`${lang}/${name}: ${key} is missing`);
      else if (placeholders(messages[key]) !== placeholders(ja[key]))
        problem(`${lang}/${name}: ${key} has {${placeholders(messages[key])}}, Japanese {${placeholders(ja[key])}}`);
    for (const key of Object.keys(messages))
      if (!(key in ja)) problem(`${lang}/${name}: ${key} is not in Japanese`);
    checkMessages(`${lang}/${name}:`, messages, plural);
    states.push(`${name} ${meta?.reviewed ? "reviewed" : "DRAFT, not yet checked by a native speaker"}`);
  }
  console.log(`message catalogues: ${lang}: ${states.join("; ")}`);
}
const others = Object.keys(pages).filter((name) => !covered.has(name));
if (problems) process.exit(1);
console.log(
  `message catalogues: ja and en match; ${languages.join(", ")} match Japanese` +
    (others.length ? ` (${others.join(", ")}: Japanese and English only)` : ""),
);
