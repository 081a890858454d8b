/** Composes the HTTP server from its plugins and routes, and nothing else. */
import { Elysia } from "elysia";
import { publicBaseUrl } from "../config/load.ts";
import { createAuthenticator } from "../auth/authenticate.ts";
import { challengeScopes } from "../auth/challenges.ts";
import type { AuthProvider, ResolvedConfig } from "../config/schema.ts";
import { createSessionRegistry, sessionLimitsOf } from "../mcp/session-store/index.ts";
import { redisBroadcast } from "../store/broadcast.ts";
import { createMemoryStore } from "../store/memory.ts";
import type { RedisStore } from "../store/redis.ts";
import { createTransport } from "../mcp/transport.ts";
import { ListenRegistry } from "../mcp/listen.ts";
import { createModernDispatch } from "../mcp/modern-dispatch.ts";
import { createModernTransport } from "../mcp/modern-transport.ts";
import type { Services } from "../services/index.ts";
import { ALL_TOOLS } from "../tools/index.ts";
import { createHostHub, type HostHub } from "../hosts/hub.ts";
import type { WirePreset } from "../hosts/protocol.ts";
import { createRunDispatcher } from "../scheduler/dispatch.ts";
import type { ClientMetadataDocuments } from "../oauth/client-metadata-documents.ts";
import { createBuiltInOAuth } from "../oauth/index.ts";
import { createWebAuth } from "../web/web-auth.ts";
import { webRoutes } from "../web/routes.ts";
import type { HostAccess } from "../hosts/access.ts";
import type { HostRouter } from "../hosts/routing.ts";
import type { RuntimeInfo } from "../runtime-info.ts";
import { TOOL_SCOPES } from "../auth/scopes.ts";
import { hostConnectRoute } from "./routes/hosts-connect.ts";
import { internalErrors } from "./internal-errors.ts";
import { trustedProxyList } from "./pipeline/client-address.ts";
import { healthRoutes } from "./routes/health.ts";
import { legacyMcpRoute, mcpMethodNotAllowed, mcpRoutes } from "./routes/mcp.ts";
import { createShutdownSwitch, drainGate, type ShutdownSwitch } from "./shutdown.ts";
import { metricsRoute } from "./routes/metrics.ts";
import { serverCardRoutes } from "./routes/server-card.ts";
import { requestMetrics } from "./pipeline/request-metrics.ts";
import { NO_METRICS, type Metrics } from "../metrics/index.ts";
import { toolCallTiming } from "./pipeline/tool-call-timing.ts";
import { composeLayers } from "../mcp/tool-calls.ts";
import { createTasks } from "../mcp/tasks/methods.ts";
import { installTasks, notifyTaskChange } from "../mcp/tasks/install.ts";
import { responseCacheLayer } from "./pipeline/cache.ts";
import { sizeGuardLayer } from "./pipeline/size-guard.ts";

/** Buckets the rate limiter tracks; each is a few counters, and a flood of invented tokens evicts only the oldest. */
const RATE_LIMIT_MAX_BUCKETS = 100_000;
/** Cached answers kept in memory; most are a few KB (MCP_CACHE_CONFIG.max_item_size bounds each). */
const CACHE_MAX_ENTRIES = 1_000;
/** Client addresses the OAuth registration limit tracks. */
const REGISTRATION_MAX_BUCKETS = 10_000;
/** Tasks kept in memory at most: far above the clones and workspaces a server starts in a day (24 h TTL). */
const TASKS_MAX_ENTRIES = 10_000;

export interface AppOptions {
  config: ResolvedConfig;
  services: Services;
  /** The provider MCP_AUTH_FACTORY built (see buildCustomProvider), or null. */
  customProvider?: AuthProvider | null;
  runtime?: Partial<RuntimeInfo>;
  /** Called for each streaming response, so the listener can lift its idle timeout for it. */
  onStream?: (request: Request) => void;
  /** The hub of connected hosts, the presets and the run dispatcher; made here when not given. */
  hosts?: HostAccess;
  /** Flipped when the process stops: new requests get 503 and the open GET streams end. */
  shutdown?: ShutdownSwitch;
  /** What createMetrics(config) gave: NO_METRICS unless MCP_METRICS_ENABLED. */
  metrics?: Metrics;
  /** Where the OAuth server loads Client ID Metadata Documents from; public https hosts only when not given. */
  clientDocuments?: ClientMetadataDocuments;
  /**
   * The shared store (MCP_STORE_CONFIG on, connected by start.ts): the response cache, the rate
   * limits, the task records, the legacy sessions with their event logs live there and the session
   * and listen signals travel through it, so replicas share them. Null: each has bounded memory.
   */
  sharedStore?: RedisStore | null;
}

