/**
 * One contract suite, both databases (docs/development.md#add-a-service). SQLite always runs;
 * PostgreSQL runs when TEST_DATABASE_URL names a server where the user may create databases. Each
 * suite gets a database of its own, created and migrated in `beforeAll` and dropped in `afterAll`,
 * so suites never see each other's rows and the database TEST_DATABASE_URL names stays untouched.
 */
import { afterAll, beforeAll, describe, test } from "bun:test";
import { SQL } from "bun";
import { openDatabase, type Database } from "../../src/db/client.ts";
import { createServices, type Services } from "../../src/services/index.ts";

/** An empty database (migrated unless asked otherwise) and the way to throw it away. */
export interface TestDatabase {
  db: Database;
  /** Where it lives; `sqlite://:memory:` cannot be opened a second time. */
  url: string;
  dispose(): Promise<void>;
}

/** A database engine the contract suites run against. */
export interface DatabaseVariant {
  name: "SQLite" | "PostgreSQL";
  open(options?: OpenOptions): Promise<TestDatabase>;
}

/** How `open` prepares a database. */
export interface OpenOptions {
  /** False leaves the database without tables, for tests of the migrations themselves. */
  migrate?: boolean;
}

/** What a suite body reads inside its tests; reading it outside a test throws. */
export interface DatabaseSuite {
  readonly variant: DatabaseVariant;
  readonly db: Database;
  readonly url: string;
  readonly services: Services;
  /** A further fresh database, for a test that needs one empty (dispose it in the test). */
  open(options?: OpenOptions): Promise<TestDatabase>;
}

const POSTGRES_URL = process.env.TEST_DATABASE_URL || undefined;

/** The title of the stand-in test when PostgreSQL cannot run. */
export const POSTGRES_SKIPPED_TITLE = "PostgreSQL (TEST_DATABASE_URL not set)";

const sqlite: DatabaseVariant = {
  name: "SQLite",
  async open({ migrate = true } = {}) {
    const db = openDatabase("sqlite://:memory:");
    if (migrate) await db.migrate();
    return { db, url: "sqlite://:memory:", dispose: () => db.close() };
  },
};

function postgres(adminUrl: string): DatabaseVariant {
  return {
    name: "PostgreSQL",
    async open({ migrate = true } = {}) {
      // Only hex digits go into the name, so it is safe to splice into the statement.
      const name = `superset_test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`;
      const url = new URL(adminUrl);
      url.pathname = `/${name}`;
      await withAdmin(adminUrl, (admin) => admin.unsafe(`CREATE DATABASE ${name}`));
      const db = openDatabase(url.toString());
      try {
        if (migrate) await db.migrate();
      } catch (error) {
        await db.close();
        await dropDatabase(adminUrl, name);
        throw error;
      }
      return {
        db,
        url: url.toString(),
        async dispose() {
          await db.close();
          await dropDatabase(adminUrl, name);
        },
      };
    },
  };
}

async function withAdmin<T>(adminUrl: string, run: (admin: SQL) => Promise<T>): Promise<T> {
  const admin = new SQL(adminUrl, { max: 1 });
  try {
    return await run(admin);
  } finally {
    await admin.close();
  }
}

function dropDatabase(adminUrl: string, name: string) {
  // FORCE ends connections a failed test may have left open (PostgreSQL 13+).
  return withAdmin(adminUrl, (admin) => admin.unsafe(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
}

/** The databases available in this run: SQLite, and PostgreSQL when TEST_DATABASE_URL is set. */
export const DATABASES: DatabaseVariant[] = POSTGRES_URL ? [sqlite, postgres(POSTGRES_URL)] : [sqlite];

/**
 * A clock for services under test: each reading is one second after the last, so rows created
 * one after another have distinct, ordered timestamps on both databases.
 */
export function tickingClock(start = new Date("2030-01-01T00:00:00.000Z"), stepMs = 1000): () => Date {
  let next = start.getTime();
  return () => new Date((next += stepMs));
}

let warnedAboutPostgres = false;

/**
 * Declares `title` once per database: `fn` receives a suite whose `db` and `services` (ticking
 * clock) are fresh for that database. Without TEST_DATABASE_URL the PostgreSQL variant is a
 * skipped test saying so, or, when CI is set, a failing one: CI must not pass on SQLite alone.
 */
export function describeEachDatabase(title: string, fn: (suite: DatabaseSuite) => void): void {
  describe(title, () => {
    for (const variant of DATABASES) describe(variant.name, () => fn(suiteFor(variant)));
    if (POSTGRES_URL) return;
    if (process.env.CI) {
      test("PostgreSQL (TEST_DATABASE_URL is required when CI is set)", () => {
        throw new Error("CI is set but TEST_DATABASE_URL is not: set it to a PostgreSQL URL (e.g. postgres://postgres@127.0.0.1:5432/test) so the contract tests run against both databases.");
      });
      return;
    }
    if (!warnedAboutPostgres) {
      warnedAboutPostgres = true;
      console.warn("TEST_DATABASE_URL is not set: the PostgreSQL variants of the contract tests are skipped.");
    }
    test.skip(POSTGRES_SKIPPED_TITLE, () => {});
  });
}

function suiteFor(variant: DatabaseVariant): DatabaseSuite {
  let opened: TestDatabase | undefined;
  let services: Services | undefined;
  beforeAll(async () => {
    opened = await variant.open();
    services = createServices(opened.db, tickingClock());
  });
  afterAll(async () => {
    await opened?.dispose();
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error("The suite's database is opened in beforeAll; read it inside a test.");
    return value;
  };
  return {
    variant,
    get db() {
      return ready(opened).db;
    },
    get url() {
      return ready(opened).url;
    },
    get services() {
      return ready(services);
    },
    open: (options) => variant.open(options),
  };
}
