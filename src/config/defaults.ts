/** Default values of every config key, exactly as spec config.md (seed 000 names and defaults). */
import type { ResolvedConfig } from "./schema.ts";

/**
 * Built-in agent presets (spec hosts-and-automations.md). The prompt goes last on the command
 * line unless `promptTransport` is "stdin"; `AGENT_PRESETS` in a config file adds or replaces them.
 */
export const BUILTIN_AGENT_PRESETS: ResolvedConfig["AGENT_PRESETS"] = {
  claude: preset("Claude Code", "claude", ["--dangerously-skip-permissions"]),
  codex: preset("Codex", "codex", ["--dangerously-bypass-approvals-and-sandbox", "--"]),
  gemini: preset("Gemini CLI", "gemini", ["--approval-mode=auto_edit"]),
  // The flag that takes the prompt is a prompt argument: it is left out when there is no prompt.
  opencode: preset("OpenCode", "opencode", [], "argv", ["--prompt"]),
  amp: preset("Amp", "amp", [], "stdin"),
  "cursor-agent": preset("Cursor Agent", "cursor-agent", []),
  copilot: preset("GitHub Copilot", "copilot", ["--allow-tool=write"], "argv", ["-i"]),
};

function preset(label: string, command: string, args: string[], promptTransport: "argv" | "stdin" = "argv", promptArgs: string[] = []) {
  return { label, command, args, promptTransport, promptArgs, resumeArgs: [], env: {} };
}

/**
 * A fresh copy of the defaults (callers merge into it, so it is never shared). LOG_FORMAT depends
 * on where the logs go: readable text for a person at a terminal, JSON lines for a collector.
 */
export function defaultConfig(stderrIsTerminal = Boolean(process.stderr.isTTY)): ResolvedConfig {
  return {
    MCP_SERVICE_HOST: "localhost",
    MCP_SERVICE_PORT: 5008,
    MCP_SERVICE_URL: null,
    MCP_DEBUG: false,
    MCP_DEV_USERNAME: null,
    MCP_AUTH_ENABLED: false,
    MCP_JWT_ALGORITHM: "RS256",
    MCP_JWKS_URI: null,
    MCP_JWT_PUBLIC_KEY: null,
    MCP_JWT_SECRET: null,
    MCP_JWT_ISSUER: null,
    MCP_JWT_AUDIENCE: null,
    MCP_REQUIRED_SCOPES: [],
    MCP_JWT_DEBUG_ERRORS: false,
    MCP_AUTH_FACTORY: null,
    MCP_RESPONSE_SIZE_CONFIG: { enabled: true, token_limit: 25000, warn_threshold_pct: 80, excluded_tools: ["health_check"] },
    MCP_CACHE_CONFIG: {
      enabled: false,
      CACHE_KEY_PREFIX: null,
      list_tools_ttl: 300,
      list_resources_ttl: 300,
      list_prompts_ttl: 300,
      read_resource_ttl: 3600,
      get_prompt_ttl: 3600,
      call_tool_ttl: 3600,
      max_item_size: 1048576,
      excluded_tools: [],
    },
    MCP_STORE_CONFIG: { enabled: false, CACHE_REDIS_URL: null, event_store_max_events: 100, event_store_ttl: 3600 },
    MCP_SESSION_CONFIG: {
      SESSION_COOKIE_HTTPONLY: true,
      SESSION_COOKIE_SECURE: false,
      SESSION_COOKIE_SAMESITE: "Lax",
      SESSION_COOKIE_NAME: "superset_session",
      PERMANENT_SESSION_LIFETIME: 86400,
    },
    MCP_CSRF_CONFIG: { WTF_CSRF_ENABLED: true, WTF_CSRF_TIME_LIMIT: null },
    DATABASE_URL: "sqlite://./data/superset.db",
    SECRET_KEY: null,
    MCP_SESSION_MODE: "stateful",
    MCP_SESSION_IDLE_TIMEOUT_SECONDS: 3600,
    MCP_MAX_SESSIONS_PER_PRINCIPAL: 100,
    MCP_ALLOWED_ORIGINS: [],
    MCP_ALLOWED_HOSTS: [],
    // Only a proxy on this machine (Nginx in front) is believed about the client address by default.
    MCP_TRUSTED_PROXIES: ["127.0.0.0/8", "::1"],
    MCP_RATE_LIMIT: { enabled: true, requests: 600, window_seconds: 60 },
    MCP_JWT_LEEWAY_SECONDS: 30,
    MCP_OAUTH_ENABLED: true,
    MCP_OAUTH_ACCESS_TOKEN_TTL: 3600,
    MCP_API_KEYS_ENABLED: true,
    MCP_DISABLED_TOOLS: [],
    MCP_ENFORCE_TOOL_SCOPES: false,
    SCHEDULER_ENABLED: true,
    AGENT_PRESETS: structuredClone(BUILTIN_AGENT_PRESETS),
    RUN_OUTPUT_MAX_BYTES: 1048576,
    RUN_TIMEOUT_SECONDS: 3600,
    HOST_COMMAND_TIMEOUT: 120,
    MCP_SHUTDOWN_TIMEOUT_SECONDS: 30,
    LOG_FORMAT: stderrIsTerminal ? "text" : "json",
    MCP_METRICS_ENABLED: false,
    MCP_METRICS_TOKEN: null,
  };
}
