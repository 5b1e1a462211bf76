// Files: the owner's files (a search with an empty template), uploading one in the HAT's
// three steps, image previews from the HAT's signed content URLs, public or private, delete.

import { api, V } from "../api.js";
import { actionButton, alertBox, confirmAction, h, labelled, when } from "../dom.js";

const SOURCE = "web"; // the `source` of files uploaded here (ids are made from source and name)

function size(bytes) {
  if (bytes === undefined) return "";
  if (bytes < 1024) return `${bytes} B`;
  const kib = bytes / 1024;
  return kib < 1024 ? `${kib.toFixed(1)} KiB` : `${(kib / 1024).toFixed(1)} MiB`;
}

/** Upload `file`: its metadata (→ a signed `contentUrl`), the bytes PUT there without the
 * owner's token, then completion. */
async function upload(file) {
  const type = file.type || "application/octet-stream";
  const started = await api(`${V}/files/upload`, { method: "POST",
    body: { name: file.name, source: SOURCE, contentType: type } });
  const put = await fetch(started.contentUrl, { method: "PUT", body: file, cache: "no-store",
    headers: { "Content-Type": type, "x-amz-server-side-encryption": "AES256" } });
  if (!put.ok) throw new Error(`The upload of ${file.name} failed (the HAT answered ${put.status}).`);
  return api(`${V}/files/file/${encodeURIComponent(started.fileId)}/complete`, { method: "PUT" });
}

function card(file, ctx, status) {
  const path = encodeURIComponent(file.fileId);
  const label = file.title || file.name;
  const run = (text, action, attrs) => actionButton(text, async () => {
    try {
      await action();
      ctx.rerender();
    } catch (error) {
      status.show(`${label}: ${error.message}`);
    }
  }, { ...attrs, "aria-label": `${text} ${label}` });
  const share = file.contentPublic
    ? run("Make private", () => api(`${V}/files/restrictAccessPublic/${path}`))
    : run("Make public", () => api(`${V}/files/allowAccessPublic/${path}`));
  const remove = run("Delete", async () => {
    if (await confirmAction(`Delete ${label}? Its content is removed from your HAT.`))
      await api(`${V}/files/file/${path}`, { method: "DELETE" });
  }, { class: "danger" });
  const image = file.contentUrl && /^image\//.test(file.contentType || "");
  const complete = file.status?.status === "Completed";
  return h("article", { class: "card file", "data-file": file.fileId },
    image ? h("img", { src: file.contentUrl, alt: label, class: "preview", loading: "lazy" }) : null,
    h("h2", {}, label),
    h("p", { class: "muted" }, [file.contentType, size(file.status?.size), when(file.dateCreated)]
      .filter(Boolean).join(" · ")),
    h("p", { class: "status" },
      h("span", { class: "badge" }, complete ? (file.contentPublic ? "Public" : "Private")
        : "Upload not finished"),
      file.source !== SOURCE ? h("span", { class: "badge" }, `From ${file.source}`) : null,
      (file.tags || []).map((t) => h("span", { class: "badge" }, t))),
    h("div", { class: "actions" },
      file.contentUrl ? h("a", { href: file.contentUrl, class: "button", download: file.name,
        "aria-label": `Download ${label}` }, "Download") : null,
      complete ? share : null, remove));
}

function uploadForm(ctx) {
  const input = h("input", { type: "file", name: "file", multiple: true, required: true });
  const problem = alertBox();
  const submit = h("button", { type: "submit", class: "primary" }, "Upload");
  const form = h("form", { class: "card", "aria-label": "Upload files" },
    h("h2", {}, "Upload"), labelled("Files to upload", input), problem,
    h("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.show();
    submit.disabled = true;
    try {
      for (const file of input.files) await upload(file);
      ctx.rerender();
    } catch (error) {
      problem.show(error.message);
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

export async function render(ctx) {
  const found = await api(`${V}/files/search`, { method: "POST", body: { name: "", source: "" } });
  const files = (found || []).filter((f) => f.status?.status !== "Deleted")
    .sort((a, b) => (b.dateCreated || 0) - (a.dateCreated || 0));
  const status = alertBox();
  return h("section", {}, h("h1", {}, "Files"), uploadForm(ctx), status,
    files.length === 0
      ? h("p", {}, "No files yet. Photos, scans and documents you upload are kept here.")
      : h("div", { class: "files" }, files.map((f) => card(f, ctx, status))));
}
