/**
 * Automations (docs/hosts-and-automations.md#automations, docs/tools.md#automations): an agent, a prompt
 * and a schedule, owned by the member who made it. Reads are open to the organization; changes
 * are for the owner and organization admins. Every change of schedule or state recomputes
 * `nextRunAt` from now and tells the scheduler (`onScheduleChange`), which re-aims its timer.
 */
import { and, asc, eq } from "drizzle-orm";
import { compileSchedule, requireFutureOccurrence, ScheduleError, type CompiledSchedule } from "../scheduler/schedule.ts";
import { scheduleText } from "../scheduler/schedule-text.ts";
import { hasRole, requireRole, type Actor } from "./actor.ts";
import { containsIgnoringCase } from "../db/like.ts";
import { iso, isUuid, newId, type ServiceContext } from "./context.ts";
import { forbidden, invalid, notFound } from "./errors.ts";
import type { AutomationPlacement, Placement } from "./automation-placement.ts";
import { createPromptVersions } from "./automation-prompts.ts";

/** An automation as tools return it, without its prompt. */
export interface Automation {
  id: string;
  organizationId: string;
  ownerUserId: string;
  name: string;
  agent: string;
  targetHostId: string | null;
  v2ProjectId: string | null;
  v2WorkspaceId: string | null;
  enabled: boolean;
  rrule: string;
  dtstart: string;
  timezone: string;
  nextRunAt: string | null;
  scheduleText: string;
  createdAt: string;
  updatedAt: string;
}

export type AutomationWithPrompt = Automation & { prompt: string };

/** The fields automations_update may change; a key left out stays as it is, null unpins. */
export interface AutomationFields extends Partial<Placement> {
  name?: string;
  agent?: string;
  rrule?: string;
  dtstart?: string;
  timezone?: string;
}

export type NewAutomation = AutomationFields & { name: string; prompt: string; agent: string; rrule: string; timezone: string };

/** The agent ids this server knows (built-in presets merged with AGENT_PRESETS). */
export type KnownAgents = readonly string[];

export type ScheduleListener = () => void;

