// Every catalogue has the same keys in Japanese and English, and no empty message.
import { readdirSync } from "node:fs";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";

const dir = resolve(import.meta.dirname, "..", "src", "messages");
let problems = 0;
for (const name of readdirSync(dir).filter((n) => n.endsWith(".js"))) {
  const { default: messages } = await import(pathToFileURL(resolve(dir, name)).href);
  const ja = Object.keys(messages.ja);
  const en = new Set(Object.keys(messages.en));
  for (const key of ja) if (!en.has(key)) (problems++, console.error(`${name}: ${key} has no English`));
  for (const key of en) if (!messages.ja[key]) (problems++, console.error(`${name}: ${key} has no Japanese`));
  for (const lang of ["ja", "en"])
    for (const [key, text] of Object.entries(messages[lang])) {
      // Plural forms ({ one, other }, chosen by Intl.PluralRules): "other" is required.
      const forms = typeof text === "object" ? text : { other: text };
      if (!("other" in forms)) (problems++, console.error(`${name}: ${lang} ${key} has no "other" form`));
      for (const [form, words] of Object.entries(forms))
        if (!String(words).trim()) (problems++, console.error(`${name}: ${lang} ${key} ${form} is empty`));
    }
}
if (problems) process.exit(1);
console.log("message catalogues: ja and en match");
