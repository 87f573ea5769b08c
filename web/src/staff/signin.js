// Sign-in for city staff, and a plain "staff only" page for a resident's account.
import { ApiError, api } from "../common/api.js";
import { t } from "../common/i18n.js";
import { field, h } from "../common/dom.js";

export function renderSignIn(main, { onSignedIn }) {
  const email = h("input", {
    type: "email",
    name: "email",
    autocomplete: "username",
    required: true,
    spellcheck: "false",
  });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "current-password",
    required: true,
  });
  const alert = h("div", { class: "form-alert", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, t("signin.submit"));
  const form = h(
    "form",
    { class: "signin-form", novalidate: false },
    field(t("signin.email"), email),
    field(t("signin.password"), password),
    alert,
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alert.textContent = "";
    alert.classList.remove("notice", "error");
    button.disabled = true;
    try {
      await api.post("/auth/login", {
        json: { email: email.value.trim(), password: password.value },
      });
      await onSignedIn();
    } catch (error) {
      alert.textContent =
        error instanceof ApiError && error.status === 401 ? t("signin.failed") : error.message;
      alert.classList.add("notice", "error");
      button.disabled = false;
      password.focus();
    }
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
