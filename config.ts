import type { SupersetConfig } from "./src/config/schema.ts";

// Example configuration used by `npm start` (dev mode on this machine only).
// Same key names and defaults as Superset's superset_config.py; every key is optional, and
// dictionaries such as MCP_RESPONSE_SIZE_CONFIG are merged over the defaults key by key.
// Any top-level string, number or boolean key can also come from an environment variable of the
// same name (MCP_JWT_SECRET=… npm start). Check the result with `bun src/main.ts config check`.
// An installed server imports the type with: import type { SupersetConfig } from "superset-mcp/config";

export default {
  // Listen on loopback only: dev mode lets requests without a credential act as MCP_DEV_USERNAME.
  MCP_SERVICE_HOST: "127.0.0.1",
  MCP_SERVICE_PORT: 5008,
  // Public base URL for links and OAuth metadata when behind a proxy (default http://<host>:<port>).
  // MCP_SERVICE_URL: "https://superset.example.com",
  // Proxies whose X-Forwarded-For names the client address for rate limits (default: this machine).
  // MCP_TRUSTED_PROXIES: ["127.0.0.0/8", "::1"],
  // The largest /mcp request body in bytes (default 4 MiB); a larger one is answered 413.
  // MCP_MAX_REQUEST_BYTES: 4194304,

  // Dev mode. For a shared deployment set MCP_AUTH_ENABLED: true, remove MCP_DEV_USERNAME and set
  // SECRET_KEY (generated into ./data/secret_key only in dev mode).
  MCP_AUTH_ENABLED: false,
  MCP_DEV_USERNAME: "admin",
  // SECRET_KEY: process.env.SECRET_KEY,

  // Tokens from an external identity provider (the built-in OAuth server and API keys need none):
  // a JWKS endpoint or a PEM public key with an asymmetric algorithm…
  // MCP_JWT_ALGORITHM: "RS256",
  // MCP_JWKS_URI: "https://idp.example.com/.well-known/jwks.json",
  // MCP_JWT_PUBLIC_KEY: "-----BEGIN PUBLIC KEY-----\n…\n-----END PUBLIC KEY-----",
  // …or a shared secret of at least 32 bytes with HS256.
  // MCP_JWT_ALGORITHM: "HS256",
  // MCP_JWT_SECRET: process.env.MCP_JWT_SECRET,
  // Without these two, tokens from any issuer or for any audience holding the key are accepted.
  // MCP_JWT_ISSUER: "https://idp.example.com/",
  // MCP_JWT_AUDIENCE: "superset-mcp",

  // SQLite for one machine; PostgreSQL when several replicas share the data.
  DATABASE_URL: "sqlite://./data/superset.db",
  // DATABASE_URL: "postgres://superset:password@db.example.com:5432/superset",

  // Redis shares sessions, event logs, the cache and rate limits between replicas, so any replica
  // can serve any session (rediss:// verifies the server certificate).
  // MCP_STORE_CONFIG: { enabled: true, CACHE_REDIS_URL: "rediss://:password@redis.example.com:6380/0" },

  // Setting one sub-key keeps the others (excluded_tools stays ["health_check"]).
  // MCP_RESPONSE_SIZE_CONFIG: { token_limit: 50000 },
} satisfies SupersetConfig;
