/** The PTY terminal manager: real terminals rendered by headless xterm, closed with their whole process tree. */
import { afterAll, afterEach, describe, expect, test } from "bun:test";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isProcessAlive } from "../../src/agent/process-session.ts";
import { createTerminalManager, stdinAsTyped } from "../../src/agent/terminals.ts";
import type { TerminalEnd, TerminalLaunch } from "../../src/agent/types.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";
import { eventually } from "../helpers/eventually.ts";
import { thrown, useEmptyHome, waitForScreen } from "./terminal-helpers.ts";

const terminals = createTerminalManager({ cols: 80, rows: 24, killGraceMs: 500 });
const cwd = tempDir();
afterEach(() => terminals.closeAll());
afterAll(removeTempDirs);
useEmptyHome();

function start(argv: string[], options: { workspaceId?: string; env?: Record<string, string>; stdin?: string } = {}) {
  const launch: TerminalLaunch = options.stdin === undefined ? { kind: "argv", argv } : { kind: "argv", argv, stdin: options.stdin };
  return terminals.create({ workspaceId: options.workspaceId ?? "w1", cwd, launch, label: "test", env: options.env });
}

describe("terminal manager", () => {
  test("output is read as the screen, in a real tty with TERM=xterm-256color, and the exit code is kept", async () => {
    const terminal = start(["bash", "-c", 'echo "hello from pty"; [ -t 0 ] && [ -t 1 ] && echo "is a tty"; echo "TERM=$TERM cwd=$PWD"; exit 3']);
    expect(terminal).toMatchObject({ workspaceId: "w1", label: "test", title: "test", exited: false, exitCode: null });
    expect(await terminals.waitForExit(terminal.terminalId, 5000)).toBe(3);
    const screen = await terminals.read(terminal.terminalId);
    expect(screen).toEqual({ cols: 80, rows: 24, text: `hello from pty\nis a tty\nTERM=xterm-256color cwd=${cwd}` });
    expect(terminals.get(terminal.terminalId)).toMatchObject({ exited: true, exitCode: 3 });
    expect(terminals.list("w1").map((t) => t.terminalId)).toEqual([terminal.terminalId]);
  });

  test("waitForExit answers null while the program still runs", async () => {
    const terminal = start(["sleep", "30"]);
    expect(await terminals.waitForExit(terminal.terminalId, 100)).toBeNull();
  });

  test("send types text; with submit it also presses Enter", async () => {
    const terminal = start(["bash", "--norc", "--noprofile", "-c", 'read -r line; echo "got:$line"; read -r again; echo "then:$again"']);
    terminals.send(terminal.terminalId, "abc", false);
    await waitForScreen(terminals, terminal.terminalId, /^abc$/);
    expect((await terminals.read(terminal.terminalId)).text).not.toContain("got:");
    terminals.send(terminal.terminalId, "def", true);
    expect(await waitForScreen(terminals, terminal.terminalId, /got:/)).toBe("abcdef\ngot:abcdef");
    terminals.send(terminal.terminalId, "", true);
    expect(await waitForScreen(terminals, terminal.terminalId, /then:/)).toBe("abcdef\ngot:abcdef\n\nthen:");
  });

  test("a full-screen program reads as its alternate screen, and the normal screen returns when it leaves", async () => {
    const script = "echo 'normal screen'; printf '\\e[?1049h\\e[H\\e[2JFULL SCREEN APP\\e[5;3Hrow five'; read -r _; printf '\\e[?1049l'; echo 'after app'";
    const terminal = start(["bash", "-c", script]);
    const alternate = await waitForScreen(terminals, terminal.terminalId, /row five/);
    expect(alternate).toBe("FULL SCREEN APP\n\n\n\n  row five");
    terminals.send(terminal.terminalId, "", true);
    expect(await waitForScreen(terminals, terminal.terminalId, /after app/)).toBe("normal screen\nafter app");
  });

  test("less shows a file as its screen and q quits it", async () => {
    writeFileSync(join(cwd, "lines.txt"), Array.from({ length: 100 }, (_, i) => `file line ${i + 1}`).join("\n"));
    const terminal = start(["less", "lines.txt"]);
    const screen = await waitForScreen(terminals, terminal.terminalId, /file line 23/);
    expect(screen.split("\n")[0]).toBe("file line 1");
    expect(screen).not.toContain("file line 24");
    terminals.send(terminal.terminalId, "q", false);
    expect(await terminals.waitForExit(terminal.terminalId, 5000)).toBe(0);
  });

  test("maxLines gives the last lines, reaching into the scrollback", async () => {
    const terminal = start(["bash", "-c", "for i in $(seq 1 100); do echo line$i; done"]);
    await terminals.waitForExit(terminal.terminalId, 5000);
    const lines = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => `line${from + i}`).join("\n");
    expect((await terminals.read(terminal.terminalId)).text).toBe(lines(78, 100));
    expect((await terminals.read(terminal.terminalId, 5)).text).toBe(lines(96, 100));
    expect((await terminals.read(terminal.terminalId, 60)).text).toBe(lines(41, 100));
    expect((await terminals.read(terminal.terminalId, 1000)).text).toBe(lines(1, 100));
  });

  test("the title follows OSC 0 and 2, and is the label until then", async () => {
    const terminal = start(["bash", "-c", "read -r _; printf '\\e]0;first title\\a'; read -r _; printf '\\e]2;second title\\e\\\\'; sleep 30"]);
    expect(terminals.get(terminal.terminalId)?.title).toBe("test");
    terminals.send(terminal.terminalId, "", true);
    await eventually("the first title", () => terminals.get(terminal.terminalId)?.title === "first title", 5000);
    terminals.send(terminal.terminalId, "", true);
    await eventually("the second title", () => terminals.get(terminal.terminalId)?.title === "second title", 5000);
  });

  test("each terminal is its own session, and close ends the whole process tree", async () => {
    const terminal = start(["bash", "-c", 'echo "SID=$(ps -o sid= -p $$ | tr -d " ") PID=$$"; sleep 1000 & echo "BG=$!"; bash -c "sleep 1000 & echo GRAND=\\$!; wait" & wait']);
    const screen = await waitForScreen(terminals, terminal.terminalId, /GRAND=\d+/);
    const pid = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(screen)?.[1]);
    expect(pid("SID")).toBe(pid("PID"));
    const pids = [pid("PID"), pid("BG"), pid("GRAND")];
    for (const p of pids) expect(isProcessAlive(p)).toBe(true);
    await terminals.close(terminal.terminalId);
    for (const p of pids) expect(isProcessAlive(p)).toBe(false);
    expect(terminals.get(terminal.terminalId)).toBeUndefined();
  });

  test("close also ends jobs an interactive shell put in their own process groups, even nohup ones", async () => {
    const terminal = start(["bash", "--norc", "--noprofile", "-i"]);
    terminals.send(terminal.terminalId, "nohup sleep 1000 >/dev/null 2>&1 & echo JOB=$!", true);
    const screen = await waitForScreen(terminals, terminal.terminalId, /JOB=\d+/);
    const job = Number(/JOB=(\d+)/.exec(screen)?.[1]);
    expect(isProcessAlive(job)).toBe(true);
    await terminals.close(terminal.terminalId);
    expect(isProcessAlive(job)).toBe(false);
  });

  test("shell and interactive launches use the user's shell", async () => {
    const shell = terminals.create({ workspaceId: "w1", cwd, launch: { kind: "shell", commandLine: "echo one && echo two | tr a-z A-Z" }, label: "echo" });
    await terminals.waitForExit(shell.terminalId, 5000);
    expect((await terminals.read(shell.terminalId)).text).toEndWith("one\nTWO");
    const interactive = terminals.create({ workspaceId: "w1", cwd, launch: { kind: "interactive" }, label: "terminal" });
    terminals.send(interactive.terminalId, "echo $((6 * 7))", true);
    await waitForScreen(terminals, interactive.terminalId, /^42$/m);
  });

  test("stdin is typed exactly, control characters and long lines included, then end of input", async () => {
    const file = join(cwd, "stdin.txt");
    const input = `first line\n${"x".repeat(9000)}\nctrl \x03 \x04 \x15 \x7f \r end`;
    const terminal = start(["bash", "-c", `cat > ${file}`], { stdin: input });
    expect(await terminals.waitForExit(terminal.terminalId, 5000)).toBe(0);
    expect(readFileSync(file, "utf8")).toBe(input);
    expect(stdinAsTyped("a\n")).toBe("a\n\x04");
    expect(stdinAsTyped("a")).toBe("a\x04\x04");
  });

  test("env is passed over the agent's own, without its host token", async () => {
    process.env.SUPERSET_HOST_TOKEN = "sk_host_secret";
    try {
      const terminal = start(["bash", "-c", 'echo "X=$X TOKEN=${SUPERSET_HOST_TOKEN:-none} TERM=$TERM"'], { env: { X: "from preset", TERM: "dumb" } });
      await terminals.waitForExit(terminal.terminalId, 5000);
      expect((await terminals.read(terminal.terminalId)).text).toBe("X=from preset TOKEN=none TERM=xterm-256color");
    } finally {
      delete process.env.SUPERSET_HOST_TOKEN;
    }
  });

  test("a program that is not installed, a missing cwd and an unknown id are refused with one sentence", async () => {
    const missing = await thrown(() => start(["definitely-not-installed-xyz", "--flag"]));
    expect(missing.code).toBe("failed");
    expect(missing.message).toBe(`"definitely-not-installed-xyz" was not found on this host's PATH; install it there or give the full path to the program.`);
    const noFolder = await thrown(() => terminals.create({ workspaceId: "w1", cwd: join(cwd, "nope"), launch: { kind: "interactive" }, label: "x" }));
    expect(noFolder.code).toBe("not_found");
    for (const run of [() => terminals.read("nope"), () => terminals.send("nope", "x", true), () => terminals.close("nope"), () => terminals.waitForExit("nope", 10)]) {
      expect((await thrown(run)).code).toBe("not_found");
    }
    expect(terminals.list()).toEqual([]);
  });

  test("sending to an exited terminal is refused; it stays readable until closed", async () => {
    const terminal = start(["bash", "-c", "echo bye"]);
    await terminals.waitForExit(terminal.terminalId, 5000);
    expect((await thrown(() => terminals.send(terminal.terminalId, "x", true))).code).toBe("conflict");
    expect((await terminals.read(terminal.terminalId)).text).toBe("bye");
    await terminals.close(terminal.terminalId);
    expect(terminals.list()).toEqual([]);
  });

  test("closeWorkspace closes only that workspace's terminals", async () => {
    const a = start(["sleep", "30"], { workspaceId: "wa" });
    const b = start(["sleep", "30"], { workspaceId: "wb" });
    await terminals.closeWorkspace("wa");
    expect(terminals.get(a.terminalId)).toBeUndefined();
    expect(terminals.list().map((t) => t.terminalId)).toEqual([b.terminalId]);
  });
});

