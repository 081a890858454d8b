/**
 * What a caller may give as a Git URL, and the folder name a clone gets. git itself would run a
 * command for `ext::…` or take `--upload-pack=…` as an option, so both are refused before git
 * ever sees them.
 */
import { CommandError } from "./types.ts";

const ALLOWED_SCHEMES = new Set(["https:", "http:", "ssh:", "git:", "git+ssh:", "ssh+git:", "file:"]);
// user@host:path (scp-like); the host must start with a letter or digit so it is never an ssh option.
const SCP_LIKE = /^(?:[A-Za-z0-9._~-]+@)?[A-Za-z0-9][A-Za-z0-9.-]*:(?!\/\/)[^\s]+$/;

function refuse(url: string, why: string): never {
  throw new CommandError("invalid", `The gitUrl "${url}" ${why}; give an https://, ssh://, git@host:path or absolute file URL.`);
}

/** Throws CommandError("invalid") unless `url` is a plain https/ssh/git/scp-like/file URL or an absolute path. */
export function checkGitUrl(url: string): void {
  if (url.startsWith("-")) refuse(url, "looks like a command-line option");
  if (/[\0-\x1f\x7f]/.test(url)) refuse(url, "contains control characters");
  // `transport::address` hands the address to a remote helper (ext:: runs a command).
  if (/^[A-Za-z][A-Za-z0-9+.-]*::/.test(url)) refuse(url, "uses a transport helper (`name::`), which is not allowed");
  if (url.startsWith("/")) return;
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*:)\/\//.exec(url)?.[1]?.toLowerCase();
  if (scheme !== undefined) {
    if (!ALLOWED_SCHEMES.has(scheme)) refuse(url, `uses the scheme ${scheme} which is not allowed`);
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      refuse(url, "is not a valid URL");
    }
    if (parsed.hostname.startsWith("-") || decodeURIComponent(parsed.username).startsWith("-")) refuse(url, "has a host or user that looks like an option");
    return;
  }
  if (SCP_LIKE.test(url) && !url.includes("::")) return;
  refuse(url, "is not a URL git can clone safely");
}

/** The last path segment of a Git URL without `.git`, e.g. `git@github.com:acme/web.git` → `web`. */
export function projectNameFromUrl(url: string): string {
  const trimmed = url.replace(/[/\\]+$/, "").replace(/\.git$/i, "");
  const last = trimmed.split(/[/\\:]/).pop() ?? "";
  return last || "project";
}

/** `name` as one safe folder name: unusual characters become `-`, no leading dots or dashes, at most 100 characters. */
export function sanitizeFolderName(name: string): string {
  const cleaned = name
    .trim()
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^[.-]+/, "")
    .replace(/-+$/, "")
    .slice(0, 100);
  if (cleaned === "" || cleaned === "." || cleaned === "..") {
    throw new CommandError("invalid", `The project name "${name}" gives no usable folder name; use letters, digits, dots, dashes or underscores.`);
  }
  return cleaned;
}
