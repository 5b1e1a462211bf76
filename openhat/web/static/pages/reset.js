// The page the password-reset mail links to: `#/user/password/change/{token}`.

import { api } from "../api.js";
import { h } from "../dom.js";
import { newPasswordForm } from "./settings.js";

export async function render(ctx) {
  const [token] = ctx.params;
  const form = newPasswordForm({
    heading: "Choose a new password", submitLabel: "Set password",
    send: async (newPassword) => {
      await api(`/control/v2/auth/passwordreset/confirm/${encodeURIComponent(token)}`,
        { method: "POST", body: { newPassword }, auth: false });
      return "Your password is changed. You can log in with it now.";
    },
  });
  return h("section", {}, form, h("p", {}, h("a", { href: "#/login" }, "Log in")));
}
