// The HAT API from the browser: the owner's token (kept for this tab only), JSON requests,
// and error bodies turned into sentences.

const TOKEN_KEY = "openhat.token";
export const V = "/api/v2.6";

export const session = {
  get token() {
    return sessionStorage.getItem(TOKEN_KEY);
  },
  set(token) {
    sessionStorage.setItem(TOKEN_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(TOKEN_KEY);
  },
};

export class ApiError extends Error {
  constructor(status, body) {
    super(errorText(body, status));
    this.status = status;
    this.body = body;
  }
}

/** The sentence an error body says: `{"message", "cause"}`, `{"error", "message"}`, or a
 * JsError object (`{"obj.field": [{"msg": [...], "args": [...]}]}`) as "field: msg. args". */
export function errorText(body, status) {
  if (body && typeof body === "object") {
    const { message, cause, error } = body;
    if (message && typeof message === "object") {
      return Object.entries(message).map(([path, problems]) => {
        const said = (Array.isArray(problems) ? problems : [problems]).flatMap(
          (p) => [...(p?.msg || []), ...(p?.args || [])].map(String));
        const field = path.replace(/^obj\.?/, "");
        return `${field ? `${field}: ` : ""}${said.map((t) => t.replace(/\.+$/, "")).join(". ")}.`;
      }).join("; ");
    }
    const parts = [message, cause].filter((p) => typeof p === "string" && p);
    if (parts.length) return [...new Set(parts)].join(": ");
    if (typeof error === "string") return error;
  }
  return `The HAT answered ${status}`;
}

let onSignedOut = () => {};

/** Called when the HAT refuses the stored token (it expired, or the password changed). */
export function whenSignedOut(callback) {
  onSignedOut = callback;
}

/** A request to the HAT; resolves to the parsed JSON answer, rejects with an ApiError.
 * A refreshed token (`X-Auth-Token` on the answer) replaces the stored one. */
export async function api(path, { method = "GET", body, auth = true } = {}) {
  const headers = {};
  let payload;
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    payload = typeof body === "string" ? body : JSON.stringify(body);
  }
  const response = await send(path, { method, headers, body: payload }, auth);
  return parsed(await response.text());
}

/** A file the HAT answers with (an export archive), fetched with the owner's token in the
 * `X-Auth-Token` header (never in a URL) and saved by the browser under the name the
 * answer's `Content-Disposition` gives, else `fallbackName`. */
export async function download(path, fallbackName) {
  const response = await send(path, { method: "GET", headers: {} }, true);
  const disposition = response.headers.get("Content-Disposition") || "";
  const name = /filename="([^"]+)"/.exec(disposition)?.[1] || fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
  return name;
}

function parsed(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return text;
  }
}

/** fetch with the token (when `auth`), keeping a refreshed one; an error answer rejects
 * with an ApiError (a refused token also signs the tab out). */
async function send(path, init, auth) {
  const token = auth ? session.token : null;
  if (token) init.headers["X-Auth-Token"] = token;
  const response = await fetch(path, { ...init, cache: "no-store" });
  const refreshed = response.headers.get("X-Auth-Token");
  if (token && refreshed && session.token === token) session.set(refreshed);
  if (!response.ok) {
    if (response.status === 401 && token) {
      session.clear();
      onSignedOut();
    }
    throw new ApiError(response.status, parsed(await response.text()));
  }
  return response;
}

/** Log the owner in (`GET /users/access_token`); the token is kept for this tab. */
export async function logIn(username, password) {
  const response = await fetch("/users/access_token", {
    headers: { username: encodeURIComponent(username), password: encodeURIComponent(password) },
    cache: "no-store",
  });
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401) throw new ApiError(401, { message: "Wrong username or password." });
    throw new ApiError(response.status, data);
  }
  session.set(data.accessToken);
}

/** `/api/v2.6/data/{namespace}/{endpoint}` with each path part encoded. */
export function dataPath(endpoint) {
  return `${V}/data/${endpoint.split("/").map(encodeURIComponent).join("/")}`;
}
