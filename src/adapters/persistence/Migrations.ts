import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { Effect, Layer } from "effect"
import { Migrator, SqlClient } from "effect/sql"
import { splitSqlStatements } from "./SqlStatements.ts"

/**
 * `migrations/` at the project root: three levels up from this source file under `tsx`, two from the bundle
 * `dist/server/main.js` that `npm start` runs (`scripts/build.mjs`). Read at run time, never copied into the build.
 */
export const migrationsDirectory = [
  fileURLToPath(new URL("../../../migrations/", import.meta.url)),
  fileURLToPath(new URL("../../migrations/", import.meta.url))
].find((directory) => existsSync(join(directory, "0001_create_tables.sql"))) as string

/** Reads `migrations/NNNN_name.sql` and hands each file to the Effect migrator as one migration. */
export const sqlFileLoader = (directory: string = migrationsDirectory): Migrator.Loader =>
  Effect.try({
    try: () =>
      readdirSync(directory)
        .flatMap((file) => {
          const match = /^(\d+)_([a-z0-9_]+)\.sql$/.exec(file)
          if (match === null) return []
          const script = readFileSync(`${directory}/${file}`, "utf8")
          const run = Effect.gen(function* () {
            const sql = yield* SqlClient.SqlClient
            for (const statement of splitSqlStatements(script)) yield* sql.unsafe(statement)
          })
          return [[Number(match[1]), match[2]!, Effect.succeed(run)] as const]
        })
        .sort(([a], [b]) => a - b),
    catch: (cause) => new Migrator.MigrationError({ kind: "ImportError", message: `Cannot read migrations: ${cause}` })
  })

const runMigrator = Migrator.make({})

/** Applies every pending migration (in one transaction, under the migrator's table lock). */
export const migrate = (directory?: string) =>
  runMigrator({ loader: sqlFileLoader(directory), table: "schema_migrations" }).pipe(
    Effect.tap((applied) =>
      applied.length > 0
        ? Effect.logInfo(`Applied migrations: ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`)
        : Effect.void
    ),
    Effect.withSpan("Migrations.migrate")
  )

/** Migrates when built: anything depending on this layer sees the current schema. */
export const MigrationsLive = Layer.effectDiscard(migrate())
