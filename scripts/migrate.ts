/** `npm run migrate`: applies pending migrations to DATABASE_URL (or the embedded database) and exits. */
import { NodeRuntime } from "@effect/platform-node"
import { Effect } from "effect"
import { loadAppConfig } from "../src/AppConfig.ts"
import { migrate } from "../src/adapters/persistence/Migrations.ts"
import { databaseLayer, describeDatabase } from "../src/Infrastructure.ts"

const program = Effect.gen(function* () {
  const config = yield* loadAppConfig()
  const applied = yield* migrate().pipe(Effect.provide(databaseLayer(config)))
  yield* Effect.logInfo(
    applied.length === 0
      ? `Database is up to date (${describeDatabase(config)})`
      : `Migrated ${describeDatabase(config)}: ${applied.map(([id, name]) => `${id}_${name}`).join(", ")}`
  )
})

NodeRuntime.runMain(program)
