// drizzle-kit settings for the PostgreSQL migrations: `npx drizzle-kit generate --config scripts/db/drizzle.postgres.ts`
import { defineConfig } from "drizzle-kit";
export default defineConfig({ dialect: "postgresql", schema: "./src/db/schema/postgres.ts", out: "./src/db/migrations/postgres" });
