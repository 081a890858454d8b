/** Agent presets become argument vectors: a prompt is one argument (or stdin) whatever it holds, and never runs anything. */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { chmodSync, existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { buildAgentLaunch, isCommandAvailable } from "../../src/agent/agent-launch.ts";
import { launchAgent } from "../../src/agent/commands/agents.ts";
import type { AgentState } from "../../src/agent/state.ts";
import { createTerminalManager } from "../../src/agent/terminals.ts";
import { BUILTIN_AGENT_PRESETS } from "../../src/config/defaults.ts";
import type { HostWorkspace, WirePreset } from "../../src/hosts/protocol.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { FAKE_AGENT, fakeAgentArgs, thrown } from "./terminal-helpers.ts";

const terminals = createTerminalManager({ killGraceMs: 200 });
afterEach(() => terminals.closeAll());
afterAll(removeTempDirs);

function builtin(id: keyof typeof BUILTIN_AGENT_PRESETS & string): WirePreset {
  const preset = structuredClone(BUILTIN_AGENT_PRESETS[id]!);
  return { id, ...preset, label: preset.label ?? id };
}

describe("buildAgentLaunch", () => {
  test("built-in presets put the prompt last on argv, or on stdin for amp", () => {
    expect(buildAgentLaunch(builtin("claude"), "fix the bug")).toEqual({ kind: "argv", argv: ["claude", "--dangerously-skip-permissions", "fix the bug"] });
    expect(buildAgentLaunch(builtin("codex"), "-x")).toEqual({ kind: "argv", argv: ["codex", "--dangerously-bypass-approvals-and-sandbox", "--", "-x"] });
    expect(buildAgentLaunch(builtin("opencode"), "hi")).toEqual({ kind: "argv", argv: ["opencode", "--prompt", "hi"] });
    expect(buildAgentLaunch(builtin("amp"), "hi")).toEqual({ kind: "argv", argv: ["amp"], stdin: "hi" });
  });

  test("without a prompt nothing is added, not even the prompt arguments", () => {
    const preset = { ...builtin("claude"), promptArgs: ["-p"] };
    expect(buildAgentLaunch(preset)).toEqual({ kind: "argv", argv: ["claude", "--dangerously-skip-permissions"] });
    expect(buildAgentLaunch(preset, "")).toEqual({ kind: "argv", argv: ["claude", "--dangerously-skip-permissions"] });
    expect(buildAgentLaunch(builtin("amp"))).toEqual({ kind: "argv", argv: ["amp"] });
  });

  test("resumeArgs come before the prompt with the session id in place of {sessionId}", () => {
    const preset = { ...builtin("claude"), promptArgs: ["-p"], resumeArgs: ["--resume", "{sessionId}", "--tag=s-{sessionId}"] };
    expect(buildAgentLaunch(preset, "go on", "abc-123")).toEqual({
      kind: "argv",
      argv: ["claude", "--dangerously-skip-permissions", "--resume", "abc-123", "--tag=s-abc-123", "-p", "go on"],
    });
  });

  test("an empty command, or a resume the preset cannot do, is refused", async () => {
    const empty = await thrown(() => buildAgentLaunch({ ...builtin("claude"), id: "mine", command: "  " }, "x"));
    expect(empty).toMatchObject({ code: "invalid", message: 'Agent preset "mine" has an empty command; set its command in AGENT_PRESETS.' });
    const resume = await thrown(() => buildAgentLaunch(builtin("claude"), "x", "s1"));
    expect(resume.code).toBe("invalid");
    expect(resume.message).toContain("has no resumeArgs");
  });
});

describe("isCommandAvailable", () => {
  test("finds names on PATH and executable paths, and nothing else", () => {
    expect(isCommandAvailable("bash")).toBe(true);
    expect(isCommandAvailable("definitely-not-installed-xyz")).toBe(false);
    expect(isCommandAvailable("")).toBe(false);
    expect(isCommandAvailable(FAKE_AGENT)).toBe(true);
    expect(isCommandAvailable(relative(process.cwd(), FAKE_AGENT).replace(/^(?!\.)/, "./"))).toBe(true);
    const notExecutable = join(tempDir(), "plain.sh");
    writeFileSync(notExecutable, "#!/bin/sh\n");
    expect(isCommandAvailable(notExecutable)).toBe(false);
    chmodSync(notExecutable, 0o755);
    expect(isCommandAvailable(notExecutable)).toBe(true);
    expect(isCommandAvailable("fake-agent.sh")).toBe(false);
    expect(isCommandAvailable("fake-agent.sh", dirname(FAKE_AGENT))).toBe(true);
  });
});

describe("launching the fake agent", () => {
  const worktreePath = tempDir();
  const workspace: HostWorkspace = {
    id: "w1",
    projectId: null,
    name: "w1",
    branch: "main",
    type: "session",
    worktreePath,
    worktreeExists: true,
    taskId: null,
    createdByUserId: null,
    createdAt: "2025-01-01T00:00:00.000Z",
    updatedAt: "2025-01-01T00:00:00.000Z",
  };
  // launchAgent only uses the terminal manager.
  const deps = { state: {} as unknown as AgentState, terminals };
  const marker = join(tempDir(), "pwned");

  async function run(preset: WirePreset, prompt?: string, resumeSessionId?: string) {
    const out = join(tempDir(), "args");
    const launched = launchAgent(deps, workspace, { ...preset, env: { ...preset.env, FAKE_AGENT_OUT: out } }, prompt, resumeSessionId);
    if (!launched.ok) throw new Error(launched.error);
    expect(await terminals.waitForExit(launched.sessionId, 5000)).toBe(0);
    return { launched, out, args: await fakeAgentArgs(out) };
  }

  const hostile = [
    "'; rm -rf ~; '",
    `$(touch ${marker})`,
    `\`touch ${marker}\`; touch ${marker}`,
    "--help",
    "-rf",
    "say \"hi\" & echo 'quoted' | tee x > y",
    "first line\nsecond line\n\n  indented third\n",
    "tab\there, unicode é🎉, back\\slash, star * and ~",
  ];

  test("hostile and odd prompts reach the agent as one argument, unchanged, and run nothing", async () => {
    const claudeLike = { ...builtin("claude"), command: FAKE_AGENT };
    const codexLike = { ...builtin("codex"), command: FAKE_AGENT };
    for (const prompt of hostile) {
      // A prompt that looks like an option goes only where the preset ends its options with "--".
      if (prompt.startsWith("-")) {
        const { args } = await run(codexLike, prompt);
        expect(args).toEqual(["--dangerously-bypass-approvals-and-sandbox", "--", prompt]);
        continue;
      }
      const { args } = await run(claudeLike, prompt);
      expect(args).toEqual(["--dangerously-skip-permissions", prompt]);
    }
    expect(existsSync(marker)).toBe(false);
  });

  test("a prompt that would be read as an option of the agent is refused, not passed", () => {
    for (const prompt of ["--mcp-config=/tmp/evil.json", "-p"]) {
      expect(() => buildAgentLaunch(builtin("claude"), prompt)).toThrow('The prompt starts with "-", which claude would read as an option; start the prompt with another character.');
    }
    // Where the prompt is the value of a flag, or follows "--", it is safe as it is.
    expect(buildAgentLaunch(builtin("opencode"), "--x")).toEqual({ kind: "argv", argv: ["opencode", "--prompt", "--x"] });
    expect(buildAgentLaunch(builtin("codex"), "--x").kind).toBe("argv");
    expect(buildAgentLaunch(builtin("opencode"))).toEqual({ kind: "argv", argv: ["opencode"] });
  });

  test("the stdin transport types the prompt and ends input; argv carries no prompt", async () => {
    const ampLike: WirePreset = { ...builtin("amp"), command: FAKE_AGENT, env: { FAKE_AGENT_STDIN: "1" } };
    for (const prompt of [hostile[1]!, hostile[6]!]) {
      const { args, out } = await run(ampLike, prompt);
      expect(args).toEqual([]);
      expect(readFileSync(`${out}.stdin`, "utf8")).toBe(prompt);
    }
    expect(existsSync(marker)).toBe(false);
  });

  test("a custom preset runs with its args, promptArgs, resumeArgs, env and the workspace folder", async () => {
    const custom: WirePreset = {
      id: "my-agent",
      label: "My Agent",
      command: FAKE_AGENT,
      args: ["--model", "big one"],
      promptTransport: "argv",
      promptArgs: ["--prompt"],
      resumeArgs: ["--resume={sessionId}"],
      env: { MY_AGENT_MODE: "fast" },
    };
    const { launched, args } = await run(custom, "do it", "sess-9");
    expect(launched).toMatchObject({ ok: true, label: "My Agent" });
    expect(args).toEqual(["--model", "big one", "--resume=sess-9", "--prompt", "do it"]);
    const text = (await terminals.read(launched.sessionId)).text;
    expect(text).toContain(`fake-agent cwd=${worktreePath}`);
    expect(terminals.get(launched.sessionId)).toMatchObject({ workspaceId: "w1", label: "My Agent", exited: true, exitCode: 0 });
  });

  test("the agent's exit code is reported", async () => {
    const launched = launchAgent(deps, workspace, { ...builtin("claude"), command: FAKE_AGENT, env: { FAKE_AGENT_EXIT: "7" } }, "x");
    if (!launched.ok) throw new Error(launched.error);
    expect(await terminals.waitForExit(launched.sessionId, 5000)).toBe(7);
  });

  test("a missing program or a broken preset is a result, never a throw", () => {
    expect(launchAgent(deps, workspace, { ...builtin("claude"), command: "definitely-not-installed-xyz" }, "x")).toEqual({
      ok: false,
      error: 'definitely-not-installed-xyz is not installed on this host (not found on its PATH); install it, or set the full path as the command of preset "claude".',
    });
    const empty = launchAgent(deps, workspace, { ...builtin("claude"), command: "" });
    expect(empty).toMatchObject({ ok: false });
    const gone = launchAgent(deps, { ...workspace, worktreePath: join(worktreePath, "missing") }, { ...builtin("claude"), command: FAKE_AGENT });
    expect(gone).toMatchObject({ ok: false });
    expect(terminals.list()).toEqual([]);
  });
});
