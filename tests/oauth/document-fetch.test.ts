/**
 * Fetching Client ID Metadata Documents safely: which addresses count as public, that every
 * resolved address is checked and the connection goes to the checked one, and that bad URLs and
 * bad answers (oversized, slow, redirecting, another client_id, not JSON, a secret) are refused
 * with invalid_client and a reason, never a crash. A real HTTPS server on loopback answers; only
 * these tests allow loopback, through the loader's options.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Duplex } from "node:stream";
import { createClientMetadataDocuments, freshnessSeconds } from "../../src/oauth/client-metadata-documents.ts";
import type { ConnectTarget } from "../../src/oauth/document-fetch.ts";
import { isPublicAddress } from "../../src/oauth/public-address.ts";
import { startDocumentServer, type DocumentServer } from "../helpers/metadata-documents.ts";

const REDIRECT = "http://127.0.0.1:33418/callback";
const document = (clientId: string, extra: Record<string, unknown> = {}) => ({
  client_id: clientId,
  client_name: "Doc client",
  redirect_uris: [REDIRECT],
  token_endpoint_auth_method: "none",
  ...extra,
});
const json = (body: unknown, headers: Record<string, string> = {}) => new Response(JSON.stringify(body), { headers: { "Content-Type": "application/json", ...headers } });

describe("isPublicAddress", () => {
  test("public unicast addresses pass", () => {
    for (const address of ["8.8.8.8", "1.1.1.1", "93.184.216.34", "2606:4700:4700::1111", "2001:4860:4860::8888"]) expect(isPublicAddress(address)).toBe(true);
  });

  test("loopback, private, shared, link-local, unspecified, IPv4-mapped, multicast and documentation addresses fail", () => {
    const refused = [
      ...[
        "127.0.0.1",
        "127.1.2.3",
        "10.0.0.1",
        "172.16.0.1",
        "172.31.255.255",
        "192.168.1.1",
        "100.64.0.1",
        "169.254.169.254",
        "0.0.0.0",
        "0.1.2.3",
        "224.0.0.1",
        "255.255.255.255",
        "192.0.2.1",
        "198.18.0.1",
      ],
      ...[
        "::",
        "::1",
        "::ffff:127.0.0.1",
        "::ffff:7f00:1",
        "::ffff:8.8.8.8",
        "::127.0.0.1",
        "64:ff9b::a00:1",
        "2002:a00:1::1",
        "2001::1",
        "fe80::1",
        "fd00::1",
        "fc00::1",
        "ff02::1",
        "2001:db8::1",
        "fe80::1%eth0",
      ],
      ...["localhost", "example.com", "", "1.2.3"],
    ];
    for (const address of refused) expect(isPublicAddress(address), address).toBe(false);
  });
});

describe("the document loader's address checks (default policy: public addresses only)", () => {
  /** A loader whose resolver answers `addresses`; records what it was asked to connect to and never connects. */
  function probe(addresses: string[]) {
    const connects: ConnectTarget[] = [];
    const documents = createClientMetadataDocuments({
      fetch: {
        resolve: async () => addresses,
        connect: (target) => {
          connects.push(target);
          return new Duplex({
            read() {},
            write(_chunk, _encoding, done) {
              done();
              this.push(null);
            },
          });
        },
      },
    });
    return { documents, connects };
  }

  test("a name resolving to any non-public address is refused before connecting, even beside a public one", async () => {
    for (const addresses of [["127.0.0.1"], ["10.0.0.7"], ["169.254.169.254"], ["::1"], ["::ffff:127.0.0.1"], ["0.0.0.0"], ["::"], ["fe80::1"], ["8.8.8.8", "192.168.0.1"], []]) {
      const { documents, connects } = probe(addresses);
      const loaded = await documents.load("https://app.example.com/client.json");
      expect(loaded.ok, addresses.join()).toBe(false);
      if (!loaded.ok) expect(loaded.error).toBe("invalid_client");
      expect(connects).toEqual([]);
    }
  });

  test("an address literal in the URL is checked the same way", async () => {
    for (const host of ["127.0.0.1", "[::1]", "[::ffff:127.0.0.1]", "0.0.0.0", "[::]", "169.254.169.254", "10.1.1.1", "[fe80::1]"]) {
      const { documents, connects } = probe(["8.8.8.8"]);
      const loaded = await documents.load(`https://${host}/client.json`);
      expect(loaded.ok, host).toBe(false);
      expect(connects).toEqual([]);
    }
  });

  test("the connection goes to the checked address, with the URL's host name for TLS (no second lookup to rebind)", async () => {
    const { documents, connects } = probe(["93.184.216.34"]);
    const loaded = await documents.load("https://app.example.com:8443/client.json");
    expect(loaded.ok).toBe(false);
    expect(connects).toEqual([{ address: "93.184.216.34", port: 8443, hostname: "app.example.com" }]);
  });
});

