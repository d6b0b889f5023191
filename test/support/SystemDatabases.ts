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
import pg from "pg"
import { inject } from "vitest"

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

/** A new, empty database on `DATABASE_URL`'s server for one test file (the service migrates it when it starts). */
export const ownDatabase = async (serverUrl: string): Promise<string> => {
  const server = new URL(serverUrl)
  const name = `${prefixOf(server, inject("systemDatabasesRun"))}${randomBytes(4).toString("hex")}`
  await onServer(serverUrl, `CREATE DATABASE ${name}`)
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
 * beside it on the same server) and, after the run, drops them (their services have stopped).
 */
export default function setup(project: { provide: (key: "systemDatabasesRun", value: string) => void }) {
  const run = randomBytes(3).toString("hex")
  project.provide("systemDatabasesRun", run)
  return async () => {
    const serverUrl = process.env["DATABASE_URL"]
    if (serverUrl === undefined || serverUrl === "") return
    const prefix = prefixOf(new URL(serverUrl), run)
    const { rows } = await onServer(
      serverUrl,
      `SELECT datname FROM pg_database WHERE starts_with(datname, '${prefix}')`
    )
    for (const row of rows as Array<{ datname: string }>)
      await onServer(serverUrl, `DROP DATABASE IF EXISTS "${row.datname}" WITH (FORCE)`)
  }
}
