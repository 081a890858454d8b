/**
 * The audience external JWTs must carry (RFC 8707, MCP authorization §Token audience binding):
 * MCP_JWT_AUDIENCE when it is set; otherwise this server's canonical resource URI, the public MCP
 * URL `<public URL>/mcp`, and its alias `<public URL>/api/v2/agent/mcp` (the same endpoint, which
 * the built-in authorization server also issues tokens for). A token minted for another service
 * is refused either way, so a token cannot be replayed here from elsewhere.
 */
import { publicBaseUrl } from "../config/load.ts";
import type { ResolvedConfig } from "../config/schema.ts";
import { oauthUrls } from "../oauth/urls.ts";

type AudienceConfig = Pick<ResolvedConfig, "MCP_JWT_AUDIENCE" | "MCP_SERVICE_URL" | "MCP_SERVICE_HOST" | "MCP_SERVICE_PORT">;

/** The audiences of which an external JWT's `aud` must contain one. */
export function externalJwtAudiences(config: AudienceConfig): string[] {
  const configured = config.MCP_JWT_AUDIENCE;
  if (configured !== null && configured !== undefined && configured.length > 0) return typeof configured === "string" ? [configured] : [...configured];
  return [...oauthUrls(publicBaseUrl(config)).resources];
}

/** One sentence for `config check` and the start-up log: which audience external JWTs need, and what to do when it was not chosen. */
export function externalJwtAudienceNotice(config: AudienceConfig): { level: "info" | "warn"; message: string } {
  const audiences = externalJwtAudiences(config);
  if (config.MCP_JWT_AUDIENCE && config.MCP_JWT_AUDIENCE.length > 0) {
    return { level: "info", message: `External JWTs must carry aud ${audiences.map((audience) => JSON.stringify(audience)).join(" or ")} (MCP_JWT_AUDIENCE).` };
  }
  const [canonical, ...aliases] = audiences;
  const origin = config.MCP_SERVICE_URL ? "MCP_SERVICE_URL" : "MCP_SERVICE_HOST and MCP_SERVICE_PORT, since MCP_SERVICE_URL is not set";
  return {
    level: "warn",
    message:
      `MCP_JWT_AUDIENCE is not set, so external JWTs must carry aud "${canonical}", this server's resource URI (from ${origin}; ${aliases.map((alias) => `"${alias}"`).join(", ")} is accepted too), and tokens without it are refused: ` +
      `have your identity provider issue tokens for the resource ${canonical}, or set MCP_JWT_AUDIENCE to the audience its tokens carry for this server.`,
  };
}