test("a name that resolves only after the deadline is refused, and no connection is opened late", async () => {
  let release: (addresses: string[]) => void = () => {};
  const connects: ConnectTarget[] = [];
  const documents = createClientMetadataDocuments({
    fetch: { timeoutMs: 50, resolve: () => new Promise((resolve) => (release = resolve)), connect: (target) => (connects.push(target), new Duplex({ read() {} })) },
  });
  const loaded = await documents.load("https://slow-dns.example.com/client.json");
  expect(loaded.ok).toBe(false);
  if (!loaded.ok) expect(loaded.reason).toContain("no complete answer within 50 ms");
  release(["93.184.216.34"]);
  await new Promise((resolve) => setImmediate(resolve));
  expect(connects).toEqual([]);
});

describe("document URLs that are refused without a fetch", () => {
  test("http, no path, fragment, credentials, dot segments, not normalised, too long, not a URL", async () => {
    const { documents, connects } = (() => {
      const connects: unknown[] = [];
      return { connects, documents: createClientMetadataDocuments({ fetch: { resolve: async () => ["8.8.8.8"], connect: (target) => (connects.push(target), new Duplex({ read() {} })) } }) };
    })();
    for (const url of [
      "http://app.example.com/client.json",
      "https://app.example.com",
      "https://app.example.com/",
      "https://app.example.com/client.json#x",
      "https://user:pw@app.example.com/client.json",
      "https://app.example.com/a/../client.json",
      "https://app.example.com/./client.json",
      "https://APP.example.com/client.json",
      "https://app.example.com:443/client.json",
      `https://app.example.com/${"x".repeat(2001)}`,
      "https://",
      "ftp://app.example.com/c.json",
    ]) {
      const loaded = await documents.load(url);
      expect(loaded.ok, url).toBe(false);
      if (!loaded.ok) {
        expect(loaded.error).toBe("invalid_client");
        expect(loaded.description).toMatch(/client_id URL/);
      }
    }
    expect(connects).toEqual([]);
  });
});

