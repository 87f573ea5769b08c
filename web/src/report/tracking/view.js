// The report as the API gave it to this caller: reference, category with its symbol, the
// status as steps, what was sent and where, the history and the photos. Times are the
// city's (Asia/Tokyo) whatever the device's zone, each with its ISO value in <time>.
import { h } from "../../common/dom.js";
import { dataName, formatDateTime, formatNumber, pick, t, tOr } from "../../common/i18n.js";
import { describePoint, placeSentence } from "../../common/places.js";
import { symbolFor, symbolSvg } from "../../common/symbols.js";
import { progressSteps } from "./steps.js";
import { withToken } from "./state.js";

function time(value) {
  return h("time", { datetime: value }, formatDateTime(value));
}

function statusName(view) {
  return tOr(`status.${view.status}`, pick(view.status_label));
}

/** The category's symbol as the report flow draws it: its place in the city's list picks
 * the shape a category without a fixed icon gets. */
function categorySymbol(category, categories) {
  const index = Math.max(categories.findIndex((c) => c.code === category.code), 0);
  return symbolSvg(symbolFor(category.icon, index), 28);
}

function facts(view, categories) {
  const row = (label, ...value) => [h("dt", {}, label), h("dd", {}, ...value)];
  return h(
    "dl",
    { class: "tracking-facts" },
    row(t("tracking.reference"), h("strong", { class: "public-id" }, view.public_id)),
    row(
      t("tracking.category"),
      h("span", { class: "tracking-symbol", html: categorySymbol(view.category, categories) }),
      " ",
      dataName({ ja: view.category.name_ja, en: view.category.name_en }),
    ),
    row(t("tracking.sent_at"), time(view.created_at)),
    row(t("tracking.updated_at"), time(view.updated_at)),
    view.responsible_party ? row(t("tracking.responsible"), view.responsible_party) : null,
  );
}

function statusSection(view) {
  return h(
    "section",
    { class: "tracking-status", "aria-labelledby": "status-heading" },
    h(
      "h2",
      { id: "status-heading" },
      t("tracking.status"),
      h("span", { class: "status-now" }, statusName(view)),
    ),
    progressSteps(view),
    view.duplicate_of ? h("p", {}, duplicateLink(view.duplicate_of)) : null,
    view.supporter_count > 0
      ? h(
          "p",
          { class: "supporters" },
          t("tracking.supporters", {
            n: formatNumber(view.supporter_count),
            count: view.supporter_count,
          }),
        )
      : null,
  );
}

function duplicateLink(id) {
  // The sentence around the link comes from the catalogue; the link is the reference.
  const [before, after] = t("tracking.duplicate_of", { id: "\u0000" }).split("\u0000");
  return [before, h("a", { href: `/reports/${encodeURIComponent(id)}` }, id), after];
}

function descriptionSection(view) {
  const text = view.description ?? view.public_description;
  return h(
    "section",
    { "aria-labelledby": "description-heading" },
    h("h2", { id: "description-heading" }, t("tracking.description")),
    h("p", { class: "pre" }, text || t("tracking.no_description")),
  );
}

function placeSection(view) {
  const district = view.district ? pick({ ja: view.district.name, en: view.district.name_en }) : "";
  const point = view.geometry?.type === "Point" ? view.geometry.coordinates : null;
  const fixed = (value) => formatNumber(value, { minimumFractionDigits: 5, maximumFractionDigits: 5 });
  return h(
    "section",
    { "aria-labelledby": "place-heading" },
    h("h2", { id: "place-heading" }, t("tracking.place")),
    whereInWords(point, district ? placeName(district) : t("tracking.place_unknown")),
    point
      ? h(
          "p",
          { class: "meta" },
          t("tracking.coordinates", { lat: fixed(point[1]), lon: fixed(point[0]) }),
        )
      : null,
    point
      ? h(
          "p",
          {},
          h(
            "a",
            { href: `/?map=17.00/${point[1].toFixed(5)}/${point[0].toFixed(5)}` },
            t("tracking.place_map"),
          ),
        )
      : null,
  );
}

/** The place in words a resident knows (its 町丁目 and the nearest named place), once the
 * lookup answers; the district until then, or if it cannot. */
function whereInWords(point, fallback) {
  const where = h("p", {}, fallback);
  if (point) {
    describePoint({ lon: point[0], lat: point[1] })
      .then((description) => {
        const words = placeSentence(description);
        if (words.length) where.replaceChildren(...words);
      })
      .catch(() => {});
  }
  return where;
}

function placeName(district) {
  // District names are Japanese data: marked so an English voice reads them as Japanese.
  const [before, after] = t("tracking.place_district", { district: "\u0000" }).split("\u0000");
  return [before, h("span", { lang: "ja" }, district), after];
}

function historySection(view, reporter) {
  const items = [...view.history].reverse(); // newest first: what changed last is read first
  return h(
    "section",
    { "aria-labelledby": "history-heading" },
    h("h2", { id: "history-heading" }, t("tracking.history")),
    items.length
      ? h(
          "ol",
          { class: "tracking-history", reversed: true },
          items.map((item) =>
            h(
              "li",
              {},
              h(
                "p",
                { class: "history-head" },
                time(item.at),
                " ",
                h("strong", {}, tOr(`status.${item.to}`, pick(item.label))),
                item.by_reporter
                  ? h(
                      "span",
                      { class: "by-reporter" },
                      t(reporter ? "tracking.by_reporter" : "tracking.by_reporter_public"),
                    )
                  : null,
              ),
              item.public_comment ? h("p", { class: "history-comment pre", lang: "ja" }, item.public_comment) : null,
            ),
          ),
        )
      : h("p", {}, t("tracking.history_empty")),
  );
}

function photosSection(view, reporter) {
  return h(
    "section",
    { "aria-labelledby": "photos-heading" },
    h("h2", { id: "photos-heading" }, t("tracking.photos")),
    view.photos.length
      ? h(
          "ul",
          { class: "thumbs tracking-photos" },
          view.photos.map((photo, i) =>
            h(
              "li",
              {},
              h(
                "a",
                { href: withToken(photo.url) },
                h("img", {
                  src: withToken(photo.thumbnail_url),
                  alt: t("tracking.photo_alt", { n: i + 1 }),
                  width: 160,
                  loading: "lazy",
                }),
              ),
              reporter && !photo.published
                ? h("span", { class: "meta" }, t("tracking.photo_not_public"))
                : null,
            ),
          ),
        )
      : h("p", {}, t("tracking.no_photos")),
  );
}

/** Everything but the actions, which actions.js adds where the caller may act. */
export function reportView(view, categories) {
  const reporter = view.description !== undefined && view.department === undefined;
  return [
    reporter ? h("p", { class: "notice" }, t("tracking.reporter_note")) : null,
    facts(view, categories),
    statusSection(view),
    descriptionSection(view),
    placeSection(view),
    historySection(view, reporter),
    photosSection(view, reporter),
  ];
}
