/**
 * An agent given several server URLs (replicas) without a balancer: it connects to the first, and
 * when that one goes away for good it reconnects to the next in turn, with its usual backoff; the
 * `--server` values parse into that list (repeats, comma lists, blanks).
 */
import { afterAll, expect, test } from "bun:test";
import { connectToServer, serverUrlList, type HelloFrame } from "../../src/agent/connection.ts";
import { standInServer } from "./stand-in-server.ts";
import { eventually } from "../helpers/eventually.ts";

const hello = async (): Promise<HelloFrame> => ({
  type: "hello",
  hostId: "0123456789abcdef0123456789abcdef",
  name: "urls",
  platform: "linux-x64",
  agentVersion: "test",
  capabilities: { git: true, gh: false, pty: true },
  inventory: { projects: [], workspaces: [], terminals: [] },
});

const stops: (() => void)[] = [];
afterAll(() => stops.forEach((stop) => stop()));

test("serverUrlList takes repeated values and comma lists, drops blanks and repeats, and names a bad URL", () => {
  expect(serverUrlList(["http://a.test:1", "http://b.test:2, http://c.test:3,", " http://a.test:1 "])).toEqual(["http://a.test:1", "http://b.test:2", "http://c.test:3"]);
  expect(serverUrlList([" , "])).toEqual([]);
  expect(() => serverUrlList(["http://a.test:1,ftp://b.test"])).toThrow('--server must be an http:// or https:// URL (got "ftp://b.test")');
});

test("with URLs of A and C, the agent connects to A, and once A is gone it is on C without a balancer", async () => {
  const a = standInServer();
  const c = standInServer();
  stops.push(a.stop, c.stop);
  const connection = connectToServer({ serverUrls: [a.url, c.url], token: "sk_host_test", hello, onCommand: () => {}, onRefused: () => {} });
  stops.push(connection.stop);
  await a.waitFor("hello");
  expect(c.connections()).toBe(0);

  a.stop();
  await c.waitFor("hello");
  await eventually("the agent to be welcomed on C", () => connection.isConnected());
  expect(c.connections()).toBe(1);
});

test("a URL that never answers is skipped for the next one in turn", async () => {
  const dead = standInServer();
  dead.stop();
  const live = standInServer();
  stops.push(live.stop);
  const connection = connectToServer({ serverUrls: [dead.url, live.url], token: "sk_host_test", hello, onCommand: () => {}, onRefused: () => {} });
  stops.push(connection.stop);
  await live.waitFor("hello");
  await eventually("the agent to be welcomed on the live URL", () => connection.isConnected());
});
