/**
 * What a failed sign-in leaves in the server log, over a listening app so the client address is
 * real: the username, the address (the one Nginx saw, behind it) and the reason the page never
 * tells; never the password.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { withCapturedLog } from "../helpers/auth.ts";
import { listeningApp, type ListeningApp } from "../helpers/hosts.ts";
import { csrfTokenIn } from "./browser.ts";
import { AUTH_ON, PASSWORD, userWithPassword } from "./setup.ts";

/** A password that is in no other string of the app, so finding it anywhere in the log would be a leak. */
const TRIED_PASSWORD = `tried-${crypto.randomUUID()}`;

describe("a failed sign-in is logged", () => {
  let t: ListeningApp;
  let form: { cookie: string; csrf: string };
  beforeAll(async () => {
    t = await listeningApp(AUTH_ON);
    const page = await fetch(`${t.baseUrl}/signin`);
    form = {
      cookie: page.headers
        .getSetCookie()
        .map((line) => line.split(";")[0])
        .join("; "),
      csrf: csrfTokenIn(await page.text()),
    };
  });
  afterAll(() => t.stop());

  const signIn = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
    fetch(`${t.baseUrl}/signin`, {
      method: "POST",
      redirect: "manual",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Cookie: form.cookie, ...headers },
      body: new URLSearchParams({ csrf_token: form.csrf, ...fields }).toString(),
    });

  /** The log lines of failed sign-ins written while `body` ran, and all lines. */
  async function logOf(body: () => Promise<void>): Promise<{ failures: string[]; all: string[] }> {
    return withCapturedLog(async (lines) => {
      await body();
      return { failures: lines.filter((line) => line.includes("sign-in failed")), all: [...lines] };
    });
  }

  test("with the username, the client address and the reason, and never the password", async () => {
    const user = await userWithPassword(t.services);
    const disabled = await userWithPassword(t.services);
    await t.services.accounts.setActive(disabled.username, false);
    const passwordless = await t.services.accounts.createUser({ username: `no-password-${crypto.randomUUID().slice(0, 8)}` });
    const { failures, all } = await logOf(async () => {
      expect((await signIn({ username: user.username, password: TRIED_PASSWORD })).status).toBe(401);
      expect((await signIn({ username: "nobody-by-this-name", password: TRIED_PASSWORD })).status).toBe(401);
      expect((await signIn({ username: disabled.username, password: PASSWORD })).status).toBe(401);
      expect((await signIn({ username: passwordless.username, password: TRIED_PASSWORD })).status).toBe(401);
      expect((await signIn({ username: user.username, password: "" })).status).toBe(401);
      expect((await signIn({ csrf_token: "forged", username: user.username, password: TRIED_PASSWORD })).status).toBe(403);
    });
    expect(failures).toHaveLength(6);
    const expected = [
      [user.username, "wrong password"],
      ["nobody-by-this-name", "unknown user"],
      [disabled.username, "user disabled"],
      [passwordless.username, "user has no password"],
      [user.username, "username or password empty"],
      [user.username, "CSRF token missing, wrong or expired"],
    ];
    expected.forEach(([username, reason], i) => {
      expect(failures[i]).toContain("warn");
      expect(failures[i]).toContain(username!);
      expect(failures[i]).toContain("127.0.0.1");
      expect(failures[i]).toContain(reason!);
    });
    for (const line of all) {
      expect(line).not.toContain(TRIED_PASSWORD);
      expect(line).not.toContain(PASSWORD);
    }
  });

  test("behind Nginx the address is the one Nginx saw, not the one the client wrote", async () => {
    const { failures } = await logOf(async () => {
      await signIn({ username: "someone", password: TRIED_PASSWORD }, { "X-Forwarded-For": "203.0.113.66, 198.51.100.50", "X-Real-IP": "203.0.113.66" });
    });
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain("198.51.100.50");
    expect(failures[0]).not.toContain("203.0.113.66");
  });

  test("a successful sign-in logs no failure", async () => {
    const user = await userWithPassword(t.services);
    const { failures } = await logOf(async () => {
      expect((await signIn({ username: user.username, password: PASSWORD })).status).toBe(303);
    });
    expect(failures).toEqual([]);
  });
});
