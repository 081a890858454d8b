/** What `superset connect --print` shows: the lines that change, as one hunk, with the API key masked. */

/** `text` with the key replaced by its first characters, for a terminal or a log. */
export function maskKey(text: string, key: string | null): string {
  return key ? text.replaceAll(key, `${key.slice(0, 12)}…`) : text;
}

/**
 * The change from `before` to `after` as a unified diff of one hunk: the common first and last
 * lines are left out, the lines between shown as removed and added. Cheap on any file size.
 */
export function describeChange(path: string, before: string | null, after: string): string {
  const old = before === null ? [] : before.split("\n");
  const next = after.split("\n");
  let start = 0;
  while (start < old.length && start < next.length && old[start] === next[start]) start++;
  let end = 0;
  while (end < old.length - start && end < next.length - start && old[old.length - 1 - end] === next[next.length - 1 - end]) end++;
  const removed = old.slice(start, old.length - end);
  const added = next.slice(start, next.length - end);
  return [
    `--- ${before === null ? "/dev/null" : path}`,
    `+++ ${path}`,
    `@@ -${start + 1},${removed.length} +${start + 1},${added.length} @@`,
    ...removed.map((line) => `-${line}`),
    ...added.map((line) => `+${line}`),
  ].join("\n");
}
