// The group page's patrols (members only: patrols are the group's private data): the link
// to record a walk and the group's patrols, newest first, with the figures the server
// keeps (length, points, gaps, dropped fixes).
import { api } from "../../common/api.js";
import { h } from "../../common/dom.js";
import { formatDateTime, formatNumber, t } from "../../common/i18n.js";
import { gpxDownloadLink } from "../group/patrol_files.js";

export async function loadPatrols(groupId) {
  try {
    return (await api.get(`/api/groups/${groupId}/patrols?limit=20`)).patrols ?? [];
  } catch {
    return null;
  }
}

function patrolItem(p) {
  const track = p.track || {};
  const km = formatNumber(Number(p.route_length_m || 0) / 1000, { maximumFractionDigits: 2 });
  return h(
    "li",
    { class: "map-item" },
    h("h3", { lang: "ja" }, p.title),
    h(
      "p",
      { class: "hint" },
      `${t(`walk.kind.${p.kind}`)} · ${formatDateTime(p.started_at)}`,
    ),
    h(
      "p",
      {},
      t("walk.group_item", {
        km,
        points: formatNumber(track.points ?? 0),
        gaps: formatNumber(track.gaps ?? 0),
        observations: formatNumber(p.observation_count ?? 0),
      }),
    ),
    h("p", {}, gpxDownloadLink(p)),
  );
}

export function patrolsSection(groupId, patrols) {
  return h(
    "section",
    { class: "group-section", "aria-labelledby": "patrols-heading" },
    h("h2", { id: "patrols-heading" }, t("walk.group_heading")),
    h("p", {}, h("a", { class: "button primary", href: `/groups/${groupId}/walk` }, t("walk.group_record"))),
    patrols === null
      ? h("p", { class: "hint" }, t("walk.group_failed"))
      : patrols.length
        ? h("ul", { class: "map-list" }, patrols.map(patrolItem))
        : h("p", { class: "hint" }, t("walk.group_none")),
  );
}
