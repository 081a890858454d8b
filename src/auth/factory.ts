/**
 * `MCP_AUTH_FACTORY` (docs/authentication.md#modes): called once at start with
 * the loaded config and a `JWTVerifier` class, so a config file can build the seed's example
 * without an import. Its provider's `verify(token, request)` returns the token's claims (the user
 * is resolved from them as for external JWTs) or null to refuse the token.
 */
import type { AuthProvider, JWTVerifierOptions, ResolvedConfig } from "../config/schema.ts";
import { JWTVerifier } from "./jwt-verifier.ts";

/** The custom provider, or null without a factory; throws an Error with one sentence when the factory misbehaves. */
export async function buildCustomProvider(config: ResolvedConfig): Promise<AuthProvider | null> {
  const factory = config.MCP_AUTH_FACTORY;
  if (!factory) return null;
  // The class handed to the factory uses the server's clock leeway unless the factory says otherwise.
  class ConfiguredJWTVerifier extends JWTVerifier {
    constructor(options: JWTVerifierOptions & { leewaySeconds?: number }) {
      super({ leewaySeconds: config.MCP_JWT_LEEWAY_SECONDS, ...options });
    }
  }
  let provider: unknown;
  try {
    provider = await factory({ config, JWTVerifier: ConfiguredJWTVerifier });
  } catch (error) {
    throw new Error(`MCP_AUTH_FACTORY failed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (!provider || typeof (provider as AuthProvider).verify !== "function") {
    throw new Error("MCP_AUTH_FACTORY returned no auth provider: it must return an object with a verify(token, request) method, such as new ctx.JWTVerifier({ jwksUri, issuer, audience }).");
  }
  return provider as AuthProvider;
}
