/**
 * The two static files of the web pages, served from memory under content-hashed URLs so they can
 * be cached for a year: the stylesheet, and the copy button's script (the page works without it;
 * it is a same-origin file because the CSP allows no inline script).
 */
import { Elysia } from "elysia";
import stylesheet from "./styles.css" with { type: "text" };

/** Shows each `button[data-copy]` and copies the value of the element it names; the text stays selectable without it. */
const COPY_SCRIPT = `"use strict";
for (const button of document.querySelectorAll("button[data-copy]")) {
  const target = document.getElementById(button.dataset.copy);
  const status = document.getElementById(button.dataset.status);
  if (!target || !navigator.clipboard) continue;
  button.hidden = false;
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(target.value);
      if (status) status.textContent = "Copied to the clipboard.";
    } catch {
      target.select();
      if (status) status.textContent = "Copying was not allowed; the key is selected, copy it with your keyboard.";
    }
  });
}
`;

const ONE_YEAR_SECONDS = 365 * 24 * 60 * 60;

const versioned = (path: string, content: string) => `${path}?v=${new Bun.CryptoHasher("sha256").update(content).digest("hex").slice(0, 12)}`;

export const STYLESHEET_URL = versioned("/assets/styles.css", stylesheet);
export const COPY_SCRIPT_URL = versioned("/assets/copy.js", COPY_SCRIPT);

function asset(content: string, contentType: string): Response {
  return new Response(content, {
    headers: {
      "Content-Type": contentType,
      // The URL changes with the content, so a stale copy is never used.
      "Cache-Control": `public, max-age=${ONE_YEAR_SECONDS}, immutable`,
      "X-Content-Type-Options": "nosniff",
    },
  });
}

export const webAssets = () =>
  new Elysia({ name: "web-assets" }).get("/assets/styles.css", () => asset(stylesheet, "text/css; charset=utf-8")).get("/assets/copy.js", () => asset(COPY_SCRIPT, "text/javascript; charset=utf-8"));