describe("following a terminal (onOutput, onEnd) and kill", () => {
  /** Starts `argv` with its raw output and its end recorded. */
  function followed(argv: string[]) {
    const chunks: Uint8Array[] = [];
    const ended = Promise.withResolvers<TerminalEnd>();
    const ends: TerminalEnd[] = [];
    const terminal = terminals.create({
      workspaceId: "w1",
      cwd,
      launch: { kind: "argv", argv },
      label: "followed",
      onOutput: (bytes) => chunks.push(bytes),
      onEnd: (end) => (ends.push(end), ended.resolve(end)),
    });
    const output = () => new TextDecoder().decode(Buffer.concat(chunks));
    return { terminal, output, ended: ended.promise, ends };
  }

  test("the raw output arrives from the first byte, escape sequences included, then the exit code once", async () => {
    const { output, ended, ends } = followed(["bash", "-c", "printf 'first\\033[31m red\\033[0m\\n'; exit 5"]);
    expect(await ended).toEqual({ exitCode: 5 });
    expect(output()).toBe("first\x1b[31m red\x1b[0m\r\n");
    await Bun.sleep(50);
    expect(ends).toHaveLength(1);
  });

  test("a terminal closed while its program runs ends as closed, once", async () => {
    const { terminal, ended, ends } = followed(["sleep", "30"]);
    await terminals.close(terminal.terminalId);
    expect(await ended).toEqual({ closed: true });
    await Bun.sleep(50);
    expect(ends).toEqual([{ closed: true }]);
  });

  test("closing a terminal whose program already exited keeps the exit as its end", async () => {
    const { terminal, ended } = followed(["bash", "-c", "exit 2"]);
    await terminals.waitForExit(terminal.terminalId, 5000);
    await terminals.close(terminal.terminalId);
    expect(await ended).toEqual({ exitCode: 2 });
  });

  test("kill ends the whole session but keeps the terminal readable as exited", async () => {
    const pidFile = join(tempDir(), "child.pid");
    const { terminal, ended } = followed(["bash", "-c", `sleep 30 & echo $! > ${pidFile}; echo started; wait`]);
    await waitForScreen(terminals, terminal.terminalId, /started/);
    const child = Number(readFileSync(pidFile, "utf8"));
    await terminals.kill(terminal.terminalId);
    expect("exitCode" in (await ended)).toBe(true);
    expect(isProcessAlive(child)).toBe(false);
    expect(terminals.get(terminal.terminalId)?.exited).toBe(true);
    expect((await terminals.read(terminal.terminalId)).text).toBe("started");
  });
});

