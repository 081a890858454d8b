/**
 * Ending everything a terminal started. A PTY child is a session leader (setsid), so its pid is
 * both its process group id and its session id. Signalling the group reaches a non-interactive
 * shell's background jobs; an interactive shell puts each job in its own group, so on Linux the
 * members of the whole session are found in /proc and signalled too. Elsewhere only the group is
 * reached (an interactive shell still passes its SIGHUP on to its jobs).
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";

const POLL_INTERVAL_MS = 25;
/** Whether session members can be listed (Linux); otherwise only the process group is known. */
const HAS_PROC = existsSync("/proc/self/stat");

/** The live (non-zombie) pids whose session id is `sessionId`; empty where /proc is missing. */
export function sessionMembers(sessionId: number): number[] {
  if (!HAS_PROC) return [];
  const members: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = readStat(entry);
    // Fields after the parenthesised command name: state ppid pgrp session …
    const fields = stat?.slice(stat.lastIndexOf(")") + 2).split(" ");
    if (fields && fields[0] !== "Z" && Number(fields[3]) === sessionId) members.push(Number(entry));
  }
  return members;
}

function readStat(pid: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch {
    return undefined; // the process ended while we looked
  }
}

/** Whether `pid` is still a running (non-zombie) process. */
export function isProcessAlive(pid: number): boolean {
  if (HAS_PROC) {
    const stat = readStat(String(pid));
    return stat !== undefined && stat.charAt(stat.lastIndexOf(")") + 2) !== "Z";
  }
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function signalSession(leaderPid: number, signal: NodeJS.Signals): void {
  for (const pid of [-leaderPid, ...sessionMembers(leaderPid)]) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone (ESRCH): nothing left to end.
    }
  }
}

function isSessionAlive(leaderPid: number): boolean {
  // With /proc the member list is exact; a process group may answer kill(0) with zombies only.
  if (HAS_PROC) return sessionMembers(leaderPid).length > 0;
  try {
    process.kill(-leaderPid, 0);
    return true;
  } catch {
    return false;
  }
}

async function waitUntilGone(leaderPid: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && isSessionAlive(leaderPid)) await Bun.sleep(POLL_INTERVAL_MS);
}

/**
 * Sends SIGHUP (what closing a terminal window sends) to the session of `leaderPid`, gives its
 * processes `graceMs` to exit, then SIGKILLs whatever is left and waits (up to `graceMs` more)
 * until it is gone: a killed process still runs until the kernel next schedules it.
 */
export async function endSession(leaderPid: number, graceMs: number): Promise<void> {
  signalSession(leaderPid, "SIGHUP");
  await waitUntilGone(leaderPid, graceMs);
  if (!isSessionAlive(leaderPid)) return;
  signalSession(leaderPid, "SIGKILL");
  await waitUntilGone(leaderPid, graceMs);
}
