/**
 * The configuration schema: every key of `superset_config.py` with the same upper-case
 * names, plus the keys this server adds (docs/configuration.md#every-key). Config files import only the types.
 */
import * as v from "valibot";
import { addressRangeList, dict, flag, int, oneOf, optionalText, optionalTextOrList, stringList, text, urlWithScheme } from "./fields.ts";

/** JWT algorithms `MCP_JWT_ALGORITHM` may pin; `none` is deliberately absent. */
export const JWT_ALGORITHMS = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA", "HS256", "HS384", "HS512"] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

/** Options of the JWT verifier a custom auth factory receives (same as the built-in verifier's). */
export interface JWTVerifierOptions {
  jwksUri?: string;
  publicKey?: string;
  secret?: string;
  algorithm?: JwtAlgorithm;
  issuer?: string | string[];
  audience?: string | string[];
  requiredScopes?: string[];
}

/** What `MCP_AUTH_FACTORY` receives, so a config file needs no import to build a verifier. */
export interface AuthFactoryContext {
  config: ResolvedConfig;
  JWTVerifier: new (options: JWTVerifierOptions) => { verify(token: string): Promise<Record<string, unknown>> };
}

/**
 * A custom token verifier (docs/authentication.md#modes): the token's claims when it is good — the user is then
 * resolved from `sub`, `client_id`, `email` or `username` and the organization from
 * `organizationId`/`org` as for external JWTs — or null to refuse it.
 */
export interface AuthProvider {
  verify(token: string, request: Request): Promise<Record<string, unknown> | null>;
}

/** `MCP_AUTH_FACTORY`: builds the custom provider once at start. */
export type AuthFactory = (ctx: AuthFactoryContext) => AuthProvider | Promise<AuthProvider>;

const agentPresetSchema = v.strictObject(
  {
    label: v.optional(text(true)),
    command: text(true),
    args: v.optional(stringList(), []),
    promptTransport: v.optional(oneOf(["argv", "stdin"]), "argv"),
    promptArgs: v.optional(stringList(), []),
    resumeArgs: v.optional(stringList(), []),
    env: v.optional(v.record(v.string(), v.string("must be a string"), "must be an object of strings"), {}),
  },
  "must be an object",
);

