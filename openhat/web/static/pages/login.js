// Owner login: the password (and the username, "owner" unless the HAT was made with another).

import { logIn } from "../api.js";
import { alertBox, h, labelled } from "../dom.js";

/** The login form; on success it goes to `next` (a `#/…` hash) or calls `onSuccess`. */
export function form({ next = "#/", heading = "Log in to your HAT", intro, onSuccess } = {}) {
  const username = h("input", { name: "username", autocomplete: "username", required: true,
    autocapitalize: "none", spellcheck: "false", value: "owner" });
  const password = h("input", { type: "password", name: "password", required: true,
    autocomplete: "current-password", autofocus: true });
  const problem = alertBox();
  const submit = h("button", { type: "submit", class: "primary" }, "Log in");
  const element = h("form", { class: "card narrow centred", "aria-label": heading },
    h("h1", {}, heading), intro ? h("p", {}, intro) : null,
    labelled("Password", password),
    labelled("Username", username, "“owner” unless your HAT was set up with another name."),
    problem, h("div", { class: "actions" }, submit));
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    submit.disabled = true;
    problem.show();
    try {
      await logIn(username.value.trim(), password.value);
      if (onSuccess) onSuccess();
      else if (window.location.hash === next) window.dispatchEvent(new HashChangeEvent("hashchange"));
      else window.location.hash = next;
    } catch (error) {
      problem.show(error.message);
      password.select();
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });
  return element;
}

export async function render(ctx) {
  const next = ctx.search.get("next");
  return form({ next: next && next.startsWith("#/") && !next.startsWith("#/login") ? next : "#/" });
}