describe("answers of a real HTTPS server on loopback", () => {
  let server: DocumentServer;
  beforeAll(async () => {
    server = await startDocumentServer((url) => ({
      "/client.json": () => json(document(url("/client.json")), { "Cache-Control": "max-age=60" }),
      "/nostore.json": () => json(document(url("/nostore.json")), { "Cache-Control": "no-store" }),
      "/chunked.json": () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode(JSON.stringify(document(url("/chunked.json")))));
              controller.close();
            },
          }),
        ),
      "/other.json": () => json(document("https://elsewhere.example/client.json")),
      "/big.json": () => json(document(url("/big.json"), { padding: "x".repeat(70 * 1024) })),
      "/big-chunked.json": () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              controller.enqueue(new Uint8Array(8192).fill(32));
            },
          }),
        ),
      "/slow.json": () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode("{"));
            },
          }),
        ),
      "/redirect.json": () => new Response(null, { status: 302, headers: { Location: url("/client.json") } }),
      "/not-json.json": () => new Response("<html>hello</html>"),
      "/secret.json": () => json(document(url("/secret.json"), { client_secret: "s3cret" })),
      "/basic.json": () => json(document(url("/basic.json"), { token_endpoint_auth_method: "client_secret_basic" })),
      "/no-name.json": () => json(document(url("/no-name.json"), { client_name: undefined })),
      "/bad-redirect.json": () => json(document(url("/bad-redirect.json"), { redirect_uris: ["http://evil.example/cb"] })),
      "/web-localhost.json": () => json(document(url("/web-localhost.json"), { application_type: "web" })),
    }));
  });
  afterAll(async () => {
    await server?.stop();
  });

  test("a good document loads, fixed-length or chunked, with its host", async () => {
    const documents = server.documents();
    for (const path of ["/client.json", "/chunked.json"]) {
      const loaded = await documents.load(server.url(path));
      expect(loaded.ok, JSON.stringify(loaded)).toBe(true);
      if (loaded.ok) expect(loaded.document).toMatchObject({ clientId: server.url(path), clientName: "Doc client", redirectUris: [REDIRECT], host: new URL(server.url(path)).host });
    }
  });

  test("each bad answer is refused with invalid_client and a reason", async () => {
    const documents = server.documents({ timeoutMs: 500 });
    const cases: [string, RegExp, RegExp?][] = [
      ["/other.json", /another client_id/],
      ["/big.json", /could not be fetched/, /more than 65536/],
      ["/big-chunked.json", /could not be fetched/, /more than 65536/],
      ["/slow.json", /could not be fetched/, /no complete answer within 500 ms/],
      ["/redirect.json", /could not be fetched/, /302, a redirect, which is not followed/],
      ["/missing.json", /could not be fetched/, /answered 404/],
      ["/not-json.json", /not JSON/],
      ["/secret.json", /client_secret/],
      ["/basic.json", /token_endpoint_auth_method/],
      ["/no-name.json", /client_name/],
      ["/bad-redirect.json", /redirect URI/],
      ["/web-localhost.json", /web application/],
    ];
    for (const [path, description, reason] of cases) {
      const loaded = await documents.load(server.url(path));
      expect(loaded.ok, path).toBe(false);
      if (!loaded.ok) {
        expect(loaded.error, path).toBe("invalid_client");
        expect(loaded.description, path).toMatch(description);
        expect(loaded.reason, path).toContain(server.url(path));
        if (reason) expect(loaded.reason, path).toMatch(reason);
      }
    }
    expect(server.hits.get("/client.json") ?? 0).toBeLessThanOrEqual(1);
  });

  test("a certificate that is not for the document's host is refused", async () => {
    const documents = server.documents({ resolve: async () => ["127.0.0.1"] });
    const loaded = await documents.load(server.url("/client.json").replace("superset.localhost", "other.localhost"));
    expect(loaded.ok).toBe(false);
    if (!loaded.ok) expect(loaded.reason).toMatch(/does not match certificate/);
  });

  test("HTTP caching: max-age is honoured until it runs out, no-store is fetched every time", async () => {
    let nowMs = Date.now();
    const documents = createClientMetadataDocuments({ fetch: server.fetchOptions(), now: () => nowMs });
    const before = { cached: server.hits.get("/client.json") ?? 0, uncached: server.hits.get("/nostore.json") ?? 0 };
    for (let i = 0; i < 3; i++) {
      expect((await documents.load(server.url("/client.json"))).ok).toBe(true);
      expect((await documents.load(server.url("/nostore.json"))).ok).toBe(true);
    }
    expect(server.hits.get("/client.json")! - before.cached).toBe(1);
    expect(server.hits.get("/nostore.json")! - before.uncached).toBe(3);
    nowMs += 61_000;
    expect((await documents.load(server.url("/client.json"))).ok).toBe(true);
    expect(server.hits.get("/client.json")! - before.cached).toBe(2);
  });
});

describe("freshnessSeconds", () => {
  const at = (headers: Record<string, string>) => freshnessSeconds(new Headers(headers), Date.parse("2026-01-01T00:00:00Z"));
  test("max-age less Age, Expires, no-store and no-cache, a default, and a cap", () => {
    expect(at({ "cache-control": "public, max-age=600" })).toBe(600);
    expect(at({ "cache-control": "max-age=600", age: "100" })).toBe(500);
    expect(at({ expires: "Thu, 01 Jan 2026 00:10:00 GMT", date: "Thu, 01 Jan 2026 00:00:00 GMT" })).toBe(600);
    expect(at({ "cache-control": "no-store, max-age=600" })).toBe(0);
    expect(at({ "cache-control": "no-cache" })).toBe(0);
    expect(at({})).toBe(300);
    expect(at({ "cache-control": "max-age=99999999" })).toBe(86_400);
  });
});
