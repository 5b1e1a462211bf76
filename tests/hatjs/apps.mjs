// The application calls of @dataswift/hat-js 0.5.0 against a running openhat, and an app's
// own client working within its grants.
// Usage: node apps.mjs HOST:PORT USERNAME PASSWORD   (exit code 0 when every step passed)
import hatjs from "@dataswift/hat-js";

const { HatClient } = hatjs;
const [domain, username, password] = process.argv.slice(2);
const base = `http://${domain}`;

function check(condition, message) {
  if (!condition) {
    throw new Error(`check failed: ${message}`);
  }
  console.log(`ok - ${message}`);
}

async function status(promise) {
  try {
    return (await promise).status;
  } catch (error) {
    return error.status;
  }
}

const login = await fetch(`${base}/users/access_token`, {
  headers: { username: encodeURIComponent(username), password: encodeURIComponent(password) },
});
const { accessToken } = await login.json();
const owner = new HatClient({ token: accessToken, apiVersion: "v2.6", secure: false });
const headers = { "Content-Type": "application/json", "X-Auth-Token": accessToken };

const manifest = {
  id: "notes-app", kind: { kind: "App", url: "https://notes.example.com" },
  info: { version: "1.0.0", name: "Notes", headline: "Notes", dataUsePurpose: "notes",
          description: { text: "", markdown: "", html: "" }, published: true,
          graphics: { banner: { normal: "" }, logo: { normal: "" }, screenshots: [] },
          rating: { score: "A", points: 1 }, supportContact: "", termsUrl: "" },
  developer: { id: "dev", name: "Dev", url: "https://notes.example.com", country: "UK" },
  permissions: { rolesGranted: [{ role: "namespacewrite", detail: "notes" },
                                { role: "namespaceread", detail: "notes" }] },
  setup: { kind: "External", url: "https://notes.example.com/setup", onboarding: [],
           validRedirectUris: [] },
  status: { kind: "Internal", compatibility: "1.0.0", expectedStatus: 200,
            dataPreviewEndpoint: "", recentDataCheckEndpoint: "notes/items",
            versionReleaseDate: "", statusUrl: "" },
};
const registered = await fetch(`${base}/api/v2.6/applications`,
                               { method: "POST", headers, body: JSON.stringify(manifest) });
check(registered.status === 201, "register an application (openhat)");

const all = await owner.applications().getAllDefault();
check(all.status === 200 && all.parsedBody.length === 1, "applications().getAllDefault");
const one = await owner.applications().getById("notes-app");
check(one.parsedBody.application.id === "notes-app", "applications().getById");
check(owner.applications().getAppStatus(one.parsedBody) === "untouched", "status untouched");
check(owner.applications().getSetupUrl(one.parsedBody, "https://back", "https://fb")
        .includes("notes.example.com"), "applications().getSetupUrl");

await fetch(`${base}/api/v2.6/applications/notes-app/setup`, { headers });
const enabled = await owner.applications().getById("notes-app");
check(owner.applications().getAppStatus(enabled.parsedBody) === "goto", "status after setup");

const tokenAnswer = await fetch(`${base}/api/v2.6/applications/notes-app/access-token`,
                                { headers });
const appToken = (await tokenAnswer.json()).accessToken;
const app = new HatClient({ token: appToken, apiVersion: "v2.6", secure: false });
check(app.auth().getHatDomain() === base, "app client base URL from the app token");
const saved = await app.hatData().create("notes", "items", { text: "hello" });
check(saved.status === 201, "app writes its namespace");
const read = await app.hatData().getAllDefault("notes", "items");
check(read.parsedBody.length === 1, "app reads its namespace");
check(await status(app.hatData().getAllDefault("rumpel", "locations")) === 403,
      "app is refused outside its grants");
const fresh = await owner.applications().getById("notes-app");
check(Boolean(fresh.parsedBody.mostRecentData), "mostRecentData after the app wrote");

await fetch(`${base}/api/v2.6/applications/notes-app/disable`, { headers });
check(await status(app.hatData().getAllDefault("notes", "items")) === 401,
      "a disabled app's token is refused at once");
console.log("all hat-js application checks passed");
