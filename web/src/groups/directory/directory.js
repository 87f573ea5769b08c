// /groups: the directory of the city's community groups — name, kind, area, what the group
// says of itself and how many members it has. Never who the members are: the API's list
// carries no names, and this page asks for nothing else.
import { api } from "../../common/api.js";
import { clear, field, h, select } from "../../common/dom.js";
import { formatNumber, nameElement, t } from "../../common/i18n.js";
import { accountPanel } from "../account.js";
import {
  GROUP_KINDS,
  districtName,
  groupDescription,
  groupFacts,
  kindName,
  refreshAccount,
} from "../lookups.js";

const PAGE = 50;

export function directoryView(root) {
  const state = {
    kind: new URLSearchParams(location.search).get("kind") || "",
    groups: [],
    matched: 0,
    more: false,
    error: null,
    loaded: false,
    areas: new Map(),
  };

  async function fetchPage(offset) {
    const query = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
    if (state.kind) query.set("kind", state.kind);
    const body = await api.get(`/api/groups?${query}`);
    for (const group of body.items) {
      if (group.district_id != null && !state.areas.has(group.district_id))
        state.areas.set(group.district_id, await districtName(group.district_id));
    }
    state.groups = offset === 0 ? body.items : [...state.groups, ...body.items];
    state.matched = body.numberMatched;
    state.more = body.links.some((link) => link.rel === "next");
  }

  async function load() {
    state.error = null;
    try {
      await Promise.all([refreshAccount(), fetchPage(0)]);
    } catch (error) {
      state.error = error;
    }
    state.loaded = true;
    render();
  }

  function filterForm() {
    const choices = [["", t("groups.kind_all")], ...GROUP_KINDS.map((k) => [k, kindName(k)])];
    const kinds = select("kind", choices, state.kind);
    kinds.id = "group-kind";
    const form = h(
      "form",
      { class: "group-filter", role: "search", "aria-label": t("groups.filter_label") },
      field(t("groups.filter_kind"), kinds, { className: "field inline" }),
      h("button", { type: "submit" }, t("groups.filter_submit")),
    );
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      state.kind = kinds.value;
      const url = new URL(location.href);
      if (state.kind) url.searchParams.set("kind", state.kind);
      else url.searchParams.delete("kind");
      history.replaceState(history.state, "", url);
      try {
        await fetchPage(0);
      } catch (error) {
        state.error = error;
      }
      render();
      root.querySelector(".list-status")?.focus();
    });
    return form;
  }

  function groupCard(group) {
    const area = state.areas.get(group.district_id);
    return h(
      "li",
      { class: "group-card" },
      h("h2", {}, h("a", { href: `/groups/${group.id}` }, nameElement(group.name))),
      groupFacts(group, area),
      groupDescription(group),
    );
  }

  function render() {
    clear(root);
    const heading = h("h1", { id: "page-heading", tabindex: "-1" }, t("groups.directory_heading"));
    root.append(accountPanel(render), heading, h("p", {}, t("groups.directory_intro")));
    if (!state.loaded) {
      root.append(h("p", { class: "status-line", role: "status" }, t("groups.loading")));
      return;
    }
    root.append(filterForm());
    if (state.error) {
      root.append(
        h(
          "p",
          { class: "notice error", role: "alert" },
          t("groups.load_failed"),
          " ",
          state.error.message,
        ),
        h("p", {}, h("button", { type: "button", onclick: load }, t("groups.retry"))),
      );
      return;
    }
    root.append(
      h(
        "p",
        { class: "list-status", role: "status", tabindex: "-1" },
        state.matched
          ? t("groups.directory_count", { count: state.matched, n: formatNumber(state.matched) })
          : t("groups.directory_empty"),
      ),
      h("ul", { class: "group-list" }, state.groups.map(groupCard)),
    );
    if (state.more) {
      root.append(
        h(
          "p",
          {},
          h(
            "button",
            {
              type: "button",
              onclick: async () => {
                const first = state.groups.length;
                await fetchPage(first).catch((error) => (state.error = error));
                render();
                root.querySelectorAll(".group-card a")[first]?.focus();
              },
            },
            t("groups.more"),
          ),
        ),
      );
    }
  }

  return { load, render };
}
