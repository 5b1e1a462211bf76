// The page the address-verification mail links to:
// `#/auth/verify-email/{token}?email=&application_id=&redirect_uri=`. One click confirms the
// address (`POST /control/v2/auth/claim/complete/{token}`). The mail's `redirect_uri` is not
// followed: this page never sends anyone on to an address a link carries.

import { api } from "../api.js";
import { alertBox, h } from "../dom.js";

export async function render(ctx) {
  const [token] = ctx.params;
  const email = new URLSearchParams(ctx.query).get("email") || "";
  const problem = alertBox();
  const done = alertBox("notice");
  const submit = h("button", { type: "submit", class: "primary" }, "Confirm my address");
  const form = h("form", { class: "card narrow", "aria-label": "Confirm your email address" },
    h("h2", {}, "Confirm your email address"),
    h("p", {}, email ? `Confirm that ${email} is the address of this HAT's owner.`
      : "Confirm the address this link was sent to as the address of this HAT's owner."),
    problem, done, h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.show();
    submit.disabled = true;
    try {
      await api(`/control/v2/auth/claim/complete/${encodeURIComponent(token)}`,
        { method: "POST", body: email ? { email } : {}, auth: false });
      done.show("Your email address is confirmed. Password resets are mailed to it now.");
      submit.remove();
    } catch (error) {
      problem.show(error.message);
      submit.disabled = false;
    }
  });
  return h("section", {}, form, h("p", {}, h("a", { href: "#/login" }, "Log in")));
}
