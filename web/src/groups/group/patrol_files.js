// Patrols as GPX files on a group's page (members only): a form importing a GPS logger's
// file, or a zip of several, as patrols, and the download link a patrol list shows beside
// each patrol. What is refused is said as the API says it, naming the file and the problem.
import { api } from "../../common/api.js";
import { field, h, select } from "../../common/dom.js";
import { addMessages, formatNumber, t } from "../../common/i18n.js";
import messages from "../../messages/patrol-files.js";

addMessages(messages);

const KINDS = ["patrol", "safety_walk", "school_watch"];

/** A patrol's GPX download, for a list of the group's patrols. */
export function gpxDownloadLink(patrol) {
  return h(
    "a",
    {
      href: `/api/patrols/${patrol.id}/gpx`,
      download: "",
      class: "gpx-download",
      "aria-label": t("gpx.download_label", { title: patrol.title }),
    },
    t("gpx.download"),
  );
}

/** The import form; `act` runs it and reloads the page's view with the message given. */
export function gpxImportSection({ groupId, act }) {
  const file = h("input", { type: "file", name: "file", accept: ".gpx,.zip", required: true });
  const kinds = KINDS.map((k) => [k, t(`gpx.kind.${k}`)]);
  const kind = select("kind", [["", t("gpx.kind_file")], ...kinds], "");
  const participants = h("input", {
    type: "number",
    name: "participants",
    min: 1,
    max: 10000,
    value: 1,
    inputmode: "numeric",
  });
  const button = h("button", { type: "submit", class: "primary" }, t("gpx.submit"));
  const form = h(
    "form",
    { class: "gpx-import" },
    field(t("gpx.file"), file, { hint: t("gpx.file_hint") }),
    field(t("gpx.kind"), kind),
    field(t("gpx.participants"), participants),
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!file.files.length) return;
    button.disabled = true;
    button.textContent = t("gpx.sending");
    const body = new FormData();
    body.append("file", file.files[0]);
    if (kind.value) body.append("kind", kind.value);
    body.append("participants", participants.value || "1");
    // Filled in once the API answers: the page shows the message after reloading.
    const done = { count: 0, n: "0" };
    await act(async () => {
      const answer = await api.post(`/api/groups/${groupId}/patrols/gpx`, { form: body });
      done.count = answer.patrols.length;
      done.n = formatNumber(done.count);
    }, ["gpx.imported", done]);
  });
  return h(
    "section",
    { class: "group-section", "aria-labelledby": "gpx-heading" },
    h("h2", { id: "gpx-heading" }, t("gpx.heading")),
    h("p", { class: "hint" }, t("gpx.intro")),
    form,
  );
}
