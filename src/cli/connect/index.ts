/**
 * `superset connect <client>`: writes this server into a client's own MCP config file, merged
 * into what is there (other servers and settings kept, a backup first, the file's mode kept), and
 * is a no-op when the entry is already as it would write it. `--print` shows the change instead.
 * An API key is never written into a file inside a git work tree without `--force`.
 */
import { loadConfig, publicBaseUrl } from "../../config/load.ts";
import { MCP_PATHS } from "../../mcp/paths.ts";
import { CONFIG_OPTION, UsageError, type Command, type ParsedArgs } from "../command.ts";
import { describeChange, maskKey } from "./change.ts";
import { CLIENTS, currentSurroundings, type Auth, type ClientTarget, type Connection, type Scope } from "./clients.ts";
import { isInsideGitWorkTree, readExisting, writeWithBackup } from "./config-file.ts";
import { hasTomlComments, mergeServer, parseDocument, renderDocument, sameDocument } from "./document.ts";
import { parseApiKey, parseServerName, parseServerUrl, readApiKeyFromStdin } from "./inputs.ts";

const DEFAULT_NAME = "superset";
const CLIENT_IDS = CLIENTS.map((client) => client.id);

function findClient(given: string | undefined): ClientTarget {
  if (given === undefined) throw new UsageError(`Missing client: run "superset connect <client>" with one of ${CLIENT_IDS.join(", ")}.`);
  const client = CLIENTS.find((candidate) => candidate.id === given);
  if (!client) throw new UsageError(`Unknown client ${JSON.stringify(given.slice(0, 100))}: superset connect knows ${CLIENT_IDS.join(", ")}.`);
  return client;
}

function scopeOf(client: ClientTarget, given: unknown): Scope {
  const scope = (given ?? "user") as string;
  if (scope !== "user" && scope !== "project") throw new UsageError(`--scope must be user or project (got ${JSON.stringify(String(scope).slice(0, 100))}).`);
  if (!client.files[scope]) throw new UsageError(`${client.label} has no ${scope} config file; use --scope ${scope === "user" ? "project" : "user"}.`);
  return scope;
}

async function authOf(values: ParsedArgs["values"]): Promise<Auth> {
  const given = [values["api-key"] !== undefined && "--api-key", values["api-key-stdin"] && "--api-key-stdin", values.oauth && "--oauth"].filter(Boolean);
  if (given.length > 1) throw new UsageError(`Give one of ${given.join(" and ")}: the client signs in with one of them.`);
  if (values["api-key"] !== undefined) return { kind: "api-key", key: parseApiKey(values["api-key"] as string) };
  if (values["api-key-stdin"]) return { kind: "api-key", key: await readApiKeyFromStdin() };
  return values.oauth ? { kind: "oauth" } : { kind: "url-only" };
}

/** `--url`, else MCP_SERVICE_URL (or the host and port) of the configuration, with the MCP path. */
async function serverUrlOf(values: ParsedArgs["values"]): Promise<string> {
  if (typeof values.url === "string") return values.url;
  const { config } = await loadConfig({ path: values.config as string | undefined });
  return `${publicBaseUrl(config)}${MCP_PATHS[0]}`;
}

const connect: Command = {
  path: ["connect"],
  summary: `Configure an AI client (${CLIENT_IDS.join(", ")}) to use this server, in the client's own config file`,
  positionals: "<client>",
  options: {
    url: { type: "string", description: "The server's MCP URL (default: MCP_SERVICE_URL of the config, with /mcp)", valueName: "URL" },
    "api-key": { type: "string", description: "Authenticate with this API key (sk_live_…) instead of signing in", valueName: "KEY" },
    "api-key-stdin": { type: "boolean", description: "Read the API key from stdin, so it stays out of the shell history" },
    oauth: { type: "boolean", description: "Sign in with OAuth in the client (the default when no key is given); prints how" },
    scope: { type: "string", description: "user (the client's file in your home, the default) or project (the project file in the current folder)", valueName: "SCOPE" },
    name: { type: "string", description: `The server's name in the client (default ${DEFAULT_NAME})`, valueName: "NAME" },
    print: { type: "boolean", description: "Show the change instead of writing it" },
    force: { type: "boolean", description: "Write an API key even into a file inside a git work tree" },
    ...CONFIG_OPTION,
  },
  async run({ values, positionals }) {
    if (positionals.length > 1) throw new UsageError(`Unexpected argument ${JSON.stringify(positionals[1]!.slice(0, 100))}: "superset connect" takes one client.`);
    const client = findClient(positionals[0]);
    const scope = scopeOf(client, values.scope);
    const auth = await authOf(values);
    const key = auth.kind === "api-key" ? auth.key : null;
    const url = parseServerUrl(await serverUrlOf(values), key !== null);
    const connection: Connection = { name: parseServerName((values.name as string | undefined) ?? DEFAULT_NAME), url: url.url, auth };
    if (url.warning) console.error(`Warning: ${url.warning}`);

    const path = client.files[scope]!(currentSurroundings(process.cwd()));
    const file = readExisting(path);
    const document = file.text === null ? { ...(client.newFile ?? {}) } : parseDocument(file.text, client.format, path);
    const hadServer = Object.hasOwn((document[client.serversKey] ?? {}) as object, connection.name);
    const merged = mergeServer(document, client.serversKey, connection.name, client.entry(connection), path);
    // Already as connect would write it (whatever the file's formatting): nothing to do, not even a backup.
    if (file.text !== null && sameDocument(merged, document)) {
      console.log(`${client.label} already has ${connection.name} at ${url.url} in ${path}; nothing changed.`);
      return 0;
    }
    const text = renderDocument(merged, client.format, file.text, { serversKey: client.serversKey, name: connection.name });
    if (values.print) {
      console.log(maskKey(describeChange(path, file.text, text), key));
      return 0;
    }
    if (key !== null && !values.force && isInsideGitWorkTree(file.writePath)) {
      throw new UsageError(
        `${path} is inside a git work tree, where an API key could be committed; nothing was written. Use --scope user, sign in with --oauth instead, or pass --force if the file is ignored by git.`,
      );
    }
    const backup = writeWithBackup(file, text, key !== null);
    if (client.format === "toml" && file.text !== null && hasTomlComments(file.text) && !hasTomlComments(text)) {
      console.error(`Warning: ${path} was rewritten without its comments; they are in the backup ${backup}.`);
    }
    console.log(`${hadServer ? "Updated" : "Added"} ${connection.name} (${url.url}${key ? ", API key" : ""}) in ${path}${backup ? `; the previous file is ${backup}` : ""}.`);
    for (const step of client.nextSteps(connection, scope)) console.log(`  ${step}`);
    return 0;
  },
};

/** The `superset connect` command. */
export const connectCommands: Command[] = [connect];
