// The rules of the hatlogin page, as pure functions (tests/browser runs them table-driven).
//
// The SDK builds `#/hatlogin?name=APP&redirect=URL&fallback=URL` (auth().generateHatLoginUrl)
// and `#/hatlogin?name=APP&fallback=F&redirect={setup.url}%3Fredirect=R`
// (applications().getSetupUrl) without encoding the values, so a value may hold `&`, `?` and
// `=` of its own. A token goes only to an address the application's manifest names.

const KEYS = ["name", "application_id", "redirect", "redirect_uri", "fallback"];

function decode(value) {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** `{name, redirect, fallback}` from the query of the hatlogin hash. A part starts a new
 * value only when it names a known parameter not seen yet; any other `&…` belongs to the
 * value before it (an unencoded URL's own query). Values are percent-decoded once; `+`
 * stays `+`. `application_id` and `redirect_uri` are the original's aliases. */
export function parseHatLoginQuery(query) {
  const found = {};
  let current = null;
  for (const part of query.replace(/^\?/, "").split("&")) {
    const eq = part.indexOf("=");
    const key = eq < 0 ? part : part.slice(0, eq);
    if (KEYS.includes(key) && !(key in found)) {
      current = key;
      found[key] = eq < 0 ? "" : part.slice(eq + 1);
    } else if (current !== null) {
      found[current] += `&${part}`;
    }
  }
  const value = (key) => (key in found ? decode(found[key]) : "");
  return {
    name: value("name") || value("application_id"),
    redirect: value("redirect_uri") || value("redirect"),
    fallback: value("fallback"),
  };
}

/** `url` when it is an absolute http(s) address, else null (no `javascript:` or `data:`). */
export function webAddress(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === "https:" || parsed.protocol === "http:" ? url : null;
  } catch {
    return null;
  }
}

/** Whether `manifest` lets its token go to `redirect`: exactly one of its
 * `setup.validRedirectUris`, or its own `setup.url` followed by `?redirect=` (the setup URL
 * form: the app's setup page gets the token, and sends the user on to its own `redirect`). */
export function redirectAllowed(manifest, redirect) {
  if (!webAddress(redirect)) return false;
  const setup = (manifest && manifest.setup) || {};
  const listed = Array.isArray(setup.validRedirectUris) ? setup.validRedirectUris : [];
  if (listed.includes(redirect)) return true;
  const setupUrl = typeof setup.url === "string" ? setup.url : "";
  return Boolean(webAddress(setupUrl)) && !setupUrl.includes("?")
    && redirect.startsWith(`${setupUrl}?redirect=`);
}

/** `url` with `token=` added to its query (`?` or `&`), before any `#fragment`. */
export function withToken(url, token) {
  const hash = url.indexOf("#");
  const base = hash < 0 ? url : url.slice(0, hash);
  const fragment = hash < 0 ? "" : url.slice(hash);
  return `${base}${base.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}${fragment}`;
}

const ROLE_WORDS = {
  owner: () => "Act as you: everything you can do with your HAT, all of its data included",
  namespaceread: (d) => `Read your data in “${d}”`,
  namespacewrite: (d) => `Add and change data in “${d}”`,
  datadebit: (d) => `Read what the data debit “${d}” shares`,
  applicationmanage: (d) => `Set up, disable and see the status of the application “${d}”`,
  applicationstatusread: (d) => `See the status of the application “${d}”`,
  applicationlist: () => "See which applications your HAT has",
  retrieveapplicationtoken: (d) => `Get access for the application “${d}”`,
  datacredit: () => "Ask you for data debits",
};

/** A granted role (`{"role", "detail"}`) in plain words. */
export function roleInWords(grant) {
  const role = String(grant?.role || "").toLowerCase();
  const detail = grant?.detail ? String(grant.detail) : "";
  const words = ROLE_WORDS[role];
  if (words && (detail || !words.length)) return words(detail);
  return detail ? `${role} (${detail})` : role;
}

/** The endpoints a bundle (`{"name", "bundle": {property: {"endpoints": [...]}}}`) reads,
 * each `{endpoint, filtered}`. */
export function bundleEndpoints(bundle) {
  const out = [];
  for (const property of Object.values((bundle && bundle.bundle) || {})) {
    for (const query of (property && property.endpoints) || []) {
      if (query && typeof query.endpoint === "string") {
        out.push({ endpoint: query.endpoint, filtered: Array.isArray(query.filters) && query.filters.length > 0 });
      }
    }
  }
  return out;
}
