/**
 * HTML built from template literals where every interpolated value is escaped with
 * `Bun.escapeHTML` (& < > " '), so a name, a client's label or an error message can never become
 * markup. Only `SafeHtml` — the result of another `html` template — is inserted as is.
 */

/** Markup that is already safe: produced by `html`, never by concatenating outside input. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** What may be interpolated: text (escaped), fragments, lists of either, and nothing (null, undefined, false). */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

function render(value: HtmlValue): string {
  if (value === null || value === undefined || value === false) return "";
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join("");
  return Bun.escapeHTML(String(value));
}

/**
 * The tagged template: `html\`<p>${name}</p>\``. Attribute values must be quoted in the template
 * (`value="${x}"`); the escaping covers both quote characters.
 */
export function html(strings: TemplateStringsArray, ...values: HtmlValue[]): SafeHtml {
  let out = strings[0]!;
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + strings[i + 1]!;
  return new SafeHtml(out);
}
