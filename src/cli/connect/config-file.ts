/**
 * Reading and writing a client's config file safely: at most MAX_FILE_BYTES read, a symlinked
 * file written through to its target (so a dotfile manager's link stays), a timestamped backup
 * of the old text first, the new text written to a temporary file with the old file's mode and
 * renamed over it, so a crash leaves the old file or the new one, never half of one.
 */
import { chmodSync, closeSync, constants, existsSync, fstatSync, lstatSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { readUtf8 } from "../../mcp-config/read.ts";
import { UsageError } from "../command.ts";

/** Client config files are a few KB (~/.claude.json holds history and may reach a few hundred). */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;
/** A new file that holds an API key is readable by its owner only. */
const SECRET_FILE_MODE = 0o600;
const PLAIN_FILE_MODE = 0o644;

/** A config file as found: where writes go, its text and its permission bits; text null when it does not exist. */
export interface ExistingFile {
  /** The path given, or the target of the symlink it is. */
  writePath: string;
  text: string | null;
  mode: number | null;
}

/** Reads `path` if it exists: a regular file (or a link to one) of at most MAX_FILE_BYTES, UTF-8. */
export function readExisting(path: string): ExistingFile {
  let isLink = false;
  try {
    isLink = lstatSync(path).isSymbolicLink();
  } catch {
    return { writePath: path, text: null, mode: null };
  }
  let writePath = path;
  if (isLink) {
    try {
      writePath = realpathSync(path);
    } catch {
      throw new UsageError(`${path} is a symbolic link that leads nowhere; nothing was written. Remove the link or point it at a file.`);
    }
  }
  const fd = openSync(writePath, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile()) throw new UsageError(`${path} is not a regular file; nothing was written.`);
    if (stat.size > MAX_FILE_BYTES)
      throw new UsageError(
        `${path} is ${stat.size} bytes, over the ${MAX_FILE_BYTES} bytes superset connect reads; nothing was written. Add the entry by hand, as the README's Connecting clients section shows.`,
      );
    const text = readUtf8(fd, stat.size);
    if (text === "changed") throw new UsageError(`${path} changed while superset connect read it; nothing was written. Run it again once the client has finished writing.`);
    if (text === null) throw new UsageError(`${path} is not UTF-8 text; nothing was written.`);
    return { writePath, text, mode: stat.mode & 0o7777 };
  } finally {
    closeSync(fd);
  }
}

/** Whether `path` lies inside a git work tree: a `.git` (folder or worktree file) in its folder or one above. */
export function isInsideGitWorkTree(path: string): boolean {
  let dir = dirname(path);
  while (!existsSync(dir) && dirname(dir) !== dir) dir = dirname(dir);
  for (let current = realpathSync(dir); ; current = dirname(current)) {
    if (existsSync(join(current, ".git"))) return true;
    if (dirname(current) === current) return false;
  }
}

/** A backup path beside `path` that does not exist yet: `<path>.bak-<UTC time>` (with a counter when two runs share a second). */
function freeBackupPath(path: string, now: Date): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  for (let attempt = 0; ; attempt++) {
    const candidate = `${path}.bak-${stamp}${attempt ? `-${attempt}` : ""}`;
    if (!existsSync(candidate)) return candidate;
  }
}

/**
 * Writes `text` to the file: the old text first to a backup (same mode), then the new text
 * through a temporary file renamed into place. Returns the backup's path, or null for a new file.
 */
export function writeWithBackup(file: ExistingFile, text: string, holdsSecret: boolean, now = new Date()): string | null {
  const { writePath } = file;
  mkdirSync(dirname(writePath), { recursive: true, mode: 0o700 });
  const mode = file.mode ?? (holdsSecret ? SECRET_FILE_MODE : PLAIN_FILE_MODE);
  let backup: string | null = null;
  if (file.text !== null) {
    backup = freeBackupPath(writePath, now);
    // wx: never overwrites; the mode is set again because the process umask narrows the one given.
    writeFileSync(backup, file.text, { flag: "wx", mode: file.mode ?? PLAIN_FILE_MODE });
    chmodSync(backup, file.mode ?? PLAIN_FILE_MODE);
  }
  const temporary = join(dirname(writePath), `.${crypto.randomUUID()}.superset-connect.tmp`);
  try {
    writeFileSync(temporary, text, { flag: "wx", mode });
    chmodSync(temporary, mode);
    renameSync(temporary, writePath);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw error;
  }
  return backup;
}
