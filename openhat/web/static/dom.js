// Building the page from data without ever parsing it as HTML: every value the HAT or an
// application supplies becomes a text node or an attribute, never markup.

/** `h("a", {href: "#/x", onclick: fn}, "text", child)`: an element with attributes, event
 * listeners (`on…`) and children (strings become text; null, undefined and false are left out). */
export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "value") el.value = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : String(child));
  }
  return el;
}

let ids = 0;

/** A form row: `input` with a visible label bound to it (and an optional hint). */
export function labelled(text, input, hint) {
  if (!input.id) input.id = `field-${++ids}`;
  const row = h("div", { class: "field" }, h("label", { for: input.id }, text), input);
  if (hint) {
    const hintEl = h("p", { class: "hint", id: `${input.id}-hint` }, hint);
    input.setAttribute("aria-describedby", hintEl.id);
    row.append(hintEl);
  }
  return row;
}

/** A message region announced to screen readers; `show(text)` fills it, `show()` hides it. */
export function alertBox(kind = "error") {
  const el = h("p", { class: kind, role: kind === "error" ? "alert" : "status", hidden: true });
  el.show = (text) => {
    el.textContent = text || "";
    el.hidden = !text;
  };
  return el;
}

/** Ask before something that cannot be undone: a modal dialog (Escape or Cancel = no). */
export function confirmAction(question, action = "Delete") {
  return new Promise((resolve) => {
    const text = h("p", { id: `confirm-${++ids}` }, question);
    const dialog = h("dialog", { "aria-labelledby": text.id, class: "confirm" }, text);
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      resolve(answer);
    };
    dialog.append(h("div", { class: "actions" },
      h("button", { type: "button", class: "danger", onclick: () => done(true) }, action),
      h("button", { type: "button", autofocus: true, onclick: () => done(false) }, "Cancel")));
    dialog.addEventListener("cancel", (event) => {
      event.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}

/** A button that runs `action` once at a time (disabled while it runs). */
export function actionButton(label, action, attrs = {}) {
  const button = h("button", { type: "button", ...attrs }, label);
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await action();
    } finally {
      button.disabled = false;
    }
  });
  return button;
}

/** JSON pretty-printed in a scrollable block. */
export function jsonBlock(value) {
  return h("pre", { class: "json", tabindex: "0" }, JSON.stringify(value, null, 2));
}

/** A HAT date (ISO text or unix ms) for people; "" for none. */
export function when(value) {
  if (value === null || value === undefined || value === "") return "";
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? String(value) : date.toLocaleString();
}
