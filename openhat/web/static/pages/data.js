// The data browser: namespaces and endpoints, an endpoint's records newest first, one page
// at a time (never the whole endpoint), filtered by a field, a record with the records linked
// to it, and deleting.

import { api, dataPath, V } from "../api.js";
import { actionButton, alertBox, confirmAction, h, jsonBlock, labelled } from "../dom.js";

export const PAGE = 20;
const PAGING = new Set(["orderBy", "ordering", "skip", "take"]);

function endpointHref(endpoint, params) {
  const query = params && params.toString();
  return `#/data/${endpoint.split("/").map(encodeURIComponent).join("/")}${query ? `?${query}` : ""}`;
}

export async function sources() {
  const found = await api(`${V}/data/sources`);
  const namespaces = Object.keys(found || {}).sort();
  return h("section", {}, h("h1", {}, "Your data"),
    namespaces.length === 0
      ? h("p", {}, "Your HAT holds no data yet. Applications you connect write here.")
      : h("div", { class: "sources" }, namespaces.map((ns) => h("section", { class: "card" },
        h("h2", {}, ns),
        h("ul", {}, found[ns].map((ep) =>
          h("li", {}, h("a", { href: endpointHref(`${ns}/${ep}`) }, ep))))))));
}

export async function endpoint(ctx) {
  const [namespace, rest] = ctx.params;
  const name = `${namespace}/${rest}`;
  const skip = Math.max(0, Number.parseInt(ctx.search.get("skip") || "0", 10) || 0);
  const field = ctx.search.get("field") || "";
  const value = ctx.search.get("value") || "";
  const query = new URLSearchParams({ ordering: "descending", skip: String(skip), take: String(PAGE + 1) });
  if (field && value && !PAGING.has(field)) query.append(field, value);
  const found = await api(`${dataPath(name)}?${query}`);
  const records = found.slice(0, PAGE);
  const status = alertBox("notice");

  const filterField = h("input", { name: "field", value: field, placeholder: "e.g. kind" });
  const filterValue = h("input", { name: "value", value });
  const filter = h("form", { class: "filter", role: "search" },
    labelled("Field", filterField), labelled("Value", filterValue),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Filter"),
      field || value ? h("a", { href: endpointHref(name), class: "button" }, "Clear") : null));
  filter.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (filterField.value.trim()) next.set("field", filterField.value.trim());
    if (filterValue.value) next.set("value", filterValue.value);
    ctx.go(endpointHref(name, next));
  });

  const pageLink = (to, label, rel) => {
    const next = new URLSearchParams(ctx.search);
    next.set("skip", String(to));
    return h("a", { href: endpointHref(name, next), class: "button", rel }, label);
  };
  const paging = h("nav", { class: "paging", "aria-label": "Pages" },
    skip > 0 ? pageLink(Math.max(0, skip - PAGE), "← Newer", "prev") : null,
    records.length ? h("span", {}, `Records ${skip + 1} to ${skip + records.length}`) : null,
    found.length > PAGE ? pageLink(skip + PAGE, "Older →", "next") : null);

  const removeEndpoint = actionButton("Delete this endpoint", async () => {
    if (!await confirmAction(`Delete every record in ${name}? This cannot be undone.`,
      "Delete endpoint")) return;
    await api(dataPath(name), { method: "DELETE" });
    ctx.go("#/data");
  }, { class: "danger" });

  return h("section", {}, h("p", { class: "crumbs" }, h("a", { href: "#/data" }, "Your data"), " / ", namespace),
    h("h1", {}, name), filter, status,
    records.length === 0
      ? h("p", {}, field && value ? "No record matches the filter." : "No records here.")
      : h("div", { class: "records" }, records.map((r) => recordCard(r, ctx, status))),
    paging, h("div", { class: "actions end" }, removeEndpoint));
}

/** One record: its id, endpoint and JSON, the records linked to it (when given: the record
 * page asks for them), with a Delete button. */
export function recordCard(record, ctx, status) {
  const remove = actionButton("Delete", async () => {
    if (!await confirmAction(`Delete record ${record.recordId} from ${record.endpoint}?`)) return;
    try {
      await api(`${V}/data?records=${encodeURIComponent(record.recordId)}`, { method: "DELETE" });
      ctx.rerender();
    } catch (error) {
      status.show(error.message);
    }
  }, { class: "danger small", "aria-label": `Delete record ${record.recordId}` });
  const links = record.links || [];
  return h("article", { class: "record card" },
    h("header", {},
      h("a", { href: `#/record/${encodeURIComponent(record.recordId)}`, class: "record-id" }, record.recordId),
      h("span", { class: "muted" }, record.endpoint), remove),
    jsonBlock(record.data),
    links.length ? h("div", { class: "links" }, h("h3", {}, "Linked records"),
      h("ul", {}, links.map((link) => h("li", {},
        h("a", { href: `#/record/${encodeURIComponent(link.recordId)}` }, link.endpoint), " ",
        h("details", {}, h("summary", {}, "Show"), jsonBlock(link.data)))))) : null);
}

export async function record(ctx) {
  const [recordId] = ctx.params;
  const path = `${V}/data-record/${encodeURIComponent(recordId)}`;
  const [found, links] = await Promise.all([api(path), api(`${path}/links`)]);
  const status = alertBox();
  return h("section", {},
    h("p", { class: "crumbs" }, h("a", { href: "#/data" }, "Your data"), " / ",
      h("a", { href: endpointHref(found.endpoint) }, found.endpoint)),
    h("h1", {}, "Record"), status,
    recordCard({ ...found, links }, { rerender: () => ctx.go(endpointHref(found.endpoint)) }, status));
}
