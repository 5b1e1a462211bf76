// Applications: each registered one with its status and what it may do; enable (set up),
// disable, remove; registering a manifest by pasting or uploading it.

import { api, V } from "../api.js";
import { actionButton, alertBox, confirmAction, h, labelled, when } from "../dom.js";
import { roleInWords } from "../hatlogin-rules.js";

/** The application's state in words, as a list of short labels. */
export function statusWords(app) {
  const words = [];
  if (!app.setup) words.push("Not set up");
  else if (!app.enabled) words.push("Disabled");
  else words.push(app.active ? "Enabled and active" : "Enabled, not active");
  if (app.needsUpdating) words.push("Needs updating");
  if (app.dependenciesEnabled === false) words.push("Dependencies not enabled");
  if (app.mostRecentData) words.push(`Most recent data ${when(app.mostRecentData)}`);
  return words;
}

function card(app, ctx, status) {
  const manifest = app.application;
  const id = manifest.id;
  const name = manifest.info?.name || id;
  const path = `${V}/applications/${encodeURIComponent(id)}`;
  const run = (label, action, attrs) => actionButton(label, async () => {
    try {
      await action();
      ctx.rerender();
    } catch (error) {
      status.show(`${name}: ${error.message}`);
    }
  }, { ...attrs, "aria-label": `${label} ${name}` });
  const toggle = app.enabled
    ? run("Disable", () => api(`${path}/disable`))
    : run(app.setup ? "Enable" : "Set up", () => api(`${path}/setup`), { class: "primary" });
  const remove = run("Remove", async () => {
    if (await confirmAction(`Remove ${name}? Its access stops and its registration is deleted.`,
      "Remove")) await api(path, { method: "DELETE" });
  }, { class: "danger" });
  const roles = manifest.permissions?.rolesGranted || [];
  return h("article", { class: "card app", "data-application": id },
    h("h2", {}, name, " ", h("span", { class: "muted" }, `${id} · ${manifest.kind?.kind || ""} ${manifest.info?.version || ""}`)),
    manifest.info?.headline ? h("p", {}, manifest.info.headline) : null,
    h("p", { class: "status" }, statusWords(app).map((w) => h("span", { class: "badge" }, w))),
    h("h3", {}, "May"),
    roles.length ? h("ul", {}, roles.map((r) => h("li", {}, roleInWords(r)))) : h("p", {}, "Nothing."),
    h("div", { class: "actions" }, toggle, remove));
}

function registerForm(ctx) {
  const text = h("textarea", { name: "manifest", rows: "8", spellcheck: "false",
    placeholder: '{"id": "my-app", "kind": {"kind": "App"}, "info": {...}, ...}' });
  const file = h("input", { type: "file", name: "manifest-file", accept: "application/json,.json" });
  const problem = alertBox();
  const done = alertBox("notice");
  file.addEventListener("change", async () => {
    if (file.files.length) text.value = await file.files[0].text();
  });
  const form = h("form", { class: "card" }, h("h2", {}, "Register an application"),
    h("p", {}, "Paste the application's manifest (its JSON description), or upload the file."),
    labelled("Manifest", text), labelled("Manifest file", file), problem, done,
    h("div", { class: "actions" }, h("button", { type: "submit", class: "primary" }, "Register")));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.show();
    let body;
    try {
      body = JSON.parse(text.value);
    } catch (error) {
      problem.show(`The manifest is not JSON: ${error.message}`);
      return;
    }
    try {
      const app = await api(`${V}/applications`, { method: "POST", body });
      done.show(`Registered ${app.application.info?.name || app.application.id}.`);
      ctx.rerender();
    } catch (error) {
      problem.show(error.message);
    }
  });
  return form;
}

export async function render(ctx) {
  const apps = await api(`${V}/applications`);
  const status = alertBox();
  return h("section", {}, h("h1", {}, "Applications"), status,
    apps.length === 0 ? h("p", {}, "No application is registered yet.")
      : h("div", { class: "apps" }, apps.map((app) => card(app, ctx, status))),
    registerForm(ctx));
}
