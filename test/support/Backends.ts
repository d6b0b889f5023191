import { Effect, Layer, Redacted } from "effect"
import { SqlClient } from "effect/sql"
import { layerEmbedded, layerServer } from "../../src/adapters/persistence/Database.ts"
import { MigrationsLive } from "../../src/adapters/persistence/Migrations.ts"
import { PersistenceMemory, PersistencePg } from "../../src/adapters/persistence/Persistence.ts"
import { pgliteTemplate } from "./PgliteTemplate.ts"

/**
 * A new in-memory PGlite, started from the run's pristine cluster (no initdb of its own), or with `migrated` from
 * the run's migrated one (a migration step then has nothing to do).
 */
export const pgliteInMemory = (options: { readonly migrated?: boolean } = {}): Layer.Layer<SqlClient.SqlClient> => {
  const template = pgliteTemplate()
  const cluster = options.migrated === true ? template?.migrated : template
  return layerEmbedded(undefined, cluster === undefined ? {} : { loadDataDir: cluster.dump }).pipe(Layer.orDie)
}

/**
 * The SQL backends every Postgres test runs on: embedded PGlite always (already migrated), the real server when
 * DATABASE_URL is set (a new schema, migrated by the test's own migration step).
 */
export const sqlBackends = (): ReadonlyArray<{
  readonly name: string
  readonly layer: Layer.Layer<SqlClient.SqlClient>
}> => {
  const url = process.env["DATABASE_URL"]
  return [
    { name: "pglite", layer: pgliteInMemory({ migrated: true }) },
    ...(url === undefined || url === "" ? [] : [{ name: "postgres", layer: freshSchema(url) }])
  ]
}

/**
 * The real server, in a schema of its own: test files run in parallel, and the webhook inbox is shared by
 * design, so each file gets its own tables.
 */
const freshSchema = (url: string): Layer.Layer<SqlClient.SqlClient> => {
  const schema = `test_${crypto.randomUUID().replaceAll("-", "").slice(0, 16)}`
  return Layer.unwrap(
    Effect.gen(function* () {
      const sql = yield* SqlClient.SqlClient
      yield* sql.unsafe(`CREATE SCHEMA IF NOT EXISTS ${schema}`)
      return layerServer(Redacted.make(url), { searchPath: schema, maxConnections: 8 })
    }).pipe(Effect.provide(layerServer(Redacted.make(url), { maxConnections: 1 })))
  ).pipe(Layer.orDie)
}

/** Every persistence backend with all repository ports: in-memory, PGlite, and real Postgres when configured. */
export const persistenceBackends = () => [
  { name: "memory", layer: PersistenceMemory },
  ...sqlBackends().map(({ name, layer }) => ({
    name,
    layer: PersistencePg.pipe(Layer.provideMerge(MigrationsLive.pipe(Layer.orDie)), Layer.provide(layer))
  }))
]

export const randomTenant = () => crypto.randomUUID()
/** A Meta-like numeric id that no other test uses. */
export const randomMetaId = () => `1${Math.floor(Math.random() * 1e15)}`.padEnd(16, "7")

export const sleep = (millis: number) => Effect.promise(() => new Promise((resolve) => setTimeout(resolve, millis)))