/** The whole configuration after defaults; validation runs on the merged object, so every key is present. */
export const configSchema = v.strictObject(
  {
    MCP_SERVICE_HOST: text(true),
    MCP_SERVICE_PORT: int(1, 65535),
    MCP_SERVICE_URL: v.nullable(
      v.pipe(
        v.string("must be an http:// or https:// URL or null"),
        v.check((s) => /^https?:\/\//.test(s) && URL.canParse(s), "must be an http:// or https:// URL or null"),
      ),
    ),
    MCP_DEBUG: flag(),
    MCP_DEV_USERNAME: v.nullable(text(true)),
    MCP_AUTH_ENABLED: flag(),
    MCP_JWT_ALGORITHM: oneOf(JWT_ALGORITHMS),
    MCP_JWKS_URI: optionalText(),
    MCP_JWT_PUBLIC_KEY: optionalText(),
    MCP_JWT_SECRET: optionalText(),
    MCP_JWT_ISSUER: optionalTextOrList(),
    MCP_JWT_AUDIENCE: optionalTextOrList(),
    MCP_REQUIRED_SCOPES: stringList(),
    MCP_JWT_DEBUG_ERRORS: flag(),
    MCP_AUTH_FACTORY: v.nullable(v.custom<AuthFactory>((x) => typeof x === "function", "must be a function or null")),
    MCP_RESPONSE_SIZE_CONFIG: dict({
      enabled: flag(),
      token_limit: int(1),
      warn_threshold_pct: int(0, 100),
      excluded_tools: stringList(),
    }),
    MCP_CACHE_CONFIG: dict({
      enabled: flag(),
      CACHE_KEY_PREFIX: optionalText(),
      list_tools_ttl: int(0),
      list_resources_ttl: int(0),
      list_prompts_ttl: int(0),
      read_resource_ttl: int(0),
      get_prompt_ttl: int(0),
      call_tool_ttl: int(0),
      max_item_size: int(1),
      excluded_tools: stringList(),
    }),
    MCP_STORE_CONFIG: dict({
      enabled: flag(),
      CACHE_REDIS_URL: v.nullable(urlWithScheme(["redis", "rediss"])),
      event_store_max_events: int(1),
      event_store_ttl: int(1),
    }),
    MCP_SESSION_CONFIG: dict({
      SESSION_COOKIE_HTTPONLY: flag(),
      SESSION_COOKIE_SECURE: flag(),
      SESSION_COOKIE_SAMESITE: oneOf(["Lax", "Strict", "None"]),
      SESSION_COOKIE_NAME: text(true),
      PERMANENT_SESSION_LIFETIME: int(1),
    }),
    MCP_CSRF_CONFIG: dict({
      WTF_CSRF_ENABLED: flag(),
      WTF_CSRF_TIME_LIMIT: v.nullable(int(1)),
    }),
    DATABASE_URL: urlWithScheme(["sqlite", "postgres", "postgresql"]),
    SECRET_KEY: v.nullable(text(true)),
    MCP_SESSION_MODE: oneOf(["stateful", "stateless"]),
    // A week at most: a legacy session idle longer than that is abandoned, and each one holds memory (in Redis or here).
    MCP_SESSION_IDLE_TIMEOUT_SECONDS: int(60, 604800),
    // Each session holds a record and its streams' event logs; one key holder must not exhaust them.
    MCP_MAX_SESSIONS_PER_PRINCIPAL: int(1, 10000),
    MCP_ALLOWED_ORIGINS: stringList(),
    MCP_ALLOWED_HOSTS: stringList(),
    MCP_TRUSTED_PROXIES: addressRangeList(),
    MCP_RATE_LIMIT: dict({ enabled: flag(), requests: int(1), window_seconds: int(1) }),
    // At least 64 KiB (a tools/call of any tool with its largest prompt needs a few hundred KB); at most 64 MiB.
    MCP_MAX_REQUEST_BYTES: int(65_536, 67_108_864),
    MCP_JWT_LEEWAY_SECONDS: int(0),
    MCP_OAUTH_ENABLED: flag(),
    MCP_OAUTH_ACCESS_TOKEN_TTL: int(1),
    MCP_API_KEYS_ENABLED: flag(),
    MCP_DISABLED_TOOLS: stringList(),
    MCP_ENFORCE_TOOL_SCOPES: flag(),
    SCHEDULER_ENABLED: flag(),
    AGENT_PRESETS: v.record(v.string(), agentPresetSchema, "must be an object of agent presets"),
    RUN_OUTPUT_MAX_BYTES: int(1),
    RUN_TIMEOUT_SECONDS: int(1),
    HOST_COMMAND_TIMEOUT: int(1),
    // Ten minutes at most: a stop that takes longer is a hang, and systemd's TimeoutStopSec must exceed it anyway.
    MCP_SHUTDOWN_TIMEOUT_SECONDS: int(1, 600),
    LOG_FORMAT: oneOf(["text", "json"]),
    MCP_METRICS_ENABLED: flag(),
    MCP_METRICS_TOKEN: optionalText(),
  },
  "must export an object",
);

/** The configuration the server runs with: every key present, `null` where Python has `None`. */
export type ResolvedConfig = v.InferOutput<typeof configSchema>;

/** One agent preset after defaults (`args`, `promptArgs`, `resumeArgs`, `env` filled in). */
export type AgentPreset = ResolvedConfig["AGENT_PRESETS"][string];

/** Keys holding a nested dictionary, deep-merged over the defaults. */
export const DICTIONARY_KEYS = ["MCP_RESPONSE_SIZE_CONFIG", "MCP_CACHE_CONFIG", "MCP_STORE_CONFIG", "MCP_SESSION_CONFIG", "MCP_CSRF_CONFIG", "MCP_RATE_LIMIT"] as const;
type DictionaryKey = (typeof DICTIONARY_KEYS)[number];
type ConfigInput = v.InferInput<typeof configSchema>;

/**
 * What a config file exports: every key optional, dictionaries partial (the rest comes from the
 * defaults). An `undefined` value, such as an unset `process.env.X`, counts as not set.
 */
export type SupersetConfig = {
  [K in keyof ConfigInput]?: K extends DictionaryKey ? Partial<ConfigInput[K]> : ConfigInput[K];
};
