// A group's page: the 通学路合同点検 sites of the school the group belongs to (a PTA, a school
// class, its 見守り volunteers), read-only — where the school, the road authority and the
// police looked together and what each does there. The API decides what a caller sees: the
// group's members their school's sites, anyone else the published ones; with none to show,
// the section stays away.
import { api } from "../../common/api.js";
import { h, uid } from "../../common/dom.js";
import { addMessages, t, tx } from "../../common/i18n.js";
import messages from "../../messages/school-routes.js";
import "./group.css";

addMessages(messages);

const PARTIES = ["school", "road", "police"];

function measures(properties) {
  const items = PARTIES.filter((p) => properties.measures[p].measure || properties.measures[p].status).map(
    (party) => {
      const m = properties.measures[party];
      return h(
        "li",
        {},
        h("b", {}, tx(`srg.party.${party}`)),
        "：",
        m.measure || "",
        m.status ? [" （", tx(`srg.status.${m.status}`), "）"] : null,
      );
    },
  );
  return items.length ? h("ul", { class: "srg-measures" }, items) : "—";
}

/** The section for `groupId`, filled in once the sites are read (empty: it removes itself). */
export function schoolRoutesSection(groupId) {
  const headingId = uid("srg");
  const section = h(
    "section",
    { class: "group-section school-route-sites", "aria-labelledby": headingId, hidden: true },
    h("h2", { id: headingId }, tx("srg.heading")),
  );
  api
    .get(`/api/school-route-sites?group=${encodeURIComponent(groupId)}`)
    .then((collection) => {
      const features = collection.features;
      if (!features.length) {
        section.remove();
        return;
      }
      const captionId = uid("caption");
      const rows = features.map((f) => {
        const p = f.properties;
        return h(
          "tr",
          {},
          h("th", { scope: "row" }, p.number),
          h("td", { lang: "ja" }, p.school.name, h("br"), p.address || ""),
          h(
            "td",
            {},
            p.reasons.map((r, i) => [i ? "、" : "", tx(`srg.reason.${r}`)]),
          ),
          h("td", {}, measures(p)),
        );
      });
      section.append(
        h("p", {}, tx("srg.intro")),
        h("p", {}, tx("srg.count", { n: features.length })),
        h(
          "div",
          { class: "table-wrap", role: "region", "aria-labelledby": captionId, tabindex: "0" },
          h(
            "table",
            { class: "data" },
            h("caption", { id: captionId }, tx("srg.caption")),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["srg.col_number", "srg.col_place", "srg.col_reasons", "srg.col_measures"].map(
                  (key) => h("th", { scope: "col" }, tx(key)),
                ),
              ),
            ),
            h("tbody", {}, rows),
          ),
        ),
      );
      section.hidden = false;
    })
    .catch(() => section.remove()); // the rest of the page does not depend on it
  return section;
}
