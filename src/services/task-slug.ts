/** Slugs of tasks (docs/tools.md#slugs). */
export const SLUG_MAX_LENGTH = 50;

/** Lowercase; each run outside [a-z0-9] becomes "-"; "-" trimmed; cut to 50; empty → "task". */
export function slugBase(title: string): string {
  const slug = title
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, SLUG_MAX_LENGTH)
    .replace(/-+$/, "");
  return slug || "task";
}

/** The slug with suffix `n`: `base` for 0, else `base-n`. */
export const slugWithSuffix = (base: string, n: number): string => (n === 0 ? base : `${base}-${n}`);

/** The first n of 0, 1, 2, … whose slugWithSuffix(base, n) is not in `taken`. */
export function firstFreeSuffix(base: string, taken: Iterable<string>): number {
  const used = new Set(taken);
  for (let n = 0; ; n++) if (!used.has(slugWithSuffix(base, n))) return n;
}
