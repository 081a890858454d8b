/** Small pieces the settings pages share. */
import { html, type SafeHtml } from "../html.ts";

/** An instant as "2026-05-01 12:34 UTC" in a `<time>` element; `empty` when there is none. */
export function time(iso: string | Date | null, empty = "never"): SafeHtml {
  if (!iso) return html`${empty}`;
  const date = typeof iso === "string" ? new Date(iso) : iso;
  return html`<time datetime="${date.toISOString()}">${date.toISOString().slice(0, 16).replace("T", " ")} UTC</time>`;
}

/** The message of a field, tied to its control by id. */
export function fieldError(id: string, message: string | undefined): SafeHtml {
  return message ? html`<p class="field-error" id="${id}">${message}</p>` : html``;
}

/** ` aria-describedby="…" aria-invalid="true"` on a control whose field failed, listing its hint as well. */
export function describedBy(errorId: string, failed: boolean, hintId?: string): SafeHtml {
  const ids = [hintId, failed ? errorId : undefined].filter(Boolean).join(" ");
  return html`${ids ? html` aria-describedby="${ids}"` : ""}${failed ? html` aria-invalid="true"` : ""}`;
}
