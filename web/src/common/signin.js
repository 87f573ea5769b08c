// The sign-in form staff and residents share: e-mail and password to /auth/login, the
// server's refusal shown in the form. Each page brings its own words (its catalogue's
// keys), so staff and residents read what fits them.
import { ApiError, api } from "./api.js";
import { t } from "./i18n.js";
import { field, h } from "./dom.js";

/** A sign-in form; `keys` names the page's messages for email, password, submit and failed. */
export function signInForm({ keys, onSignedIn }) {
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
  const button = h("button", { type: "submit", class: "primary" }, t(keys.submit));
  const form = h(
    "form",
    { class: "signin-form" },
    field(t(keys.email), email),
    field(t(keys.password), password),
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
        error instanceof ApiError && error.status === 401 ? t(keys.failed) : error.message;
      alert.classList.add("notice", "error");
      button.disabled = false;
      password.focus();
    }
  });
  return form;
}
