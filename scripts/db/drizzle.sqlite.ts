// drizzle-kit settings for the SQLite migrations: `npx drizzle-kit generate --config scripts/db/drizzle.sqlite.ts`
import { defineConfig } from "drizzle-kit";
export default defineConfig({ dialect: "sqlite", schema: "./src/db/schema/sqlite.ts", out: "./src/db/migrations/sqlite" });
