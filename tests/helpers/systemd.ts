/** Reading systemd files the way systemd does, for the tests of the units in scripts/deploy/. */
import { readFileSync } from "node:fs";

/** A unit's sections, each a map from key to its values in order (a key may repeat). */
export type Unit = Map<string, Map<string, string[]>>;

/** A unit file as systemd reads it: sections of `Key=value` lines (keys may repeat), comments and blank lines skipped, `\` continuations joined. */
export function parseUnit(text: string): Unit {
  const sections: Unit = new Map();
  let current: Map<string, string[]> | undefined;
  const lines = text.replace(/\\\n/g, " ").split("\n");
  for (const raw of lines) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      current = new Map();
      sections.set(header[1]!, current);
      continue;
    }
    const equals = line.indexOf("=");
    if (!current || equals < 1) throw new Error(`Unparsable unit line: ${line}`);
    const key = line.slice(0, equals).trim();
    current.set(key, [...(current.get(key) ?? []), line.slice(equals + 1).trim()]);
  }
  return sections;
}

/** `single(unit)(section, key)`: the one value of a key (undefined when absent; a repeated key throws). */
export function singleValues(unit: Unit) {
  return (section: string, key: string): string | undefined => {
    const values = unit.get(section)?.get(key);
    if (values && values.length > 1) throw new Error(`[${section}] ${key} is set ${values.length} times`);
    return values?.[0];
  };
}

/** The variables of an EnvironmentFile=: `KEY=value` lines, `#` comments and blank lines skipped (the files here need no quoting). */
export function readEnvironmentFile(path: string): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const raw of readFileSync(path, "utf8").split("\n")) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#") || line.startsWith(";")) continue;
    const equals = line.indexOf("=");
    if (equals < 1) throw new Error(`Unparsable environment file line in ${path}: ${line}`);
    variables[line.slice(0, equals)] = line.slice(equals + 1);
  }
  return variables;
}

/** The variables of `Environment=` values (`KEY=value`, several per line; no quoted values here). */
export function environmentAssignments(values: string[]): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const assignment of values.flatMap((value) => value.split(/\s+/)).filter(Boolean)) {
    const equals = assignment.indexOf("=");
    if (equals < 1 || /["']/.test(assignment)) throw new Error(`Environment= assignment this test cannot read: ${assignment}`);
    variables[assignment.slice(0, equals)] = assignment.slice(equals + 1);
  }
  return variables;
}