export function createAutomationService(context: ServiceContext, placement: AutomationPlacement) {
  const { db, now } = context;
  const { orm, tables } = db;
  const { automations } = tables;
  const prompts = createPromptVersions(context);
  const listeners = new Set<ScheduleListener>();

  type Row = typeof automations.$inferSelect;

  const toAutomation = (row: Row): Automation => ({
    id: row.id,
    organizationId: row.organizationId,
    ownerUserId: row.ownerUserId,
    name: row.name,
    agent: row.agent,
    targetHostId: row.targetHostId,
    v2ProjectId: row.projectId,
    v2WorkspaceId: row.workspaceId,
    enabled: row.enabled,
    rrule: row.rrule,
    dtstart: iso(row.dtstart)!,
    timezone: row.timezone,
    nextRunAt: iso(row.nextRunAt),
    scheduleText: textOf(row),
    createdAt: iso(row.createdAt)!,
    updatedAt: iso(row.updatedAt)!,
  });
  const withPrompt = (row: Row): AutomationWithPrompt => ({ ...toAutomation(row), prompt: row.prompt });

  const changed = () => {
    for (const listener of listeners) listener();
  };

  async function findRow(actor: Actor, id: string): Promise<Row | undefined> {
    if (!isUuid(id)) return undefined;
    return (
      await orm
        .select()
        .from(automations)
        .where(and(eq(automations.organizationId, actor.organizationId), eq(automations.id, id.toLowerCase())))
    )[0];
  }

  async function requireRow(actor: Actor, id: string): Promise<Row> {
    const row = await findRow(actor, id);
    if (!row) throw notFound(`Automation ${id} not found in organization ${actor.organizationSlug}; call automations_list for the automations there.`);
    return row;
  }

  /** The automation, if the actor may change it: its owner (a member or more) or an organization admin. */
  async function requireChangeable(actor: Actor, id: string, action: string): Promise<Row> {
    requireRole(actor, "member", `${action} automations`);
    const row = await requireRow(actor, id);
    if (row.ownerUserId !== actor.userId && !hasRole(actor, "admin")) {
      throw forbidden(`Automation "${row.name}" belongs to another member; only its owner or an organization admin may ${action} it.`);
    }
    return row;
  }

  /** The next run from now of a schedule that is enabled, or the refusal of a schedule that can no longer fire. */
  function nextRun(schedule: CompiledSchedule): { nextRunAt: Date; nextRunLocal: string } {
    const next = refusedAsInvalid(() => requireFutureOccurrence(schedule, now()));
    return { nextRunAt: next.at, nextRunLocal: next.local };
  }

  function checkAgent(agent: string, known: KnownAgents): string {
    if (!known.includes(agent)) throw invalid(`Agent "${agent}" is not a preset of this server; use one of ${known.join(", ")} (agents_list shows which are installed on a host).`);
    return agent;
  }

  async function update(actor: Actor, row: Row, values: Partial<Row>): Promise<Row> {
    const [updated] = await orm
      .update(automations)
      .set({ ...values, updatedAt: now() })
      .where(and(eq(automations.id, row.id), eq(automations.organizationId, actor.organizationId)))
      .returning();
    if (!updated) throw notFound(`Automation ${row.id} was deleted meanwhile; call automations_list for the automations there.`);
    if ("nextRunAt" in values || "enabled" in values) changed();
    return updated;
  }

  return {
    /** Called after any change that may move the earliest next run (the scheduler re-aims its timer). */
    onScheduleChange(listener: ScheduleListener): () => void {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    /** The organization's automations by name; `name` matches anywhere, case-insensitively. */
    async list(actor: Actor, filter: { name?: string }): Promise<Automation[]> {
      const byName = filter.name ? containsIgnoringCase(automations.name, filter.name) : undefined;
      const rows = await orm
        .select()
        .from(automations)
        .where(and(eq(automations.organizationId, actor.organizationId), byName))
        .orderBy(asc(automations.name), asc(automations.createdAt));
      return rows.map(toAutomation);
    },

    async get(actor: Actor, id: string): Promise<Automation | null> {
      const row = await findRow(actor, id);
      return row ? toAutomation(row) : null;
    },

    async getPrompt(actor: Actor, id: string): Promise<{ id: string; prompt: string; version: number; updatedAt: string } | null> {
      const row = await findRow(actor, id);
      if (!row) return null;
      const version = await prompts.latest(row.id);
      return { id: row.id, prompt: row.prompt, version: row.promptVersion, updatedAt: iso(version?.updatedAt ?? row.updatedAt)! };
    },

    async create(actor: Actor, input: NewAutomation, known: KnownAgents): Promise<AutomationWithPrompt> {
      requireRole(actor, "member", "create automations");
      const at = now();
      const dtstart = input.dtstart ? new Date(input.dtstart) : startOfMinute(at);
      const schedule = compile(input.rrule, dtstart, input.timezone);
      const target = await placement.check(actor, { targetHostId: input.targetHostId ?? null, v2ProjectId: input.v2ProjectId ?? null, v2WorkspaceId: input.v2WorkspaceId ?? null });
      const row: Row = {
        id: newId(),
        organizationId: actor.organizationId,
        ownerUserId: actor.userId,
        name: checkedName(input.name),
        agent: checkAgent(input.agent, known),
        targetHostId: target.targetHostId,
        projectId: target.v2ProjectId,
        workspaceId: target.v2WorkspaceId,
        prompt: input.prompt,
        promptVersion: 1,
        rrule: schedule.rrule,
        dtstart,
        timezone: schedule.timezone,
        enabled: true,
        ...nextRun(schedule),
        createdAt: at,
        updatedAt: at,
      };
      await orm.insert(automations).values(row);
      await prompts.record(row.id, actor.userId, input.prompt);
      changed();
      return withPrompt(row);
    },

    async update(actor: Actor, id: string, fields: AutomationFields, known: KnownAgents): Promise<AutomationWithPrompt> {
      const row = await requireChangeable(actor, id, "change");
      const values: Partial<Row> = {};
      if (fields.name !== undefined) values.name = checkedName(fields.name);
      if (fields.agent !== undefined) values.agent = checkAgent(fields.agent, known);
      if (fields.targetHostId !== undefined || fields.v2ProjectId !== undefined || fields.v2WorkspaceId !== undefined) {
        const target = await placement.check(actor, {
          targetHostId: fields.targetHostId === undefined ? row.targetHostId : fields.targetHostId,
          v2ProjectId: fields.v2ProjectId === undefined ? row.projectId : fields.v2ProjectId,
          v2WorkspaceId: fields.v2WorkspaceId === undefined ? row.workspaceId : fields.v2WorkspaceId,
        });
        Object.assign(values, { targetHostId: target.targetHostId, projectId: target.v2ProjectId, workspaceId: target.v2WorkspaceId });
      }
      if (fields.rrule !== undefined || fields.dtstart !== undefined || fields.timezone !== undefined) {
        const dtstart = fields.dtstart !== undefined ? new Date(fields.dtstart) : row.dtstart;
        const schedule = compile(fields.rrule ?? row.rrule, dtstart, fields.timezone ?? row.timezone);
        Object.assign(values, { rrule: schedule.rrule, dtstart, timezone: schedule.timezone });
        if (row.enabled) Object.assign(values, nextRun(schedule));
      }
      if (Object.keys(values).length === 0)
        throw invalid("Nothing to change: pass at least one of name, agent, targetHostId, v2ProjectId, v2WorkspaceId, rrule, dtstart, timezone (the prompt changes with automations_set_prompt).");
      return withPrompt(await update(actor, row, values));
    },

    /** Replaces the prompt; the previous text stays as a version unless the same author wrote it in the last few minutes. */
    async setPrompt(actor: Actor, id: string, prompt: string): Promise<AutomationWithPrompt> {
      const row = await requireChangeable(actor, id, "change");
      if (prompt === row.prompt) return withPrompt(row);
      const version = await prompts.record(row.id, actor.userId, prompt);
      return withPrompt(await update(actor, row, { prompt, promptVersion: version }));
    },

    async delete(actor: Actor, id: string): Promise<{ deleted: true; id: string }> {
      const row = await requireChangeable(actor, id, "delete");
      // Runs and prompt versions go with it (ON DELETE CASCADE).
      await orm.delete(automations).where(and(eq(automations.id, row.id), eq(automations.organizationId, actor.organizationId)));
      changed();
      return { deleted: true, id: row.id };
    },

    async pause(actor: Actor, id: string): Promise<Automation> {
      const row = await requireChangeable(actor, id, "pause");
      if (!row.enabled) return toAutomation(row);
      return toAutomation(await update(actor, row, { enabled: false, nextRunAt: null, nextRunLocal: null }));
    },

    /** Enables the automation with its next run computed from now: occurrences missed while paused are not fired. */
    async resume(actor: Actor, id: string): Promise<Automation> {
      const row = await requireChangeable(actor, id, "resume");
      if (row.enabled && row.nextRunAt) return toAutomation(row);
      return toAutomation(await update(actor, row, { enabled: true, ...nextRun(compile(row.rrule, row.dtstart, row.timezone)) }));
    },

    /** An automation by id, for the scheduler's dispatch, which acts for the owner rather than for a caller. */
    async findForRun(id: string): Promise<AutomationWithPrompt | null> {
      const row = (await orm.select().from(automations).where(eq(automations.id, id)))[0];
      return row ? withPrompt(row) : null;
    },

    /** The automation, if the actor may run it and read its runs (its owner or an admin). */
    async requireRunnable(actor: Actor, id: string, action: "run" | "read the runs of"): Promise<AutomationWithPrompt> {
      return withPrompt(await requireChangeable(actor, id, action));
    },
  };
}

export type AutomationService = ReturnType<typeof createAutomationService>;

/** Checks a schedule; a refusal becomes the tool's error sentence. */
export function compile(rrule: string, dtstart: Date, timezone: string): CompiledSchedule {
  return refusedAsInvalid(() => compileSchedule({ rrule, dtstart, timezone }));
}

function refusedAsInvalid<T>(check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof ScheduleError) throw invalid(error.message);
    throw error;
  }
}

function textOf(row: { rrule: string; dtstart: Date; timezone: string }): string {
  try {
    return scheduleText(compileSchedule(row));
  } catch {
    return "Custom";
  }
}

const startOfMinute = (at: Date) => new Date(Math.floor(at.getTime() / 60_000) * 60_000);

function checkedName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed) throw invalid('An automation\'s name must not be blank; give it a short name such as "Nightly triage".');
  return trimmed;
}
