// Who is here, for the group pages: a resident signs in or signs up without leaving the
// page (the form is the staff page's, src/common/signin.js), and is told when the e-mail
// address still needs confirming, since only a confirmed address may ask to join a group.
import { api } from "../common/api.js";
import { field, h } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { signInForm } from "../common/signin.js";
import { account, refreshAccount } from "./lookups.js";

const SIGN_IN_KEYS = {
  email: "groups.signin_email",
  password: "groups.signin_password",
  submit: "groups.signin_submit",
  failed: "groups.signin_failed",
};

// Whether the sign-in box is open survives a re-render (a language switch).
let open = false;

function signUpForm(onDone) {
  const name = h("input", {
    name: "display_name",
    autocomplete: "nickname",
    required: true,
    maxlength: 100,
  });
  const email = h("input", {
    type: "email",
    name: "email",
    autocomplete: "email",
    required: true,
    spellcheck: "false",
  });
  const password = h("input", {
    type: "password",
    name: "password",
    autocomplete: "new-password",
    required: true,
    minlength: 10,
  });
  const alert = h("div", { class: "form-alert", role: "alert" });
  const button = h("button", { type: "submit", class: "primary" }, t("groups.signup_submit"));
  const form = h(
    "form",
    { class: "signin-form" },
    field(t("groups.signup_name"), name, { hint: t("groups.signup_name_hint") }),
    field(t("groups.signin_email"), email),
    field(t("groups.signin_password"), password, { hint: t("groups.signup_password_hint") }),
    alert,
    h("div", { class: "actions" }, button),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    alert.textContent = "";
    alert.classList.remove("notice", "error");
    button.disabled = true;
    try {
      const json = {
        display_name: name.value.trim(),
        email: email.value.trim(),
        password: password.value,
      };
      await api.post("/auth/signup", { json });
      await onDone();
    } catch (error) {
      alert.textContent = error.message;
      alert.classList.add("notice", "error");
      button.disabled = false;
    }
  });
  return form;
}

/** The account box at the top of every group page; `onChange` re-renders the page. */
export function accountPanel(onChange) {
  const me = account.current;
  const changed = async () => {
    open = false;
    await refreshAccount();
    await onChange();
    // The form that had focus is gone: the page's heading is where reading starts again.
    document.getElementById("page-heading")?.focus();
  };
  if (me) {
    const parts = [
      h("p", {}, t("groups.signed_in_as", { name: me.display_name })),
      h(
        "button",
        {
          type: "button",
          onclick: async () => {
            await api.post("/auth/logout");
            await changed();
          },
        },
        t("groups.sign_out"),
      ),
    ];
    if (!me.email_verified) {
      const sent = h("p", { role: "status", class: "status-line" });
      parts.push(
        h(
          "div",
          { class: "notice" },
          h("p", {}, t("groups.verify_needed", { email: me.email })),
          h(
            "button",
            {
              type: "button",
              onclick: async (event) => {
                event.target.disabled = true;
                try {
                  await api.post("/auth/verify-email/resend");
                  sent.textContent = t("groups.verify_sent");
                } catch (error) {
                  sent.textContent = error.message;
                  event.target.disabled = false;
                }
              },
            },
            t("groups.verify_resend"),
          ),
          sent,
        ),
      );
    }
    const label = t("groups.account_label");
    return h("section", { class: "account-box signed-in", "aria-label": label }, parts);
  }
  const details = h(
    "details",
    { class: "account-box", open },
    h("summary", {}, t("groups.signin_open")),
    h("p", { class: "hint" }, t("groups.signin_why")),
    h(
      "section",
      { "aria-labelledby": "signin-heading" },
      h("h2", { id: "signin-heading", class: "account-heading" }, t("groups.signin_heading")),
      signInForm({ keys: SIGN_IN_KEYS, onSignedIn: changed }),
    ),
    h(
      "section",
      { "aria-labelledby": "signup-heading" },
      h("h2", { id: "signup-heading", class: "account-heading" }, t("groups.signup_heading")),
      signUpForm(changed),
    ),
  );
  details.addEventListener("toggle", () => {
    open = details.open;
  });
  return details;
}