describe("terminal cap", () => {
  const capped = createTerminalManager({ maxLiveTerminals: 2, killGraceMs: 200 });
  afterAll(() => capped.closeAll());

  test("running terminals are capped; exited ones do not count and the oldest exited are dropped", async () => {
    const make = (argv: string[]) => capped.create({ workspaceId: "w1", cwd, launch: { kind: "argv", argv }, label: "t" });
    const exitedNow = async (argv: string[]) => {
      const terminal = make(argv);
      await capped.waitForExit(terminal.terminalId, 5000);
      return terminal;
    };
    const oldest = await exitedNow(["true"]);
    make(["sleep", "30"]);
    const second = make(["sleep", "30"]);
    const refused = await thrown(() => make(["sleep", "30"]));
    expect(refused.code).toBe("conflict");
    expect(refused.message).toBe("This host already runs 2 terminals; close some with terminals_close before starting another.");
    await capped.close(second.terminalId);
    const kept = await exitedNow(["true"]);
    await exitedNow(["true"]);
    expect(capped.list()).toHaveLength(4);
    // Four held (twice the cap): the next one drops the oldest exited terminal.
    make(["sleep", "30"]);
    expect(capped.get(oldest.terminalId)).toBeUndefined();
    expect(capped.get(kept.terminalId)?.exited).toBe(true);
    expect(capped.list()).toHaveLength(4);
  });
});
