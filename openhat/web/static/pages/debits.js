// Data debits: who receives which data, for what, and for how long; disabling one.

import { api, V } from "../api.js";
import { actionButton, alertBox, confirmAction, h, when } from "../dom.js";
import { bundleEndpoints } from "../hatlogin-rules.js";

function href(key) {
  return `#/debits/${encodeURIComponent(key)}`;
}

/** Who receives the data: the client that asked, or the application whose set-up made the
 * debit (`app-<id>`, which names no client). */
function holder(debit) {
  if (debit.requestClientName) return debit.requestClientName;
  const key = debit.dataDebitKey;
  return key.startsWith("app-") ? `The application “${key.slice(4)}”` : "";
}

function state(debit) {
  if (debit.active) return "Active";
  return debit.accepted ? "Accepted, not active" : "Not enabled";
}

export async function list() {
  const debits = await api(`${V}/data-debit`);
  return h("section", {}, h("h1", {}, "Data debits"),
    h("p", {}, "A data debit shares a bundle of your data with someone, for a purpose and a time."),
    debits.length === 0 ? h("p", {}, "No data debits yet.")
      : h("ul", { class: "debits" }, debits.map((d) => h("li", { class: "card" },
        h("a", { href: href(d.dataDebitKey) }, d.dataDebitKey), " ",
        h("span", { class: "badge" }, state(d)),
        h("p", {}, `Held by ${holder(d) || "an unnamed client"}`,
          d.permissionsLatest?.purpose ? `: ${d.permissionsLatest.purpose}` : "")))));
}

function days(ms) {
  return `${Math.round(ms / 86_400_000)} days`;
}

function bundleSection(title, bundle) {
  if (!bundle) return null;
  return h("div", {}, h("h3", {}, `${title} “${bundle.name}”`),
    h("ul", {}, bundleEndpoints(bundle).map(({ endpoint, filtered }) =>
      h("li", {}, h("code", {}, endpoint), filtered ? " (filtered)" : ""))));
}

export async function details(ctx) {
  const [key] = ctx.params;
  const debit = await api(`${V}/data-debit/${encodeURIComponent(key)}`);
  const p = debit.permissionsActive || debit.permissionsLatest || {};
  const status = alertBox();
  const disable = debit.active ? actionButton("Disable", async () => {
    if (!await confirmAction(`Disable ${key}? ${debit.requestClientName || "Its holder"} stops receiving this data.`,
      "Disable")) return;
    try {
      await api(`${V}/data-debit/${encodeURIComponent(key)}/disable?atPeriodEnd=false`);
      ctx.rerender();
    } catch (error) {
      status.show(error.message);
    }
  }, { class: "danger" }) : null;
  const rows = [
    ["State", state(debit)],
    ["Held by", holder(debit)],
    ["Their address", debit.requestClientUrl],
    ["Application", debit.requestApplicationId],
    ["Purpose", p.purpose],
    ["Starts", when(p.start)],
    ["Period", p.period ? days(p.period) : ""],
    ["Ends", p.end ? when(p.end) : (p.cancelAtPeriodEnd === false ? "Renewed until disabled" : "")],
    ["Terms", p.termsUrl],
  ].filter(([, value]) => value);
  return h("section", {}, h("p", { class: "crumbs" }, h("a", { href: "#/debits" }, "Data debits")),
    h("h1", {}, key), status,
    h("dl", { class: "facts" }, rows.flatMap(([k, v]) => [h("dt", {}, k), h("dd", {}, v)])),
    bundleSection("Bundle", p.bundle), bundleSection("Conditions", p.conditions),
    h("div", { class: "actions" }, disable));
}
