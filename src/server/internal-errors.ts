/**
 * The answer to an unexpected fault anywhere in a request (a database that stopped answering while
 * the principal was resolved, say): logged with a call id, answered 500 with a JSON-RPC error that
 * names only that id, so a driver message or a stack trace never reaches the client.
 */
import { Elysia } from "elysia";
import { ErrorCode, errorResponse } from "../mcp/jsonrpc.ts";
import { log } from "../log.ts";

export const internalErrors = () =>
  new Elysia({ name: "internal-errors" }).onError({ as: "global" }, function hideInternalError({ code, error, request }) {
    // Framework answers (unknown route, bad body) keep their own status; only real faults are hidden.
    if (code !== "UNKNOWN" && code !== "INTERNAL_SERVER_ERROR") return;
    const callId = crypto.randomUUID().slice(0, 8);
    log.error("request failed", { callId, method: request.method, path: new URL(request.url).pathname, error: error instanceof Error ? error.stack : String(error) });
    return new Response(JSON.stringify(errorResponse(null, ErrorCode.InternalError, `Internal error (call id ${callId}).`)), {
      status: 500,
      headers: { "Content-Type": "application/json" },
    });
  });
