/** SECRET_KEY resolution: the configured key wins; dev mode generates one into the data folder once (mode 0600) and reads it afterwards. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { devSecretKeyDir, resolveSecretKey } from "../../src/config/secret-key.ts";
import { tempDir } from "./fixtures.ts";
import { removeTempDirs } from "../helpers/temp-dirs.ts";

afterAll(removeTempDirs);

const MODULE = join(import.meta.dir, "../../src/config/secret-key.ts");
const DEV = { MCP_AUTH_ENABLED: false, SECRET_KEY: null };

describe("resolveSecretKey", () => {
  test("the configured SECRET_KEY wins and nothing is written", async () => {
    const dataDir = join(tempDir(), "data");
    expect(await resolveSecretKey({ ...DEV, SECRET_KEY: "configured" }, { dataDir })).toBe("configured");
    expect(await resolveSecretKey({ MCP_AUTH_ENABLED: true, SECRET_KEY: "configured" }, { dataDir })).toBe("configured");
    expect(existsSync(dataDir)).toBe(false);
  });

  test("dev mode: 48 random bytes generated on first start into <dataDir>/secret_key with mode 0600, the same key afterwards", async () => {
    const dataDir = join(tempDir(), "nested", "data");
    const generated: string[] = [];
    const key = await resolveSecretKey(DEV, { dataDir, onGenerated: (path) => generated.push(path) });
    expect(key).toMatch(/^[A-Za-z0-9_-]{64}$/);
    const path = join(dataDir, "secret_key");
    expect(generated).toEqual([path]);
    expect(readFileSync(path, "utf8")).toBe(`${key}\n`);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readdirSync(dataDir)).toEqual(["secret_key"]);

    expect(await resolveSecretKey(DEV, { dataDir, onGenerated: (p) => generated.push(p) })).toBe(key);
    expect(generated).toHaveLength(1);
    expect(await resolveSecretKey(DEV, { dataDir: join(tempDir(), "data") })).not.toBe(key);
  });

  test("dev mode: processes starting at once agree on one key", async () => {
    const dataDir = join(tempDir(), "data");
    const script = `import { resolveSecretKey } from ${JSON.stringify(MODULE)}; process.stdout.write(await resolveSecretKey({ MCP_AUTH_ENABLED: false, SECRET_KEY: null }, { dataDir: ${JSON.stringify(dataDir)} }));`;
    const children = Array.from({ length: 6 }, () => Bun.spawn([process.execPath, "-e", script], { stdout: "pipe", stderr: "inherit" }));
    const keys = await Promise.all(children.map((child) => new Response(child.stdout).text()));
    expect(await Promise.all(children.map((child) => child.exited))).toEqual([0, 0, 0, 0, 0, 0]);
    expect(new Set(keys).size).toBe(1);
    expect(keys[0]).toMatch(/^[A-Za-z0-9_-]{64}$/);
    expect(readdirSync(dataDir)).toEqual(["secret_key"]);
  });

  test("a key written by hand is read, trimmed; an empty file is an error naming it", async () => {
    const dataDir = join(tempDir(), "data");
    mkdirSync(dataDir);
    writeFileSync(join(dataDir, "secret_key"), "  hand-written key \n");
    expect(await resolveSecretKey(DEV, { dataDir })).toBe("hand-written key");
    writeFileSync(join(dataDir, "secret_key"), "\n");
    await expect(resolveSecretKey(DEV, { dataDir })).rejects.toThrow(`${join(dataDir, "secret_key")} is empty`);
  });

  test("auth on without SECRET_KEY is refused, never generated", async () => {
    const dataDir = join(tempDir(), "data");
    await expect(resolveSecretKey({ MCP_AUTH_ENABLED: true, SECRET_KEY: null }, { dataDir })).rejects.toThrow(/SECRET_KEY is not set while MCP_AUTH_ENABLED is true/);
    expect(existsSync(dataDir)).toBe(false);
  });

  test("an unwritable data folder is an error that says what to do", async () => {
    const parent = tempDir();
    writeFileSync(join(parent, "data"), "a file, not a folder");
    await expect(resolveSecretKey(DEV, { dataDir: join(parent, "data") })).rejects.toThrow();
  });
});

describe("devSecretKeyDir", () => {
  test("beside a SQLite database file, so the key travels with the signing keys it decrypts", () => {
    expect(devSecretKeyDir("sqlite:///srv/superset/db/superset.db", "/etc/superset")).toBe("/srv/superset/db");
  });

  test("data/ in the config folder for PostgreSQL or an in-memory database", () => {
    expect(devSecretKeyDir("postgres://u@db/superset", "/etc/superset")).toBe("/etc/superset/data");
    expect(devSecretKeyDir("sqlite://:memory:", "/etc/superset")).toBe("/etc/superset/data");
  });
});
