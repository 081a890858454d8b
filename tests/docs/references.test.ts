/**
 * Every reference to a document resolves inside the repository: Markdown links (and their
 * `#anchor`) in README.md and docs/, and `*.md` paths cited in the comments of src/, tests/ and
 * scripts/ (`docs/configuration.md#store`). Citations of documents a checkout does not have (the
 * product specs, the seeds, `auth.md §Modes`) fail here, so comments keep pointing into docs/.
 */
import { describe, expect, test } from "bun:test";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, extname, join, relative, resolve } from "node:path";
import { headingAnchors, linkTargets, proseLines } from "../helpers/markdown.ts";

const ROOT = resolve(import.meta.dir, "../..");
const SCANNED = /^(README\.md|config\.ts|docs\/.+|src\/.+|tests\/.+|scripts\/.+)$/;
const TEXT_EXTENSIONS = new Set([".md", ".ts", ".mjs", ".js", ".sh", ".lua", ".conf", ".service", ".css"]);
// A verbatim copy of the product's tool catalog (read by tests/tools/conventions.test.ts), whose citations are the product's,
// and this file, whose examples of broken references are meant to be broken.
const NOT_SCANNED = /^tests\/tools\/spec\/|^tests\/docs\/references\.test\.ts$/;

/** The repository's files (tracked and new, not ignored) that may cite a document. */
function scannedFiles(): string[] {
  const listed = Bun.spawnSync(["git", "ls-files", "--cached", "--others", "--exclude-standard"], { cwd: ROOT });
  if (listed.exitCode !== 0) throw new Error(`git ls-files failed: ${listed.stderr.toString()}`);
  return listed.stdout
    .toString()
    .split("\n")
    .filter((path) => SCANNED.test(path) && !NOT_SCANNED.test(path) && TEXT_EXTENSIONS.has(extname(path)) && existsSync(join(ROOT, path)));
}

const anchorsByFile = new Map<string, Set<string>>();
function anchorsOf(path: string): Set<string> {
  let anchors = anchorsByFile.get(path);
  if (!anchors) anchorsByFile.set(path, (anchors = headingAnchors(readFileSync(path, "utf8"))));
  return anchors;
}

/** Why `target` (a path, optionally with `#anchor`, relative to one of `bases`) does not resolve, or null when it does. */
function problemWith(target: string, bases: string[]): string | null {
  const [pathPart = "", anchor] = target.split("#") as [string, string | undefined];
  const candidates = bases.map((base) => resolve(base, decodeURIComponent(pathPart)));
  const found = candidates.find((candidate) => existsSync(candidate));
  if (!found) {
    const outside = candidates.every((candidate) => relative(ROOT, candidate).startsWith(".."));
    return outside ? "points outside the repository" : "names a file that does not exist";
  }
  if (relative(ROOT, found).startsWith("..")) return "points outside the repository";
  if (anchor === undefined || anchor === "") return null;
  if (statSync(found).isDirectory() || extname(found) !== ".md") return `has an anchor on a file that is not Markdown`;
  return anchorsOf(found).has(anchor) ? null : `names the anchor #${anchor}, which no heading of ${relative(ROOT, found)} produces`;
}

// A path ending in .md, not part of a longer path or URL (`https://…/README.md` is skipped): docs/x.md, ../README.md, x.md#anchor.
const MD_PATH = /(?<![\w./:@-])((?:\.{1,2}\/)*(?:[\w-][\w.-]*\/)*[\w-][\w.-]*\.md)(#[\w-]*)?(?![\w/])/g;
const URL_SCHEME = /^[a-z][a-z0-9+.-]*:/i;
/** Citations that name no file of the repository at all. */
const OUTSIDE_CITATIONS: [RegExp, string][] = [
  [/\.md\s*§/, "cites a section with §: link the heading's #anchor instead"],
  [/\bseeds?\s+0\d\d\b/i, "cites a seed document, which is not in the repository: cite docs/ instead"],
  [/\.\.\/shared\/|\/work\/shared\b/, "points into shared/, which is not in the repository: cite docs/ instead"],
];

/** Every broken reference of one file, as "path:line: reference — why". */
function brokenReferences(path: string): string[] {
  const absolute = join(ROOT, path);
  const text = readFileSync(absolute, "utf8");
  const bases = [dirname(absolute), ROOT];
  const problems: string[] = [];
  const isMarkdown = extname(path) === ".md";
  const lines = isMarkdown ? proseLines(text) : text.split("\n").map((line, index) => ({ line: index + 1, text: line }));
  for (const { line, text: content } of lines) {
    for (const [pattern, why] of OUTSIDE_CITATIONS) if (pattern.test(content)) problems.push(`${path}:${line}: ${content.trim()} — ${why}`);
    for (const match of content.matchAll(MD_PATH)) {
      const reference = match[1]! + (match[2] ?? "");
      const problem = problemWith(reference, bases);
      if (problem) problems.push(`${path}:${line}: ${reference} — ${problem}`);
    }
  }
  if (isMarkdown) {
    for (const { line, target } of linkTargets(text)) {
      if (URL_SCHEME.test(target)) continue;
      // A link is relative to its own file only, as GitHub resolves it.
      const problem = target.startsWith("#")
        ? anchorsOf(absolute).has(target.slice(1))
          ? null
          : `names the anchor ${target}, which no heading of this file produces`
        : problemWith(target, [dirname(absolute)]);
      if (problem) problems.push(`${path}:${line}: (${target}) — ${problem}`);
    }
  }
  return problems;
}

describe("references to documents", () => {
  const files = scannedFiles();

  test("the scan covers the code, the tests and the docs", () => {
    for (const expected of ["README.md", "docs/architecture.md", "src/main.ts", "tests/helpers/markdown.ts"]) expect(files).toContain(expected);
  });

  test("every cited document and anchor exists in the repository", () => {
    expect(files.flatMap(brokenReferences)).toEqual([]);
  });
});

describe("the checker itself", () => {
  test("finds a missing document, a missing anchor, a link outside the repository and a § citation", () => {
    const bases = [join(ROOT, "src"), ROOT];
    expect(problemWith("auth.md", bases)).toBe("names a file that does not exist");
    expect(problemWith("docs/configuration.md#no-such-heading", bases)).toContain("no heading of docs/configuration.md");
    expect(problemWith("../shared/spec/tools.md", [ROOT])).toBe("points outside the repository");
    expect(problemWith("docs/configuration.md#store", bases)).toBeNull();
    expect(OUTSIDE_CITATIONS.some(([pattern]) => pattern.test(" * Step 3 (auth.md §Pipeline)"))).toBe(true);
    expect([..."see docs/x.md#a, https://example.com/README.md and ../README.md".matchAll(MD_PATH)].map((m) => m[1]! + (m[2] ?? ""))).toEqual(["docs/x.md#a", "../README.md"]);
  });
});
