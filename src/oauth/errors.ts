/**
 * OAuth error answers (RFC 6749 §5.2, RFC 7591 §3.2.2, RFC 7009 §2.2.1) built from the SDK's
 * error classes. The wire carries the error code and a sentence safe for anyone to read; what
 * exactly failed (which client, which check) goes to the server log only.
 */
import { InvalidClientError, OAuthError, ServerError, TemporarilyUnavailableError, TooManyRequestsError } from "@modelcontextprotocol/sdk/server/auth/errors.js";
import { log } from "../log.ts";

/** Status codes by error: invalid_client is 401 (§5.2), rate limiting 429, a fault 500, temporarily_unavailable 503, the rest 400. */
function statusOf(error: OAuthError): number {
  if (error instanceof InvalidClientError) return 401;
  if (error instanceof TooManyRequestsError) return 429;
  if (error instanceof ServerError) return 500;
  if (error instanceof TemporarilyUnavailableError) return 503;
  return 400;
}

/** The JSON answer for `error`; `reason` is logged with the endpoint and never sent. */
export function oauthErrorResponse(endpoint: string, error: OAuthError, reason?: string, headers: Record<string, string> = {}): Response {
  log.info("oauth request refused", { endpoint, error: error.errorCode, reason: reason ?? error.message });
  return new Response(JSON.stringify(error.toResponseObject()), {
    status: statusOf(error),
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", "Access-Control-Allow-Origin": "*", ...headers },
  });
}

/** A successful JSON answer of a token-issuing endpoint (RFC 6749 §5.1: never cached). */
export function oauthJson(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "Content-Type": "application/json", "Cache-Control": "no-store", Pragma: "no-cache", "Access-Control-Allow-Origin": "*" },
  });
}
