/**
 * The audience external JWTs must carry (RFC 8707): MCP_JWT_AUDIENCE when set, else this server's
 * resource URIs from its public URL, and the one sentence config check and the start-up log say.
 */
import { describe, expect, test } from "bun:test";
import { externalJwtAudienceNotice, externalJwtAudiences } from "../../src/auth/audience.ts";

const base = { MCP_JWT_AUDIENCE: null, MCP_SERVICE_URL: null, MCP_SERVICE_HOST: "127.0.0.1", MCP_SERVICE_PORT: 5008 };

describe("externalJwtAudiences", () => {
  test("MCP_JWT_AUDIENCE when set, as a list", () => {
    expect(externalJwtAudiences({ ...base, MCP_JWT_AUDIENCE: "superset-mcp" })).toEqual(["superset-mcp"]);
    expect(externalJwtAudiences({ ...base, MCP_JWT_AUDIENCE: ["a", "b"] })).toEqual(["a", "b"]);
  });

  test("else the public MCP URL and its alias, from MCP_SERVICE_URL or the bind address", () => {
    expect(externalJwtAudiences({ ...base, MCP_SERVICE_URL: "https://mcp.example.com/" })).toEqual(["https://mcp.example.com/mcp", "https://mcp.example.com/api/v2/agent/mcp"]);
    expect(externalJwtAudiences({ ...base, MCP_JWT_AUDIENCE: [] })).toEqual(["http://127.0.0.1:5008/mcp", "http://127.0.0.1:5008/api/v2/agent/mcp"]);
  });
});

describe("externalJwtAudienceNotice", () => {
  test("unset: a warning naming the required audience and what to set", () => {
    const notice = externalJwtAudienceNotice({ ...base, MCP_SERVICE_URL: "https://mcp.example.com" });
    expect(notice.level).toBe("warn");
    expect(notice.message).toBe(
      'MCP_JWT_AUDIENCE is not set, so external JWTs must carry aud "https://mcp.example.com/mcp", this server\'s resource URI (from MCP_SERVICE_URL; "https://mcp.example.com/api/v2/agent/mcp" is accepted too), and tokens without it are refused: have your identity provider issue tokens for the resource https://mcp.example.com/mcp, or set MCP_JWT_AUDIENCE to the audience its tokens carry for this server.',
    );
    expect(externalJwtAudienceNotice(base).message).toContain("from MCP_SERVICE_HOST and MCP_SERVICE_PORT, since MCP_SERVICE_URL is not set");
  });

  test("set: an informational line naming it", () => {
    expect(externalJwtAudienceNotice({ ...base, MCP_JWT_AUDIENCE: "superset-mcp" })).toEqual({ level: "info", message: 'External JWTs must carry aud "superset-mcp" (MCP_JWT_AUDIENCE).' });
  });
});
