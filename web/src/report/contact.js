// Step 5: how the city may reach the person (all optional, never published) and whether
// the photos may be shown on the public map.
import { h } from "../common/dom.js";
import { t } from "../common/i18n.js";
import { limits, state } from "./state.js";
import { describedBy, fieldError, heading, stepForm, stepNav } from "./ui.js";

function textField(field, type, autocomplete, extra = {}) {
  const c = state.draft.contact;
  const error = fieldError(field);
  const id = `contact-${field}`;
  return h(
    "div",
    { class: "field" },
    h("label", { for: id }, t(`contact.${field}`)),
    error,
    h("input", {
      type,
      id,
      name: field,
      autocomplete,
      value: c[field],
      "aria-invalid": error ? "true" : null,
      "aria-describedby": describedBy(error && `error-${field}`, extra.hint),
      maxlength: String(limits()[`contact_${field}`]), // contact_name, _email, _phone
      oninput: (event) => {
        c[field] = event.target.value;
      },
      ...extra.attrs,
    }),
  );
}

/** A checkbox for `owner[key]`, with its label and the hint (#KEY-hint) that describes it. */
function checkField(owner, key, id, [labelKey, hintKey]) {
  const hintId = `${key}-hint`;
  return h(
    "div",
    { class: "check" },
    h("input", {
      type: "checkbox",
      id,
      checked: owner[key],
      "aria-describedby": hintId,
      onchange: (event) => {
        owner[key] = event.target.checked;
      },
    }),
    h("label", { for: id }, t(labelKey)),
    h("p", { class: "hint", id: hintId }, t(hintKey)),
  );
}

function contactStep() {
  const d = state.draft;
  const c = d.contact;
  return stepForm(
    ...heading("contact", "contact.title"),
    h("p", { class: "notice", id: "contact-private" }, t("contact.private")),
    h(
      "fieldset",
      { class: "contact", "aria-describedby": "contact-private" },
      h("legend", {}, t("contact.legend")),
      textField("name", "text", "name"),
      textField("email", "email", "email", { attrs: { inputmode: "email" } }),
      textField("phone", "tel", "tel", { attrs: { inputmode: "tel" } }),
      checkField(c, "notify", "contact-notify", ["contact.notify", "contact.notify_hint"]),
    ),
    h(
      "fieldset",
      { class: "consent" },
      h("legend", {}, t("consent.legend")),
      checkField(d, "consent", "consent", ["consent.label", "consent.hint"]),
    ),
    stepNav({ nextKey: "contact.to_confirm" }),
  );
}

function validate() {
  const c = state.draft.contact;
  const most = limits();
  const errors = {};
  if (c.email.trim() && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(c.email.trim()))
    errors.email = "contact.email_invalid";
  if (c.notify && !c.email.trim()) errors.email = "contact.notify_needs_email";
  const phone = new RegExp(`^[0-9+\\-() ]{1,${most.contact_phone}}$`);
  if (c.phone.trim() && !phone.test(c.phone.trim())) errors.phone = "contact.phone_invalid";
  if (c.name.length > most.contact_name) errors.name = "contact.name_long";
  return errors;
}

export const contactScreen = { view: contactStep, validate };
