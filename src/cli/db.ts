/** `superset db …`: database maintenance. */
import { CONFIG_OPTION, type Command } from "./command.ts";
import { dbBackup } from "./db-backup.ts";
import { openConfiguredDatabase } from "./shared.ts";

const dbMigrate: Command = {
  path: ["db", "migrate"],
  summary: "Apply the database migrations that have not run yet (every command also does this first)",
  options: { ...CONFIG_OPTION },
  async run({ values }) {
    const { db, shownUrl } = await openConfiguredDatabase(values);
    await db.close();
    console.log(`Database ${shownUrl} is up to date.`);
    return 0;
  },
};

/** The `superset db …` commands. */
export const dbCommands: Command[] = [dbMigrate, dbBackup];
