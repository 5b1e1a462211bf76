// hatlogin: an application sends the owner here to be connected; the owner logs in, reads
// what the application asks for, and confirms (the app is set up and its token goes to
// `redirect`) or cancels (back to `fallback`, with nothing).

import { api, session, V } from "../api.js";
import { actionButton, alertBox, h } from "../dom.js";
import {
  bundleEndpoints, parseHatLoginQuery, redirectAllowed, roleInWords, webAddress, withToken,
} from "../hatlogin-rules.js";
import { form as loginForm } from "./login.js";

function page(heading, ...content) {
  return h("section", { class: "card narrow hatlogin" }, h("h1", {}, heading), ...content);
}

function leaveButton(fallback, label = "Cancel") {
  const target = webAddress(fallback);
  return target
    ? h("button", { type: "button", onclick: () => window.location.assign(target) }, label)
    : h("a", { href: "#/", class: "button" }, "Go to your HAT");
}

function hostOf(url) {
  return new URL(url).host;
}

export async function render(ctx) {
  const asked = parseHatLoginQuery(ctx.query);
  if (!asked.name || !asked.redirect) {
    return page("This link is incomplete",
      h("p", {}, "The application that sent you here did not say ",
        !asked.name ? "which application it is" : "where to send you back", "."),
      h("p", {}, "Nothing was shared."), leaveButton(asked.fallback, "Go back"));
  }
  if (!session.token) {
    return loginForm({ heading: "Log in to connect an application",
      intro: `“${asked.name}” asks to connect to your HAT.`, onSuccess: ctx.rerender });
  }
  let app;
  try {
    app = await api(`${V}/applications/${encodeURIComponent(asked.name)}`);
  } catch (error) {
    if (error.status !== 404 && error.status !== 400) throw error;
    return page("Application not registered",
      h("p", {}, `“${asked.name}” is not registered on this HAT, so it cannot be connected.`),
      h("p", {}, "If you trust it, register its manifest under ",
        h("a", { href: "#/applications" }, "Applications"), " and open its link again."),
      leaveButton(asked.fallback, "Go back"));
  }
  const manifest = app.application;
  const name = manifest.info?.name || manifest.id;
  if (!redirectAllowed(manifest, asked.redirect)) {
    return page("Connection refused",
      h("p", { class: "error", role: "alert" },
        `“${name}” asked to send you to an address its manifest does not list:`),
      h("p", {}, h("code", { class: "address" }, asked.redirect)),
      h("p", {}, "No access was given and nothing was sent there."),
      leaveButton(asked.fallback, "Go back"));
  }
  return consent(app, asked);
}

function consent(app, asked) {
  const manifest = app.application;
  const info = manifest.info || {};
  const name = info.name || manifest.id;
  const problem = alertBox();
  const roles = manifest.permissions?.rolesGranted || [];
  const debit = manifest.permissions?.dataRequired;
  const confirm = actionButton("Confirm", async () => {
    problem.show();
    try {
      await api(`${V}/applications/${encodeURIComponent(manifest.id)}/setup`);
      const { accessToken } = await api(`${V}/applications/${encodeURIComponent(manifest.id)}/access-token`);
      window.location.assign(withToken(asked.redirect, accessToken));
    } catch (error) {
      problem.show(`The application could not be connected: ${error.message}`);
    }
  }, { class: "primary" });
  return page(`Connect “${name}”?`,
    info.headline ? h("p", { class: "headline" }, info.headline) : null,
    manifest.developer?.name ? h("p", { class: "muted" }, `By ${manifest.developer.name}`) : null,
    app.enabled ? h("p", { class: "note" }, "You connected this application before.") : null,
    h("h2", {}, "Why"), h("p", {}, info.dataUsePurpose || "It gives no purpose."),
    h("h2", {}, "It will be able to"),
    roles.length ? h("ul", { class: "grants" }, roles.map((r) => h("li", {}, roleInWords(r))))
      : h("p", {}, "Nothing beyond knowing it is connected."),
    debit ? debitWords(debit) : null,
    h("p", {}, "After you confirm you go back to ", h("strong", {}, hostOf(asked.redirect)),
      ". You can disable it at any time under Applications."),
    problem,
    h("div", { class: "actions" }, confirm, leaveButton(asked.fallback)));
}

function debitWords(request) {
  const endpoints = bundleEndpoints(request.bundle);
  const period = [request.startDate && `from ${new Date(request.startDate).toLocaleDateString()}`,
    request.endDate && `until ${new Date(request.endDate).toLocaleDateString()}`]
    .filter(Boolean).join(" ");
  return h("div", { class: "debit" },
    h("h2", {}, "Data it will receive"),
    h("p", {}, `A data debit (bundle “${request.bundle?.name || ""}”) sharing`,
      period ? ` ${period}` : "", request.rolling ? ", renewed until you stop it" : "", ":"),
    h("ul", {}, endpoints.map(({ endpoint, filtered }) =>
      h("li", {}, h("code", {}, endpoint), filtered ? " (only the records matching its filters)" : ""))));
}
