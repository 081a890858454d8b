/**
 * What `mcp-config list` and `workspaces_mcp_config_list` show of a configured server's secrets:
 * header and environment values are replaced by "[redacted]" unless they only name an
 * environment variable (`${API_KEY}`, `{env:API_KEY}`), which is no secret and helps the reader;
 * arguments and URLs keep their shape with credentials cut out.
 */

export const REDACTED = "[redacted]";

/** A value that is only a reference to an environment variable, optionally after an auth scheme. */
const ENV_REFERENCE = /^(?:(?:Bearer|Basic|Token)\s+)?(?:\$\{[A-Za-z_][A-Za-z0-9_]*\}|\$[A-Za-z_][A-Za-z0-9_]*|\{env:[A-Za-z_][A-Za-z0-9_]*\})$/;
/** Options whose next argument (or `=value`) is a credential. */
const SECRET_OPTION = /^--?(?:token|api-key|apikey|key|password|secret|auth|bearer|access-token)$/i;
const SECRET_OPTION_WITH_VALUE = /^(--?(?:token|api-key|apikey|key|password|secret|auth|bearer|access-token)=).+$/i;
const HEADER_ARGUMENT = /^([A-Za-z0-9-]{1,100}\s*:\s*)(?:(Bearer|Basic|Token)\s+)?.+$/i;
const TOKEN_SHAPES = /\b(?:sk_live|sk_host|sk|ghp|gho|xox[abp]|glpat)[_-][A-Za-z0-9_-]{8,}/g;

/** A header or environment value as shown: the scheme word kept, the credential replaced. */
export function redactValue(value: string): string {
  if (ENV_REFERENCE.test(value.trim())) return value;
  const scheme = /^(Bearer|Basic|Token)\s+/i.exec(value);
  return scheme ? `${scheme[1]} ${REDACTED}` : REDACTED;
}

/** Every value of a record redacted (see redactValue). */
export function redactRecord(record: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(record).map(([name, value]) => [name, redactValue(value)]));
}

/**
 * A command's arguments as shown: the value after `--header`, `--token` and the like, an
 * `Authorization: …` argument, `--token=…`, and anything shaped like a known token are redacted.
 */
export function redactArgs(args: readonly string[]): string[] {
  return args.map((arg, index) => {
    const previous = index > 0 ? args[index - 1]! : "";
    if (SECRET_OPTION.test(previous)) return ENV_REFERENCE.test(arg) ? arg : REDACTED;
    const withValue = SECRET_OPTION_WITH_VALUE.exec(arg);
    if (withValue) return `${withValue[1]}${REDACTED}`;
    if (previous === "--header" || previous === "-H") {
      const header = HEADER_ARGUMENT.exec(arg);
      if (header) return `${header[1]}${redactValue(arg.slice(header[1]!.length))}`;
      return REDACTED;
    }
    return arg.replace(TOKEN_SHAPES, REDACTED);
  });
}

/** A URL as shown: a password in it and the values of its query replaced. */
export function redactUrlText(url: string): string {
  if (!URL.canParse(url)) return url.replace(TOKEN_SHAPES, REDACTED);
  const parsed = new URL(url);
  if (parsed.password) parsed.password = REDACTED;
  for (const key of [...parsed.searchParams.keys()]) parsed.searchParams.set(key, REDACTED);
  return parsed.toString();
}