/** The agent presets as tools show them and hosts receive them: built-ins merged with AGENT_PRESETS, by id. */
export function agentPresets(config: ResolvedConfig): WirePreset[] {
  return Object.entries(config.AGENT_PRESETS).map(([id, preset]) => ({ id, ...preset, label: preset.label ?? id }));
}

/** What the tools need to act on hosts, over `hub` (a new one unless given, reaching other replicas' hosts through `router`); run outcomes go to `metrics`. */
export function createHostAccess(config: ResolvedConfig, services: Services, hub?: HostHub, metrics: Metrics = NO_METRICS, router: HostRouter | null = null): HostAccess {
  const resolvedHub = hub ?? createHostHub({ services, commandTimeoutSeconds: config.HOST_COMMAND_TIMEOUT, serverUrl: publicBaseUrl(config), metrics, router });
  const presets = agentPresets(config);
  const runs = createRunDispatcher({ services, hub: resolvedHub, presets, runTimeoutSeconds: config.RUN_TIMEOUT_SECONDS, outputMaxBytes: config.RUN_OUTPUT_MAX_BYTES, metrics });
  return { hub: resolvedHub, presets, runs };
}

export function createApp({
  config,
  services,
  customProvider = null,
  runtime,
  onStream,
  metrics = NO_METRICS,
  hosts = createHostAccess(config, services, undefined, metrics),
  shutdown = createShutdownSwitch(),
  clientDocuments,
  sharedStore = null,
}: AppOptions) {
  // An app told to serve metrics without a registry would answer /metrics with nothing: a wiring mistake, not a setting.
  if (config.MCP_METRICS_ENABLED !== metrics.enabled)
    throw new Error(`MCP_METRICS_ENABLED is ${config.MCP_METRICS_ENABLED} but the app was given ${metrics.enabled ? "a metrics registry" : "no metrics"}: pass createMetrics(config, …).`);
  const publicUrl = publicBaseUrl(config);
  const trustedProxies = trustedProxyList(config.MCP_TRUSTED_PROXIES);
  const disabled = new Set(config.MCP_DISABLED_TOOLS);
  // One Redis for every user of state (their keys carry their own namespaces); else one memory store each, bounded for its use.
  const storeFor = (maxEntries: number) => sharedStore ?? createMemoryStore({ maxEntries });
  const sessions = createSessionRegistry(sessionLimitsOf(config), sharedStore);
  // With the store, a task's change on this replica reaches listen streams held by the others.
  const listeners = sharedStore ? new ListenRegistry(redisBroadcast(sharedStore, "listen")) : new ListenRegistry();
  // The 2026-07-28 era beside the sessions: its method table is where extensions (tasks) plug in.
  const modernDispatch = createModernDispatch({ listToolsTtlMs: config.MCP_CACHE_CONFIG.list_tools_ttl * 1000, listeners });
  const modern = createModernTransport({ dispatch: modernDispatch, onStream, metrics });
  const transport = createTransport({ mode: config.MCP_SESSION_MODE, sessions, onStream, metrics, modern, maxRequestBytes: config.MCP_MAX_REQUEST_BYTES });
  metrics.watch({ openSessions: () => sessions.size, hostsOnline: () => hosts.hub.fleetOnlineCount(), hostsConnected: () => hosts.hub.onlineCount() });
  // A GET stream never ends by itself; without this a drain would wait for it until its deadline.
  shutdown.onDrain(() => sessions.endStandaloneStreams());
  // Nor does a subscriptions/listen stream: it gets its closing response first.
  shutdown.onDrain(() => listeners.endAll());
  // start.ts resolves SECRET_KEY (generated in dev mode); an app built without one (tests) signs with a key of its own.
  const secretKey = config.SECRET_KEY ?? crypto.randomUUID() + crypto.randomUUID();
  const webAuth = createWebAuth({ config, services, secretKey });
  const oauth = createBuiltInOAuth({
    config,
    services,
    secretKey,
    webAuth,
    trustedProxies,
    clientDocuments,
    store: storeFor(REGISTRATION_MAX_BUCKETS),
    onRateLimited: (limiter) => metrics.rateLimited(limiter),
  });
  // Steps 6 and 7 of the pipeline, after dispatch: the cache outermost, so a cached answer was already size-guarded.
  const runTool = composeLayers([
    ...(metrics.enabled ? [toolCallTiming(metrics)] : []),
    responseCacheLayer({ config: config.MCP_CACHE_CONFIG, store: storeFor(CACHE_MAX_ENTRIES) }),
    sizeGuardLayer({ config: config.MCP_RESPONSE_SIZE_CONFIG }),
  ]);
  // Task records outlive the request that made them; in memory the bound guards the process, in Redis any replica reads them.
  const tasks = createTasks(storeFor(TASKS_MAX_ENTRIES), { onChange: notifyTaskChange(listeners) });
  installTasks(modernDispatch, tasks, secretKey);
  // A task runs only in this process: once it stops, its record must not say "working" for a day.
  shutdown.onDrain(() => void tasks.runner.stopAll());
  const enabledTools = ALL_TOOLS.filter((tool) => !disabled.has(tool.name));
  const base = new Elysia();
  // First, so every answer below is counted, including the 404 of a path no route matched.
  if (metrics.enabled) base.use(requestMetrics(metrics)).use(metricsRoute({ metrics, token: config.MCP_METRICS_TOKEN, authEnabled: config.MCP_AUTH_ENABLED }));
  const app = base
    .use(drainGate(shutdown))
    .use(internalErrors())
    .use(healthRoutes(services.db, sharedStore))
    .use(legacyMcpRoute(publicUrl))
    .use(mcpMethodNotAllowed())
    .use(serverCardRoutes({ publicUrl, tools: enabledTools, authRequired: config.MCP_AUTH_ENABLED, resourceMetadata: oauth?.urls.resourceMetadata ?? null }))
    .use(hostConnectRoute({ services, hub: hosts.hub }))
    .use(webRoutes({ config, services, webAuth, publicUrl, trustedProxies, metrics, ...(sharedStore ? { store: sharedStore } : {}) }))
    .use(
      mcpRoutes({
        transport,
        services,
        runtime: {
          startedAtMs: Date.now(),
          store: sharedStore ? "redis" : "memory",
          schedulerRunning: false,
          hostsOnline: () => hosts.hub.fleetOnlineCount(),
          hostsConnectedHere: () => hosts.hub.onlineCount(),
          ...runtime,
        },
        hosts,
        tools: enabledTools,
        origin: { bindHost: config.MCP_SERVICE_HOST, publicUrl, allowedOrigins: config.MCP_ALLOWED_ORIGINS, allowedHosts: config.MCP_ALLOWED_HOSTS },
        rateLimit: {
          ...config.MCP_RATE_LIMIT,
          windowSeconds: config.MCP_RATE_LIMIT.window_seconds,
          store: storeFor(RATE_LIMIT_MAX_BUCKETS),
          trustedProxies,
          onRefused: () => metrics.rateLimited("mcp"),
        },
        auth: {
          authenticate: createAuthenticator({ config, services, customProvider, accessTokens: oauth?.accessTokens }),
          debugErrors: config.MCP_JWT_DEBUG_ERRORS,
          resourceMetadata: oauth?.urls.resourceMetadata ?? null,
          // What a client should ask for: MCP_REQUIRED_SCOPES and, where tokens' tool scopes are enforced, both tool scopes,
          // since a token without mcp:write would not even list the write tools (so no step-up could ever be prompted).
          challengeScopes: challengeScopes(config.MCP_REQUIRED_SCOPES, oauth || config.MCP_ENFORCE_TOOL_SCOPES ? TOOL_SCOPES : []),
        },
        scopes: { requiredScopes: config.MCP_REQUIRED_SCOPES, resourceMetadata: oauth?.urls.resourceMetadata ?? null },
        runTool,
        authEnabled: config.MCP_AUTH_ENABLED,
        publicUrl,
        metrics,
      }),
    );
  return oauth ? app.use(oauth.routes) : app;
}

export type App = ReturnType<typeof createApp>;
