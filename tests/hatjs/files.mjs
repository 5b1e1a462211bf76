// The whole files() group of @dataswift/hat-js 0.5.0 against a running openhat: the SDK's
// three-step upload (metadata, a PUT of the bytes to contentUrl with no token, complete),
// public and private content, updates, searches and deletion.
// Usage: node files.mjs HOST:PORT USERNAME PASSWORD   (exit code 0 when every step passed)
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

const login = await fetch(`${base}/users/access_token`, {
  headers: { username: encodeURIComponent(username), password: encodeURIComponent(password) },
});
const { accessToken } = await login.json();
let latestToken = accessToken;
const hat = new HatClient({
  token: accessToken, apiVersion: "v2.6", secure: false,
  onTokenChange: (token) => { latestToken = token; },
});
const files = hat.files();

// A PNG-ish payload with every byte value, so nothing is mangled on the way.
const bytes = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47]),
                             Buffer.from([...Array(256).keys()]), Buffer.alloc(5000, 7)]);
const done = await files.uploadFile({ name: "holiday photo.png", source: "sdkcheck",
                                      tags: ["sdk"], title: "From the SDK" }, bytes,
                                    "image/png");
check(done.status === 200 && done.parsedBody.status.status === "Completed",
      "files().uploadFile: metadata, PUT to contentUrl, complete");
const file = done.parsedBody;
check(file.status.size === bytes.length, "the completed size is the uploaded size");
check(file.fileId === "sdkcheckholiday-photo.png", "fileId made from source and name");

const contentUrl = files.generateFileContentUrl(file.fileId);
check(contentUrl === `${base}/api/v2.6/files/content/${file.fileId}`,
      "files().generateFileContentUrl");
const own = await fetch(contentUrl, { headers: { "X-Auth-Token": latestToken } });
check(own.ok && Buffer.from(await own.arrayBuffer()).equals(bytes),
      "the owner reads the content through the redirect");
check(own.headers.get("content-type") === "image/png", "the content keeps its type");
const anonymous = await fetch(contentUrl);
check(anonymous.status === 404, "private content needs a token");

const made = await files.markFileAsPublic(file.fileId);
check(made.parsedBody.contentPublic === true, "files().markFileAsPublic");
const open = await fetch(contentUrl);
check(open.ok && Buffer.from(await open.arrayBuffer()).equals(bytes),
      "public content needs no token");
const closed = await files.markFileAsPrivate(file.fileId);
check(closed.parsedBody.contentPublic === false, "files().markFileAsPrivate");
check((await fetch(contentUrl)).status === 404, "private again");

const updated = await files.updateFileParameters(file.fileId, {
  name: "renamed.png", source: "sdkcheck", tags: ["sdk", "renamed"], title: "Renamed" });
check(updated.parsedBody.name === "renamed.png" && updated.parsedBody.fileId === file.fileId,
      "files().updateFileParameters");

const bySource = await files.searchFiles({ name: "", source: "sdkcheck" });
check(bySource.parsedBody.length === 1 && bySource.parsedBody[0].title === "Renamed",
      "files().searchFiles by source");
const byTag = await files.searchFiles({ name: "", source: "", tags: ["renamed"] });
check(byTag.parsedBody.length === 1 && Boolean(byTag.parsedBody[0].contentUrl),
      "files().searchFiles by tag, with a content URL");
const none = await files.searchFiles({ name: "nothing", source: "" });
check(none.parsedBody.length === 0, "a search matching nothing");

const deleted = await files.deleteFile(file.fileId);
check(deleted.parsedBody.status.status === "Deleted", "files().deleteFile");
const gone = await fetch(contentUrl, { headers: { "X-Auth-Token": latestToken } });
check(gone.status === 404, "deleted content is gone");

let refused = false;
try {
  await files.uploadFile({ name: "x", source: "sdkcheck" }, undefined, "image/png");
} catch (error) {
  refused = true;
}
check(refused, "uploading no file is an error to the SDK");
console.log("all hat-js file checks passed");
