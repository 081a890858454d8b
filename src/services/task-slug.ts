/** Slugs of tasks (docs/tools.md#slugs). */
export const SLUG_MAX_LENGTH = 50;

/** Lowercase; each run outside [a-z0-9] becomes "-"; "-" trimmed; cut to 50; empty → "task". */
export function slugBase(title: string): string {
  const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, SLUG_MAX_LENGTH).replace(/-+$/, "");
  return slug || "task";
}

/** The first of `base`, `base-1`, `base-2`, … that is not in `taken`. */
export function firstFreeSlug(base: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  if (!used.has(base)) return base;
  for (let n = 1; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}
