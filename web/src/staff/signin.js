// Sign-in for city staff, and a plain "staff only" page for a resident's account.
import { t } from "../common/i18n.js";
import { h } from "../common/dom.js";
import { signInForm } from "../common/signin.js";

export function renderSignIn(main, { onSignedIn }) {
  const form = signInForm({
    keys: {
      email: "signin.email",
      password: "signin.password",
      submit: "signin.submit",
      failed: "signin.failed",
    },
    onSignedIn,
  });
  const heading = h("h1", { tabindex: "-1" }, t("signin.title"));
  main.append(
    h(
      "section",
      { class: "signin", "aria-labelledby": "signin-title" },
      Object.assign(heading, { id: "signin-title" }),
      h("p", {}, t("signin.intro")),
      form,
      h(
        "p",
        { class: "hint" },
        t("signin.residents"),
        " ",
        h("a", { href: "/report" }, t("nav.report")),
      ),
    ),
  );
}

export function renderStaffOnly(main, account, { onSignOut }) {
  const heading = h("h1", { id: "staff-only-title", tabindex: "-1" }, t("staffonly.title"));
  main.append(
    h(
      "section",
      { class: "signin", "aria-labelledby": "staff-only-title" },
      heading,
      h(
        "div",
        { class: "notice", role: "status" },
        h("p", {}, t("staffonly.body", { email: account.email })),
        h("p", {}, t("staffonly.next")),
      ),
      h(
        "ul",
        { class: "link-list" },
        h("li", {}, h("a", { href: "/" }, t("staffonly.to_map"))),
        h("li", {}, h("a", { href: "/report" }, t("staffonly.to_report"))),
      ),
      h(
        "div",
        { class: "actions" },
        h("button", { type: "button", onclick: onSignOut }, t("staffonly.sign_out")),
      ),
    ),
  );
  heading.focus();
}
