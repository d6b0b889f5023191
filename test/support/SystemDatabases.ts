/**
 * The databases a system test file runs its services on: embedded PGlite always, and a PostgreSQL database of the
 * file's own when `DATABASE_URL` is set.
 *
 * Not the server's database itself: every sandbox-mode service has its own token key (`DATA_DIR/sandbox-secrets.json`),
 * and services of files running side by side on one database act on each other's rows as the instances of one
 * deployment would, without the shared key. A delivery worker of one file claimed another file's outbound webhook,
 * could not decrypt its signing secret and counted a failure, until the endpoint was disabled (the flaky "a stop
 * between the message insert and the delivery" test); a health job would check another file's connections with the
 * wrong key. Services of one file share its database, as instances of one deployment do.
 */
import { randomBytes } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import pg from "pg"
import { inject } from "vitest"
import { layerServer } from "../../src/adapters/persistence/Database.ts"
import { MigrationsLive } from "../../src/adapters/persistence/Migrations.ts"

declare module "vitest" {
  export interface ProvidedContext {
    systemDatabasesRun: string
  }
}

/** `postgres://…/test` and a run → the prefix of the run's per-file databases: `test_sys_<run>_`. */
const prefixOf = (server: URL, run: string) =>
  // Lower case: PostgreSQL folds an unquoted name, and the URL must name the database it made.
  `${(server.pathname.slice(1) || "postgres").toLowerCase()}_sys_${run}_`

const onServer = async (serverUrl: string, statement: string) => {
  const client = new pg.Client({ connectionString: serverUrl })
  await client.connect()
  try {
    return await client.query(statement)
  } finally {
    await client.end()
  }
}

/** The run's migrated database, the template of every database `ownDatabase` makes. */
const templateOf = (server: URL, run: string) => `${prefixOf(server, run)}template`

/**
 * A new database on `DATABASE_URL`'s server for one test file: a copy of the run's template, which the global setup
 * migrated (a copy takes a tenth of a second, migrating a new database about a second), so the service's migration
 * step finds nothing to do. Migrating an empty PostgreSQL database stays covered by `Migrations.test.ts`.
 */
export const ownDatabase = async (serverUrl: string): Promise<string> => {
  const server = new URL(serverUrl)
  const run = inject("systemDatabasesRun")
  const name = `${prefixOf(server, run)}${randomBytes(4).toString("hex")}`
  await onServer(serverUrl, `CREATE DATABASE ${name} TEMPLATE ${templateOf(server, run)}`)
  server.pathname = `/${name}`
  return server.toString()
}

/** PGlite (`url` ""), then PostgreSQL in a database of this file's own when `DATABASE_URL` is set. */
export const systemDatabases = async (): Promise<ReadonlyArray<{ readonly name: string; readonly url: string }>> => {
  const serverUrl = process.env["DATABASE_URL"]
  return [
    { name: "pglite", url: "" },
    ...(serverUrl === undefined || serverUrl === "" ? [] : [{ name: "postgres", url: await ownDatabase(serverUrl) }])
  ]
}

/**
 * The global setup: names this run (so that its teardown drops only the databases this run made, not those of a run
 * beside it on the same server), makes and migrates the run's template database and, after the run, drops them all
 * (their services have stopped).
 */
export default async function setup(project: { provide: (key: "systemDatabasesRun", value: string) => void }) {
  const run = randomBytes(3).toString("hex")
  project.provide("systemDatabasesRun", run)
  const configured = process.env["DATABASE_URL"]
  if (configured !== undefined && configured !== "") {
    const template = new URL(configured)
    template.pathname = `/${templateOf(template, run)}`
    await onServer(configured, `CREATE DATABASE ${template.pathname.slice(1)}`)
    // Built and closed again: its connections end, so that it can be copied.
    await Effect.runPromise(
      Effect.scoped(
        Layer.build(
          MigrationsLive.pipe(
            Layer.provide(layerServer(Redacted.make(template.toString()), { maxConnections: 1 })),
            Layer.orDie
          )
        )
      )
    )
  }
  return async () => {
    const serverUrl = process.env["DATABASE_URL"]
    if (serverUrl === undefined || serverUrl === "") return
    const prefix = prefixOf(new URL(serverUrl), run)
    const { rows } = await onServer(
      serverUrl,
      `SELECT datname FROM pg_database WHERE starts_with(datname, '${prefix}')`
    )
    // Eight at a time (the server is shared, its connections too): each drop waits for a checkpoint (about a second
    // and a half on a busy server), and drops that wait together share one.
    const names = (rows as Array<{ datname: string }>).map((row) => row.datname)
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let name = names.pop(); name !== undefined; name = names.pop())
          await onServer(serverUrl, `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      })
    )
  }
}
