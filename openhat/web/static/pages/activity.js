// Activity: the HAT's access audit log (`GET /audit`, newest first), "what did app X read
// this week?": filters by actor, action, endpoint and time, 50 entries a page.

import { api, V } from "../api.js";
import { h, labelled, when } from "../dom.js";

export const PAGE = 50;
const FILTERS = ["actor", "action", "endpoint", "since", "until"];
const ACTIONS = ["read", "create", "update", "delete", "link", "login", "setup", "enable",
  "disable", "token", "rotate"];

function href(params) {
  const query = params.toString();
  return `#/activity${query ? `?${query}` : ""}`;
}

/** A `datetime-local` value (the browser's time zone) as ISO 8601 UTC; "" stays "". */
function isoTime(local) {
  const date = local ? new Date(local) : null;
  return date && !Number.isNaN(date.getTime()) ? date.toISOString() : "";
}

/** ISO 8601 UTC as a `datetime-local` value in the browser's time zone. */
function localTime(iso) {
  const date = iso ? new Date(iso) : null;
  if (!date || Number.isNaN(date.getTime())) return "";
  return new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
}

function actorText(actor) {
  if (!actor) return "";
  return actor.id ? `${actor.kind} ${actor.id}` : actor.kind;
}

function filterForm(ctx) {
  const input = (name, attrs) => h("input", { name, value: ctx.search.get(name) || "", ...attrs });
  const actor = input("actor", { placeholder: "application:notables" });
  const action = h("select", { name: "action" }, h("option", { value: "" }, "Any"),
    ACTIONS.map((a) => h("option", { value: a, selected: ctx.search.get("action") === a }, a)));
  const endpoint = input("endpoint", { placeholder: "rumpel/locations" });
  const since = h("input", { type: "datetime-local", name: "since", value: localTime(ctx.search.get("since")) });
  const until = h("input", { type: "datetime-local", name: "until", value: localTime(ctx.search.get("until")) });
  const lastWeek = () => {
    const next = new URLSearchParams(ctx.search);
    next.delete("skip");
    next.set("since", new Date(Date.now() - 7 * 86400000).toISOString());
    next.delete("until");
    return href(next);
  };
  const form = h("form", { class: "filter", role: "search", "aria-label": "Filter the activity" },
    labelled("Who", actor, "owner, application, debit, user or anonymous; KIND:ID for one"),
    labelled("Action", action),
    labelled("Endpoint or object", endpoint, "also a prefix: rumpel, applications/notables"),
    labelled("From", since), labelled("Until", until),
    h("div", { class: "actions" }, h("button", { type: "submit" }, "Filter"),
      h("a", { href: lastWeek(), class: "button" }, "Past 7 days"),
      FILTERS.some((f) => ctx.search.get(f)) ? h("a", { href: "#/activity", class: "button" }, "Clear") : null));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    const values = { actor: actor.value.trim(), action: action.value, endpoint: endpoint.value.trim(),
      since: isoTime(since.value), until: isoTime(until.value) };
    for (const name of FILTERS) if (values[name]) next.set(name, values[name]);
    ctx.go(href(next));
  });
  return form;
}

function row(entry) {
  return h("tr", { class: entry.outcome === "success" ? null : "refused" },
    h("td", {}, h("time", { datetime: entry.time }, when(entry.time))),
    h("td", {}, actorText(entry.actor)),
    h("td", {}, entry.action),
    h("td", { class: "address" }, entry.object, entry.count === null || entry.count === undefined
      ? null : h("span", { class: "muted" }, ` (${entry.count})`)),
    h("td", {}, `${entry.outcome} ${entry.status}`),
    h("td", { class: "address" }, entry.client || ""));
}

export async function render(ctx) {
  const skip = Math.max(0, Number.parseInt(ctx.search.get("skip") || "0", 10) || 0);
  const query = new URLSearchParams({ skip: String(skip), take: String(PAGE + 1) });
  for (const name of FILTERS) if (ctx.search.get(name)) query.set(name, ctx.search.get(name));
  const found = await api(`${V}/audit?${query}`);
  const entries = found.slice(0, PAGE);
  const pageLink = (to, label, rel) => {
    const next = new URLSearchParams(ctx.search);
    next.set("skip", String(to));
    return h("a", { href: href(next), class: "button", rel }, label);
  };
  return h("section", {}, h("h1", {}, "Activity"),
    h("p", {}, "Who read or changed what on your HAT, newest first."),
    filterForm(ctx),
    entries.length === 0 ? h("p", {}, "Nothing was logged that matches.")
      : h("div", { class: "table" }, h("table", {},
        h("thead", {}, h("tr", {}, ["When", "Who", "Action", "What", "Outcome", "From"]
          .map((t) => h("th", { scope: "col" }, t)))),
        h("tbody", {}, entries.map(row)))),
    h("nav", { class: "paging", "aria-label": "Pages" },
      skip > 0 ? pageLink(Math.max(0, skip - PAGE), "← Newer", "prev") : null,
      entries.length ? h("span", {}, `Entries ${skip + 1} to ${skip + entries.length}`) : null,
      found.length > PAGE ? pageLink(skip + PAGE, "Older →", "next") : null));
}
