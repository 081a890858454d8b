/** The sign-in form: username and password, and where to go afterwards. */
import { html } from "../html.ts";
import { layout } from "../layout.ts";

/** The one message of every failed sign-in, so the page never tells whether a username exists. */
export const SIGNIN_FAILED_MESSAGE = "Username or password is wrong.";

export interface SigninPageOptions {
  /** The same-origin path to continue to. */
  next: string;
  csrfToken: string;
  /** What the user typed last time, kept in the field. */
  username?: string;
  /** A sentence shown above the form and tied to its fields (the generic failure, or a form problem). */
  error?: string | null;
}

export function signinPage({ next, csrfToken, username = "", error = null }: SigninPageOptions): string {
  const describedBy = error ? html` aria-describedby="signin-error" aria-invalid="true"` : "";
  const body = html`${error ? html`<p class="error" id="signin-error" role="alert">${error}</p>` : ""}
<form method="post" action="/signin">
<input type="hidden" name="csrf_token" value="${csrfToken}">
<input type="hidden" name="next" value="${next}">
<div class="field">
<label for="username">Username</label>
<input type="text" id="username" name="username" value="${username}" autocomplete="username" autocapitalize="none" spellcheck="false" required maxlength="100"${describedBy}>
</div>
<div class="field">
<label for="password">Password</label>
<input type="password" id="password" name="password" autocomplete="current-password" required maxlength="1024"${describedBy}>
</div>
<div class="actions"><button type="submit">Sign in</button></div>
</form>`;
  return layout({ title: "Sign in", body });
}
