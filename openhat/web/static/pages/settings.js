// Settings: the HAT's address and version, changing the password, downloading the whole HAT
// (its export archive), signing out.

import { api, download, session, V } from "../api.js";
import { actionButton, alertBox, h, labelled } from "../dom.js";

/** A form for a new password typed twice; `send(newPassword, form)` does the rest. */
export function newPasswordForm({ heading, extra = [], submitLabel, send }) {
  const fresh = h("input", { type: "password", name: "new-password", required: true,
    autocomplete: "new-password" });
  const again = h("input", { type: "password", name: "repeat-password", required: true,
    autocomplete: "new-password" });
  const problem = alertBox();
  const done = alertBox("notice");
  const submit = h("button", { type: "submit", class: "primary" }, submitLabel);
  const form = h("form", { class: "card narrow", "aria-label": heading }, h("h2", {}, heading),
    ...extra.map(([label, input]) => labelled(label, input)),
    labelled("New password", fresh, "Long and hard to guess: a few unrelated words work well."),
    labelled("New password again", again), problem, done,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.show();
    done.show();
    if (fresh.value !== again.value) {
      problem.show("The two new passwords differ.");
      return;
    }
    submit.disabled = true;
    try {
      done.show(await send(fresh.value));
      form.reset();
    } catch (error) {
      problem.show(error.message);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function render(ctx) {
  const { Version } = await api(`${V}/version`, { auth: false });
  const current = h("input", { type: "password", name: "current-password", required: true,
    autocomplete: "current-password" });
  const change = newPasswordForm({
    heading: "Change your password", submitLabel: "Change password",
    extra: [["Current password", current]],
    send: async (newPassword) => {
      await api("/control/v2/auth/password", { method: "POST",
        body: { password: current.value, newPassword } });
      return "Password changed. Other devices must log in again.";
    },
  });
  const exported = alertBox("notice");
  const exportProblem = alertBox();
  const exportButton = actionButton("Download everything", async () => {
    exportProblem.show();
    exported.show("Preparing the archive…");
    try {
      exported.show(`Saved ${await download(`${V}/export`, "openhat-export.tar.gz")}.`);
    } catch (error) {
      exported.show();
      exportProblem.show(error.message);
    }
  }, { class: "primary" });
  const signOut = h("button", { type: "button", onclick: () => {
    session.clear();
    ctx.go("#/login");
  } }, "Sign out");
  return h("section", {}, h("h1", {}, "Settings"),
    h("section", { class: "card narrow" }, h("h2", {}, "Your HAT"),
      h("dl", { class: "facts" }, h("dt", {}, "Address"), h("dd", {}, window.location.host),
        h("dt", {}, "openhat version"), h("dd", {}, Version),
        h("dt", {}, "API"), h("dd", {}, h("a", { href: `${V}/openapi.json` }, "OpenAPI description")))),
    change,
    h("section", { class: "card narrow" }, h("h2", {}, "Take your data with you"),
      h("p", {}, "One archive of your whole HAT: your data, applications, data debits, users ",
        "and signing keys. Keep it as safe as your password: it can restore your HAT."),
      exported, exportProblem, h("div", { class: "actions" }, exportButton)),
    h("section", { class: "card narrow" }, h("h2", {}, "Sign out"),
      h("p", {}, "Forget the login in this tab."), signOut));
}
