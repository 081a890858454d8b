/** The page of a refusal or failure: a title and one sentence, with the status it stands for. */
import { html } from "../html.ts";
import { layout } from "../layout.ts";
import { htmlResponse } from "../respond.ts";

export interface ErrorPageOptions {
  status: number;
  title: string;
  message: string;
  /** Extra headers, e.g. Retry-After on a 429. */
  headers?: Record<string, string>;
  /** Where the page's one link leads; the settings by default. */
  back?: { href: string; label: string };
}

export function errorPage({ status, title, message, headers, back = { href: "/settings/api-keys", label: "Go to your settings" } }: ErrorPageOptions): Response {
  const body = html`<p class="error" role="alert">${message}</p>
<p><a href="${back.href}">${back.label}</a></p>`;
  return htmlResponse(layout({ title, body }), { status, headers });
}
