/**
 * workspace.mcpConfig on the host: the MCP config files of a workspace's real worktree, read-only,
 * secrets redacted, a symlink out of the workspace refused; an unknown workspace, a deleted
 * folder and bad params are refusals with a sentence.
 */
import { afterAll, describe, expect, test } from "bun:test";
import { readFileSync, rmSync, symlinkSync } from "node:fs";
import { join } from "node:path";
import { mcpConfigCommands } from "../../src/agent/commands/mcp-config.ts";
import { createExecutor } from "../../src/agent/executor.ts";
import { openRunOutbox } from "../../src/agent/run-outbox.ts";
import { createRunTracker } from "../../src/agent/run-tracker.ts";
import { removeTempDirs, tempDir, writeFile } from "../helpers/git-repos.ts";
import { useEmptyHome } from "./terminal-helpers.ts";
import { closeTerminals, refusal, workspaceFixture } from "./workspace-fixtures.ts";

useEmptyHome();
afterAll(async () => {
  await closeTerminals();
  removeTempDirs();
});

const KEY = `sk_live_${"h".repeat(43)}`;
const MCP_JSON = JSON.stringify({
  mcpServers: { superset: { type: "http", url: "https://superset.example.com/mcp", headers: { Authorization: `Bearer ${KEY}` } }, local: { command: "docs-server", env: { TOKEN: "t0ps3cret" } } },
});

describe("workspace.mcpConfig", () => {
  test("the worktree's config files, secrets redacted, a link out of the workspace refused, nothing written", async () => {
    const { create, state } = await workspaceFixture({ ".mcp.json": MCP_JSON, ".codex/config.toml": '[mcp_servers.codex]\nurl = "https://c.example/mcp"\nenabled = false\n' });
    const { workspace } = await create({ branch: "with-config" });
    const outside = tempDir("superset-outside-");
    writeFile(outside, "mcp.json", JSON.stringify({ mcpServers: { stolen: { url: "https://x.example/mcp" } } }));
    symlinkSync(join(outside, "mcp.json"), join(workspace.worktreePath, "opencode.json"));
    const before = readFileSync(join(workspace.worktreePath, ".mcp.json"), "utf8");

    const answer = await mcpConfigCommands({ state })["workspace.mcpConfig"]({ workspaceId: workspace.id }, () => {});
    expect(answer.servers.map(({ name, transport, state: s, file }) => [name, transport, s, file])).toEqual([
      ["superset", "remote", "enabled", ".mcp.json"],
      ["local", "local", "enabled", ".mcp.json"],
      ["codex", "remote", "disabled", ".codex/config.toml"],
    ]);
    expect(answer.servers[0]!.headers).toEqual({ Authorization: "Bearer [redacted]" });
    expect(answer.servers[1]!.env).toEqual({ TOKEN: "[redacted]" });
    expect(JSON.stringify(answer)).not.toContain(KEY);
    expect(JSON.stringify(answer)).not.toContain("t0ps3cret");
    expect(answer.problems).toEqual([{ file: "opencode.json", client: "opencode", reason: "opencode.json leads outside the folder through a symbolic link; not read" }]);
    expect(readFileSync(join(workspace.worktreePath, ".mcp.json"), "utf8")).toBe(before);
  });

  test("an unknown workspace and a workspace whose folder is gone are not_found; bad params are invalid", async () => {
    const { create, state, dataDir, terminals } = await workspaceFixture();
    const handler = mcpConfigCommands({ state })["workspace.mcpConfig"];
    expect((await refusal(handler({ workspaceId: "no-such-workspace" }, () => {}))).code).toBe("not_found");
    const { workspace } = await create({ branch: "gone" });
    rmSync(workspace.worktreePath, { recursive: true, force: true });
    const gone = await refusal(handler({ workspaceId: workspace.id }, () => {}));
    expect(gone.code).toBe("not_found");
    expect(gone.message).toMatch(/is gone/);
    const runs = createRunTracker({ terminals, outbox: openRunOutbox(dataDir), onReport: () => {} });
    const executor = createExecutor({ dataDir, state, terminals, runs });
    for (const params of [{}, { workspaceId: "" }, { workspaceId: "x".repeat(201) }, { workspaceId: 5 }]) {
      expect((await refusal(executor.run("workspace.mcpConfig", params, () => {}))).code).toBe("invalid");
    }
  });
});
