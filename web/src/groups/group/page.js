// /groups/{id}: one group — what it says of itself, its maps, and joining. Members also see
// who is in it and the group's drafts; leaders answer requests, change roles and remove
// members. What an outsider's page shows is only what the API gives an outsider: the
// member list is never asked for unless the caller is an active member.
import { ApiError, api, problemMessage } from "../../common/api.js";
import { clear, h } from "../../common/dom.js";
import { nameElement, t } from "../../common/i18n.js";
import { accountPanel } from "../account.js";
import { account, districtName, groupDescription, groupFacts, refreshAccount } from "../lookups.js";
import { coverageSection } from "./coverage.js";
import { loadPatrols, patrolsSection } from "../walks/patrols.js";
import { mapsSection } from "./maps.js";
import { membersSection } from "./members.js";
import { schoolRoutesSection } from "../../inspections/school_routes/group.js";
import { gpxImportSection } from "./patrol_files.js";

function errorText(error) {
  return error instanceof ApiError && error.problem ? problemMessage(error.problem) : error.message;
}

/** The caller's own membership, as the API tells it ({role, status} or nothing). */
export function myMembership(group) {
  if (group.membership) return group.membership;
  if (group.my_status) return { role: group.my_role, status: group.my_status };
  return null;
}

export function groupView(root, groupId) {
  const state = {
    group: null,
    area: null,
    maps: [],
    members: [],
    patrols: [],
    error: null,
    notFound: null,
    loaded: false,
    outcome: null, // the last action's answer, shown (and announced) until the next one
  };

  const isMember = () => myMembership(state.group)?.status === "active";
  const isLeader = () => isMember() && myMembership(state.group).role === "leader";

  async function load() {
    state.error = null;
    state.notFound = null;
    try {
      await refreshAccount();
      state.group = await api.get(`/api/groups/${groupId}`);
      const [maps, area] = await Promise.all([
        api.get(`/api/groups/${groupId}/safety-maps?limit=100`),
        districtName(state.group.district_id),
      ]);
      state.maps = maps.safety_maps;
      state.area = area;
      state.members = isMember()
        ? (await api.get(`/api/groups/${groupId}/members?limit=500`)).members
        : [];
      state.patrols = isMember() ? await loadPatrols(groupId) : [];
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) state.notFound = error;
      else state.error = error;
    }
    state.loaded = true;
    render();
  }

  /** Runs one action, then reloads what it changed and says how it went. `done` is the
   * message's key and parameters, so the answer follows a language switch. */
  async function act(action, [key, params]) {
    state.outcome = null;
    try {
      await action();
      state.outcome = { ok: true, key, params };
    } catch (error) {
      state.outcome = { ok: false, error };
    }
    await load();
    root.querySelector(".outcome")?.focus();
  }

  function outcomeView() {
    if (!state.outcome) return null;
    return h(
      "p",
      {
        class: `outcome notice ${state.outcome.ok ? "ok" : "error"}`,
        role: state.outcome.ok ? "status" : "alert",
        tabindex: "-1",
      },
      state.outcome.ok
        ? t(state.outcome.key, state.outcome.params)
        : errorText(state.outcome.error),
    );
  }

  function membershipSection() {
    const me = account.current;
    const mine = myMembership(state.group);
    const button = (key, onclick, primary = false) =>
      h("button", { type: "button", class: primary ? "primary" : undefined, onclick }, t(key));
    // Leaving and withdrawing a request are the same ending of one's own membership.
    const endMine = (done) => () =>
      act(() => api.delete(`/api/groups/${groupId}/members/${me.id}`), [done]);
    const join = () => act(() => api.post(`/api/groups/${groupId}/join`), ["groups.join_sent"]);
    const body = [];
    if (!me) {
      body.push(h("p", {}, t("groups.join_sign_in")));
    } else if (mine?.status === "active") {
      body.push(
        h("p", {}, t(mine.role === "leader" ? "groups.you_lead" : "groups.you_member")),
        button("groups.leave", endMine("groups.left")),
      );
    } else if (mine?.status === "requested") {
      body.push(
        h("p", { class: "request-state" }, t("groups.requested")),
        button("groups.withdraw", endMine("groups.withdrawn")),
      );
    } else if (!me.email_verified) {
      body.push(h("p", {}, t("groups.join_verify_first")));
    } else {
      body.push(h("p", {}, t("groups.join_intro")), button("groups.join", join, true));
    }
    return h(
      "section",
      { class: "group-section", "aria-labelledby": "membership-heading" },
      h("h2", { id: "membership-heading" }, t("groups.membership_heading")),
      ...body,
    );
  }

  function render() {
    clear(root);
    root.append(accountPanel(load));
    root.append(h("p", { class: "back-link" }, h("a", { href: "/groups" }, t("groups.back"))));
    if (!state.loaded) {
      root.append(h("p", { class: "status-line", role: "status" }, t("groups.loading")));
      return;
    }
    if (state.notFound) {
      root.append(
        h("h1", { id: "page-heading", tabindex: "-1" }, t("groups.not_found")),
        h("p", { class: "notice error", role: "alert" }, state.notFound.message),
      );
      return;
    }
    if (state.error || !state.group) {
      root.append(
        h("h1", { id: "page-heading", tabindex: "-1" }, t("groups.group_heading")),
        h(
          "p",
          { class: "notice error", role: "alert" },
          t("groups.load_failed"),
          " ",
          state.error?.message || "",
        ),
        h("p", {}, h("button", { type: "button", onclick: load }, t("groups.retry"))),
      );
      return;
    }
    const group = state.group;
    document.title = t("groups.group_title", { name: group.name });
    const parts = [
      h("h1", { id: "page-heading", tabindex: "-1" }, nameElement(group.name)),
      groupFacts(group, state.area),
      groupDescription(group),
      outcomeView(),
      membershipSection(),
      isMember() ? patrolsSection(groupId, state.patrols) : null,
      mapsSection({ group, maps: state.maps, member: isMember(), area: state.area }),
      schoolRoutesSection(groupId),
    ];
    if (isMember()) {
      parts.push(gpxImportSection({ groupId, act }));
      const me = account.current;
      parts.push(membersSection({ groupId, members: state.members, leader: isLeader(), me, act }));
      parts.push(coverageSection({ group, leader: isLeader() }));
    }
    root.append(...parts.filter(Boolean));
  }

  return { load, render };
}
