/**
 * A real HTTPS server on loopback that publishes Client ID Metadata Documents (good ones and every
 * kind of bad one), with a throwaway CA, and the document loader the tests point at it: loopback
 * is allowed only here, through the loader's explicit options, and the connection is still made
 * to the checked address with the certificate verified for the document's host name.
 */
import { connect } from "node:tls";
import { createClientMetadataDocuments, type ClientMetadataDocuments } from "../../src/oauth/client-metadata-documents.ts";
import type { DocumentFetchOptions } from "../../src/oauth/document-fetch.ts";
import { makeCertificates, PUBLIC_NAME, type TestCertificates } from "./nginx.ts";

export interface DocumentServer {
  /** The https URL of `path` on this server, under PUBLIC_NAME. */
  url(path: string): string;
  /** How many times each path was requested. */
  hits: Map<string, number>;
  /** Loader options that reach this server (loopback allowed, the test CA trusted). */
  fetchOptions(extra?: Partial<DocumentFetchOptions>): DocumentFetchOptions;
  documents(extra?: Partial<DocumentFetchOptions>): ClientMetadataDocuments;
  stop(): Promise<void>;
}

/** Serves `/<name>.json`: `documents(url)` gives each path's answer, built with the URL it is served at. */
export async function startDocumentServer(answers: (url: (path: string) => string) => Record<string, () => Response>): Promise<DocumentServer> {
  const certs: TestCertificates = await makeCertificates();
  const hits = new Map<string, number>();
  let port = 0;
  const url = (path: string) => `https://${PUBLIC_NAME}:${port}${path}`;
  let routes: Record<string, () => Response> = {};
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    tls: { cert: Bun.file(certs.certPath), key: Bun.file(certs.keyPath) },
    fetch(request) {
      const path = new URL(request.url).pathname;
      hits.set(path, (hits.get(path) ?? 0) + 1);
      return routes[path]?.() ?? new Response("not found", { status: 404 });
    },
  });
  port = server.port!;
  routes = answers(url);
  const fetchOptions = (extra: Partial<DocumentFetchOptions> = {}): DocumentFetchOptions => ({
    isAddressAllowed: (address) => address === "127.0.0.1",
    resolve: async (hostname) => (hostname === PUBLIC_NAME ? ["127.0.0.1"] : []),
    connect: (target) => connect({ host: target.address, port: target.port, servername: target.hostname, ca: certs.ca }),
    ...extra,
  });
  return {
    url,
    hits,
    fetchOptions,
    documents: (extra) => createClientMetadataDocuments({ fetch: fetchOptions(extra) }),
    async stop() {
      await server.stop(true);
      await certs.remove();
    },
  };
}
