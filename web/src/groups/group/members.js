// Who is in the group, for its members only (the page never asks otherwise). Leaders also
// see the requests waiting for them and change roles; a leader's own row offers nothing,
// since leaving is the membership section's and the server keeps the last leader.
import { api } from "../../common/api.js";
import { h } from "../../common/dom.js";
import { formatDate, nameElement, t } from "../../common/i18n.js";

function roleName(role) {
  return t(role === "leader" ? "groups.role_leader" : "groups.role_member");
}

export function membersSection({ groupId, members, leader, me, act }) {
  const path = (m) => `/api/groups/${groupId}/members/${m.user_id}`;
  const requests = members.filter((m) => m.status === "requested");
  const active = members.filter((m) => m.status === "active");
  const name = (m) => nameElement(m.display_name);

  const requestItem = (m) =>
    h(
      "li",
      { class: "member-item" },
      h("span", { class: "member-name" }, name(m)),
      h("span", { class: "member-since" }, t("groups.requested_on", { date: formatDate(m.since) })),
      h(
        "span",
        { class: "member-actions" },
        h(
          "button",
          {
            type: "button",
            class: "primary",
            "aria-label": t("groups.accept_label", { name: m.display_name }),
            onclick: () =>
              act(() => api.put(path(m), { json: { role: "member" } }), [
                "groups.accepted",
                { name: m.display_name },
              ]),
          },
          t("groups.accept"),
        ),
        h(
          "button",
          {
            type: "button",
            "aria-label": t("groups.decline_label", { name: m.display_name }),
            onclick: () =>
              act(() => api.delete(path(m)), ["groups.declined", { name: m.display_name }]),
          },
          t("groups.decline"),
        ),
      ),
    );

  const memberItem = (m) => {
    const other = m.role === "leader" ? "member" : "leader";
    const actions =
      leader && m.user_id !== me?.id
        ? h(
            "span",
            { class: "member-actions" },
            h(
              "button",
              {
                type: "button",
                "aria-label": t(`groups.make_${other}_label`, { name: m.display_name }),
                onclick: () =>
                  act(
                    () => api.put(path(m), { json: { role: other } }),
                    [`groups.made_${other}`, { name: m.display_name }],
                  ),
              },
              t(`groups.make_${other}`),
            ),
            h(
              "button",
              {
                type: "button",
                "aria-label": t("groups.remove_label", { name: m.display_name }),
                onclick: () =>
                  act(() => api.delete(path(m)), ["groups.removed", { name: m.display_name }]),
              },
              t("groups.remove"),
            ),
          )
        : null;
    return h(
      "li",
      { class: "member-item" },
      h("span", { class: "member-name" }, name(m)),
      h("span", { class: `member-role role-${m.role}` }, roleName(m.role)),
      actions,
    );
  };

  return h(
    "section",
    { class: "group-section", "aria-labelledby": "members-heading" },
    h("h2", { id: "members-heading" }, t("groups.members_heading")),
    h("p", { class: "hint" }, t("groups.members_private")),
    leader
      ? h(
          "section",
          { "aria-labelledby": "requests-heading" },
          h("h3", { id: "requests-heading" }, t("groups.requests_heading")),
          requests.length
            ? h("ul", { class: "member-list requests" }, requests.map(requestItem))
            : h("p", {}, t("groups.requests_none")),
        )
      : null,
    leader ? h("h3", {}, t("groups.active_heading")) : null,
    h("ul", { class: "member-list" }, active.map(memberItem)),
  );
}
