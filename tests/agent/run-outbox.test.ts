/** The run outbox: runs and reports survive a restart, acknowledged reports leave a tombstone, and bad files never stop the agent. */
import { afterAll, describe, expect, test } from "bun:test";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { MAX_RUN_RECORDS, openRunOutbox, type RunStart } from "../../src/agent/run-outbox.ts";
import type { RunReport } from "../../src/hosts/protocol.ts";
import { removeTempDirs, tempDir } from "../helpers/git-repos.ts";

afterAll(removeTempDirs);

const start = (startedAt = "2026-01-01T00:00:00.000Z"): RunStart => ({
  workspace: {
    id: "w1",
    projectId: null,
    name: "w",
    branch: "main",
    type: "session",
    worktreePath: "/x",
    worktreeExists: true,
    taskId: null,
    createdByUserId: "u1",
    createdAt: startedAt,
    updatedAt: startedAt,
  },
  terminalId: "t1",
  startedAt,
  note: null,
});
const report = (runId: string, output = "all done\n"): RunReport => ({
  runId,
  status: "succeeded",
  exitCode: 0,
  startedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: "2026-01-01T00:01:00.000Z",
  durationMs: 60_000,
  output,
  error: null,
});

describe("run outbox", () => {
  test("a started run and then its report survive a restart, oldest report first", async () => {
    const dir = tempDir();
    const outbox = openRunOutbox(dir);
    outbox.started("r2", start("2026-01-02T00:00:00.000Z"));
    outbox.started("r1", start("2026-01-01T00:00:00.000Z"));
    outbox.started("r3", start("2026-01-03T00:00:00.000Z"));
    outbox.finish(report("r2"));
    outbox.finish(report("r1"));
    const reopened = openRunOutbox(dir);
    expect(reopened.get("r1")?.start).toEqual(start("2026-01-01T00:00:00.000Z"));
    expect(reopened.reports().map((made) => made.runId)).toEqual(["r1", "r2"]);
    expect(reopened.unfinished().map((record) => record.runId)).toEqual(["r3"]);
    expect(readdirSync(join(dir, "runs")).sort()).toEqual(["r1.json", "r2.json", "r3.json"]);
  });

  test("an acknowledged report is forgotten, but its start stays to answer a re-sent run.start", async () => {
    const dir = tempDir();
    const outbox = openRunOutbox(dir);
    outbox.started("r1", start());
    outbox.acknowledge("r1"); // no report yet: nothing to acknowledge
    expect(outbox.unfinished()).toHaveLength(1);
    outbox.finish(report("r1", "x".repeat(10_000)));
    outbox.acknowledge("r1");
    outbox.acknowledge("never-heard-of");
    for (const view of [outbox, openRunOutbox(dir)]) {
      expect(view.reports()).toEqual([]);
      expect(view.unfinished()).toEqual([]);
      expect(view.get("r1")).toEqual({ runId: "r1", start: start(), acknowledged: true });
    }
    expect(readFileSync(join(dir, "runs", "r1.json"), "utf8").length).toBeLessThan(1000);
  });

  test("a run id that is not a plain file name is stored under its hash and read back", async () => {
    const dir = tempDir();
    openRunOutbox(dir).started("../../etc/passwd run", start());
    expect(readdirSync(join(dir, "runs"))).toEqual([expect.stringMatching(/^sha256-[0-9a-f]{64}\.json$/)]);
    expect(openRunOutbox(dir).get("../../etc/passwd run")?.start).toEqual(start());
  });

  test("torn, corrupt or foreign files are moved aside and the rest still loads; leftover temp files go", async () => {
    const dir = tempDir();
    const outbox = openRunOutbox(dir);
    outbox.started("good", start());
    outbox.finish(report("good"));
    const runs = join(dir, "runs");
    writeFileSync(join(runs, "torn.json"), '{"runId":"torn","start":{"workspace"');
    writeFileSync(join(runs, "garbage.json"), "\u0000\u0001 not json");
    writeFileSync(join(runs, "wrong-shape.json"), JSON.stringify({ runId: "wrong-shape", start: { terminalId: 3 } }));
    writeFileSync(join(runs, "misnamed.json"), JSON.stringify({ runId: "another-id", start: start() }));
    writeFileSync(join(runs, "good.json.4242.tmp"), "{");
    const reopened = openRunOutbox(dir);
    expect(reopened.reports().map((made) => made.runId)).toEqual(["good"]);
    expect(readdirSync(runs).sort()).toEqual(["garbage.json.corrupt", "good.json", "misnamed.json.corrupt", "torn.json.corrupt", "wrong-shape.json.corrupt"]);
    expect(readFileSync(join(runs, "torn.json.corrupt"), "utf8")).toBe('{"runId":"torn","start":{"workspace"');
  });

  test("a file where the runs folder should be is moved aside and the outbox starts empty", async () => {
    const dir = tempDir();
    writeFileSync(join(dir, "runs"), "not a folder");
    const outbox = openRunOutbox(dir);
    expect(outbox.reports()).toEqual([]);
    outbox.started("r1", start());
    expect(existsSync(join(dir, "runs", "r1.json"))).toBe(true);
    expect(readFileSync(join(dir, "runs.corrupt"), "utf8")).toBe("not a folder");
  });

  test(`past ${MAX_RUN_RECORDS} records the oldest acknowledged go first, and runs still going never`, async () => {
    const dir = tempDir();
    mkdirSync(dir, { recursive: true });
    const outbox = openRunOutbox(dir);
    const at = (i: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString();
    outbox.started("going", start(at(0)));
    outbox.started("waiting", start(at(1)));
    outbox.finish(report("waiting"));
    for (let i = 2; i < MAX_RUN_RECORDS; i++) {
      outbox.started(`done-${i}`, start(at(i)));
      outbox.finish(report(`done-${i}`));
      outbox.acknowledge(`done-${i}`);
    }
    outbox.started("newest", start(at(MAX_RUN_RECORDS)));
    expect(outbox.get("done-2")).toBeUndefined();
    expect(outbox.get("done-3")).toBeDefined();
    expect(outbox.get("going")).toBeDefined();
    expect(outbox.reports().map((made) => made.runId)).toEqual(["waiting"]);
    expect(readdirSync(join(dir, "runs"))).toHaveLength(MAX_RUN_RECORDS);
  });
});
