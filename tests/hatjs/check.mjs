// Drives a running openhat with @dataswift/hat-js 0.5.0, as an app developer would.
// Usage: node check.mjs HOST:PORT USERNAME PASSWORD   (exit code 0 when every step passed)
import hatjs from "@dataswift/hat-js";

const { HatClient } = hatjs;
const [domain, username, password] = process.argv.slice(2);

function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
  console.log(`ok - ${message}`);
}

// hat-js has no login call: clients log in with these headers (decisions doc).
const login = await fetch(`http://${domain}/users/access_token`, {
  headers: { username: encodeURIComponent(username), password: encodeURIComponent(password) },
});
check(login.ok, "login with username/password headers");
const { accessToken } = await login.json();

let latestToken = accessToken;
const hat = new HatClient({
  token: accessToken, apiVersion: "v2.6", secure: false,
  onTokenChange: (token) => { latestToken = token; },
});
check(hat.auth().getHatDomain() === `http://${domain}`, "base URL built from the token's iss");
check(!hat.auth().isTokenExpired(accessToken), "token is not expired to the SDK");

const created = await hat.hatData().create("rumpel", "locations", { latitude: 51.5, longitude: -0.1 });
check(created.status === 201 && created.parsedBody.recordId, "hatData().create");
const second = await hat.hatData().create("rumpel", "locations", { latitude: 40.7, longitude: -74 });

const all = await hat.hatData().getAll("rumpel", "locations", { orderBy: "latitude", ordering: "descending", take: 10 });
check(all.parsedBody.length === 2 && all.parsedBody[0].data.latitude === 51.5, "hatData().getAll with options");

const byDefault = await hat.hatData().getAllDefault("rumpel", "locations");
check(byDefault.parsedBody.length === 2, "hatData().getAllDefault");

const record = created.parsedBody;
const updated = await hat.hatData().update([{ ...record, data: { latitude: 52.2, longitude: 0.1 } }]);
check(updated.status === 201 && updated.parsedBody[0].data.latitude === 52.2, "hatData().update");

const deleted = await hat.hatData().delete([record.recordId, second.parsedBody.recordId]);
check(deleted.status === 200, "hatData().delete with comma-joined ids");
const empty = await hat.hatData().getAllDefault("rumpel", "locations");
check(empty.parsedBody.length === 0, "records are gone");

check(Boolean(created.token) && typeof latestToken === "string", "refreshed token handed to the SDK");

let refused = false;
try {
  await hat.hatData().create("rumpel", "locations", [{ a: 1 }, { a: 1 }]);
} catch (error) {
  refused = error.status === 400;
}
check(refused, "a duplicate is an error to the SDK");
console.log("all hat-js checks passed");
