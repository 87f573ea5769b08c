// Plain-text helpers for what residents wrote.

/** The text on one line, cut at `length` characters (lists show the start of a report). */
export function excerpt(text, length = 60) {
  const clean = (text || "").replace(/\s+/g, " ").trim();
  return clean.length > length ? `${clean.slice(0, length)}…` : clean;
}
