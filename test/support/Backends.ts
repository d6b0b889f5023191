import { Effect, Layer, Redacted } from "effect"
import type { SqlClient } from "effect/sql"
import { layerEmbedded, layerServer } from "../../src/adapters/persistence/Database.ts"
import { MigrationsLive } from "../../src/adapters/persistence/Migrations.ts"
import { PersistenceMemory, PersistencePg } from "../../src/adapters/persistence/Persistence.ts"
import { pgliteTemplate } from "./PgliteTemplate.ts"
import { ownDatabase } from "./SystemDatabases.ts"

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
 * The SQL backends every Postgres test runs on: embedded PGlite always, the real server when DATABASE_URL is set (a
 * database of its own, copied from the run's migrated template); both already migrated, so a test's own migration
 * step finds nothing to do.
 */
export const sqlBackends = (): ReadonlyArray<{
  readonly name: string
  readonly layer: Layer.Layer<SqlClient.SqlClient>
}> => {
  const url = process.env["DATABASE_URL"]
  return [
    { name: "pglite", layer: pgliteInMemory({ migrated: true }) },
    ...(url === undefined || url === "" ? [] : [{ name: "postgres", layer: freshDatabase(url) }])
  ]
}

/**
 * The real server, in a database of its own each time the layer is built: test files run in parallel, and the
 * webhook inbox is shared by design, so each gets its own tables.
 */
const freshDatabase = (url: string): Layer.Layer<SqlClient.SqlClient> =>
  Layer.unwrap(
    Effect.map(
      Effect.promise(() => ownDatabase(url)),
      (database) => layerServer(Redacted.make(database), { maxConnections: 8 })
    )
  ).pipe(Layer.orDie)

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
