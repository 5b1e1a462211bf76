// The owner's web app: hash routes (`#/path?query`), the navigation, and signing in.
// Pages are modules under pages/ whose `render(ctx)` returns the page's content (a Node).

import { session, whenSignedOut } from "./api.js";
import { h } from "./dom.js";
import * as activity from "./pages/activity.js";
import * as applications from "./pages/applications.js";
import * as data from "./pages/data.js";
import * as debits from "./pages/debits.js";
import * as files from "./pages/files.js";
import * as hatlogin from "./pages/hatlogin.js";
import * as login from "./pages/login.js";
import * as reset from "./pages/reset.js";
import * as settings from "./pages/settings.js";
import * as verify from "./pages/verify.js";

// [pattern of the path, render, title, needs the owner's token]. A new page is one module,
// one row here and, when it belongs in the menu, one entry in MENU.
const ROUTES = [
  [/^\/hatlogin$/, hatlogin.render, "Connect an application", false],
  [/^\/user\/password\/change\/([^/]+)$/, reset.render, "Choose a new password", false],
  [/^\/auth\/verify-email\/([^/]+)$/, verify.render, "Confirm your email address", false],
  [/^\/login$/, login.render, "Log in", false],
  [/^\/(?:data)?$/, data.sources, "Your data", true],
  [/^\/data\/([^/]+)\/(.+)$/, data.endpoint, "Your data", true],
  [/^\/record\/([^/]+)$/, data.record, "A record", true],
  [/^\/applications$/, applications.render, "Applications", true],
  [/^\/debits$/, debits.list, "Data debits", true],
  [/^\/debits\/([^/]+)$/, debits.details, "Data debit", true],
  [/^\/files$/, files.render, "Files", true],
  [/^\/activity$/, activity.render, "Activity", true],
  [/^\/settings$/, settings.render, "Settings", true],
];

const MENU = [
  ["Data", "#/data", /^\/(data|record)?($|\/)/],
  ["Applications", "#/applications", /^\/applications/],
  ["Files", "#/files", /^\/files/],
  ["Data debits", "#/debits", /^\/debits/],
  ["Activity", "#/activity", /^\/activity/],
  ["Settings", "#/settings", /^\/settings/],
];

const main = document.getElementById("main");
const nav = document.getElementById("nav");
let shown = 0; // the number of the latest navigation: a slow page never replaces a newer one

function location() {
  const hash = window.location.hash.replace(/^#/, "") || "/";
  const q = hash.indexOf("?");
  return { path: q < 0 ? hash : hash.slice(0, q), query: q < 0 ? "" : hash.slice(q + 1) };
}

function drawMenu(path) {
  if (!session.token) {
    nav.replaceChildren();
    return;
  }
  nav.replaceChildren(...MENU.map(([label, href, active]) =>
    h("a", { href, "aria-current": active.test(path) ? "page" : null }, label)));
}

export function go(hash) {
  if (window.location.hash === hash) render();
  else window.location.hash = hash;
}

async function render() {
  const number = ++shown;
  const { path, query } = location();
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  drawMenu(path);
  if (!route) {
    show(number, "Not found", h("section", {}, h("h1", {}, "No such page"),
      h("p", {}, h("a", { href: "#/" }, "Go to your data"))));
    return;
  }
  const [pattern, page, title, ownerOnly] = route;
  if (ownerOnly && !session.token) {
    show(number, "Log in", login.form({ next: `#${path}${query ? `?${query}` : ""}` }));
    return;
  }
  const params = pattern.exec(path).slice(1).map((p) => decodeURIComponent(p));
  const ctx = {
    params, query, search: new URLSearchParams(query), rerender: render, go,
    current: () => number === shown,
  };
  main.setAttribute("aria-busy", "true");
  try {
    show(number, title, await page(ctx));
  } catch (error) {
    show(number, title, h("section", {}, h("h1", {}, title),
      h("p", { class: "error", role: "alert" }, error.message || String(error))));
  }
}

function show(number, title, content) {
  if (number !== shown) return;
  main.removeAttribute("aria-busy");
  main.replaceChildren(content);
  document.title = `${title} · HAT`;
  const first = main.querySelector("[autofocus]");
  (first || main).focus();
}

whenSignedOut(() => go(`#/login?next=${encodeURIComponent(window.location.hash)}`));
window.addEventListener("hashchange", render);
render();
