/**
 * The documented shapes of the config files of the clients whose binaries the tests cannot run
 * (Cursor and Claude Desktop are desktop apps, Amp's CLI needs its service): a server entry is a
 * local command or a remote URL, as cursor.com/docs/mcp, Claude Desktop's documentation and
 * Amp's manual (`amp.mcpServers`) give them. Strict objects, so a key they do not document fails.
 */
import * as v from "valibot";

const stringRecord = v.record(v.string(), v.string());
const local = v.strictObject({ command: v.pipe(v.string(), v.minLength(1)), args: v.optional(v.array(v.string())), env: v.optional(stringRecord) });
const httpUrl = v.pipe(v.string(), v.url(), v.regex(/^https?:\/\//));

/** cursor.com/docs/mcp: `mcpServers` with `command`/`args`/`env` or `url`/`headers`. */
export const cursorConfigSchema = v.looseObject({ mcpServers: v.record(v.string(), v.union([local, v.strictObject({ url: httpUrl, headers: v.optional(stringRecord) })])) });

/** claude_desktop_config.json: stdio servers, and a remote server as `{type: "http", url}` (Claude Desktop's documentation). */
export const claudeDesktopConfigSchema = v.looseObject({ mcpServers: v.record(v.string(), v.union([local, v.strictObject({ type: v.literal("http"), url: httpUrl })])) });

/** Amp's settings.json: `amp.mcpServers` with `command`/`args`/`env` or `url`/`headers`. */
export const ampConfigSchema = v.looseObject({ "amp.mcpServers": v.record(v.string(), v.union([local, v.strictObject({ url: httpUrl, headers: v.optional(stringRecord) })])) });
