/** The document around every page: one `<main>`, one `<h1>`, the site header and its navigation. */
import { COPY_SCRIPT_URL, STYLESHEET_URL } from "./assets.ts";
import { html, type SafeHtml } from "./html.ts";

/** The pages the navigation links to; `current` marks one with aria-current. */
export type NavPage = "api-keys" | "connections";

export interface LayoutOptions {
  /** The page's `<h1>`, and the start of its `<title>`. */
  title: string;
  body: SafeHtml;
  /** Who is signed in; the navigation is shown only then. */
  user?: { username: string; name: string } | null;
  /** A CSRF token for the sign-out form; without it (dev mode, signed out) there is no sign-out button. */
  signOutToken?: string | null;
  current?: NavPage;
  /** Loads the copy button's script. */
  copyScript?: boolean;
}

const NAV: { page: NavPage; href: string; label: string }[] = [
  { page: "api-keys", href: "/settings/api-keys", label: "API keys" },
  { page: "connections", href: "/settings/connections", label: "Connections" },
];

function siteHeader({ user, signOutToken, current }: LayoutOptions): SafeHtml {
  if (!user) return html`<header class="site"><span class="brand">Superset</span></header>`;
  const links = NAV.map(({ page, href, label }) => html`<li><a href="${href}"${page === current ? html` aria-current="page"` : ""}>${label}</a></li>`);
  const signOut = signOutToken
    ? html`<form method="post" action="/signout"><input type="hidden" name="csrf_token" value="${signOutToken}"><button type="submit" class="link">Sign out</button></form>`
    : html`<span class="muted">(development mode)</span>`;
  return html`<header class="site">
<a class="brand" href="/settings/api-keys">Superset</a>
<nav aria-label="Settings"><ul>${links}</ul></nav>
<p class="who muted">Signed in as <strong>${user.name}</strong> (${user.username}) ${signOut}</p>
</header>`;
}

/** A whole HTML document. */
export function layout(options: LayoutOptions): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${options.title} · Superset</title>
<link rel="stylesheet" href="${STYLESHEET_URL}">
${options.copyScript ? html`<script src="${COPY_SCRIPT_URL}" defer></script>` : ""}
</head>
<body>
${siteHeader(options)}
<main>
<h1>${options.title}</h1>
${options.body}
</main>
</body>
</html>
`.value;
}
