/**
 * The official MCP SDK (v1) client, connected to a server over Streamable HTTP, and a tool call that
 * must succeed: the one way the e2e tests speak to the built binary as a real client does.
 */
import { expect } from "bun:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport, type StreamableHTTPClientTransportOptions } from "@modelcontextprotocol/sdk/client/streamableHttp.js";

export interface SdkConnection {
  client: Client;
  transport: StreamableHTTPClientTransport;
}

/** A client named `name` connected to `url`; `transport` passes headers (requestInit) or a fetch of its own. */
export async function connectSdkClient(url: string, name: string, transport: StreamableHTTPClientTransportOptions = {}): Promise<SdkConnection> {
  const client = new Client({ name, version: "1.0.0" });
  const connection = new StreamableHTTPClientTransport(new URL(url), transport);
  await client.connect(connection);
  return { client, transport: connection };
}

/** Calls a tool that must succeed and returns its structuredContent; a failure names the tool and its text. */
export async function callTool<T = Record<string, unknown>>(client: Client, name: string, args: Record<string, unknown> = {}): Promise<T> {
  const result = await client.callTool({ name, arguments: args });
  const text = (result.content as { type: string; text?: string }[]).map((item) => item.text).join(" ");
  expect(result.isError, `${name} failed: ${text}`).toBeFalsy();
  expect(result.structuredContent, `${name} returned no structuredContent`).toBeDefined();
  return result.structuredContent as T;
}
