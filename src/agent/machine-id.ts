/**
 * The host id: the first 32 hex characters of HMAC-SHA256 keyed "superset-host-id-v1" over the
 * machine id (docs/hosts-and-automations.md#hosts). Hashing keeps the raw machine id, which other
 * software treats as confidential, off the wire; the key makes the value ours alone.
 */
import { createHmac } from "node:crypto";
import { readFileSync } from "node:fs";
import { homedir, hostname } from "node:os";

const HOST_ID_KEY = "superset-host-id-v1";
/** Where Linux distributions keep the machine id (systemd's file, then D-Bus's older copy). */
const MACHINE_ID_FILES = ["/etc/machine-id", "/var/lib/dbus/machine-id"];

function platformMachineId(): string | null {
  for (const file of MACHINE_ID_FILES) {
    try {
      const value = readFileSync(file, "utf8").trim();
      if (value) return value;
    } catch {
      // not on this platform; try the next source
    }
  }
  if (process.platform === "darwin") {
    const out = Bun.spawnSync(["ioreg", "-rd1", "-c", "IOPlatformExpertDevice"]).stdout.toString();
    const uuid = /"IOPlatformUUID" = "([^"]+)"/.exec(out)?.[1];
    if (uuid) return uuid;
  }
  return null;
}

/** This machine's host id, stable across restarts. */
export function machineHostId(): string {
  const source = platformMachineId() ?? `${hostname()}${homedir()}`;
  return createHmac("sha256", HOST_ID_KEY).update(source).digest("hex").slice(0, 32);
}
