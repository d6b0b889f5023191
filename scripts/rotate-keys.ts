/**
 * `npm run rotate-keys`: re-encrypts every stored token under TOKEN_ENCRYPTION_KEY_BASE64.
 *
 * Without downtime: deploy the new key as TOKEN_ENCRYPTION_KEY_BASE64 with the old one in
 * TOKEN_ENCRYPTION_PREVIOUS_KEYS_BASE64 (every instance then writes the new key and reads both), run this once,
 * then drop the old key. Each row is swapped only if unchanged since it was read, so a reconnect during the run
 * keeps its fresh token. With the embedded database, stop the service first (PGlite serves one process).
 */
import { NodeRuntime } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { loadAppConfig } from "../src/AppConfig.ts"
import { MigrationsLive } from "../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../src/adapters/persistence/Persistence.ts"
import { RotateTokenKeys } from "../src/application/keys/RotateTokenKeys.ts"
import { databaseLayer, tokenCipherLayer } from "../src/Infrastructure.ts"

const program = Effect.gen(function* () {
  const config = yield* loadAppConfig()
  const layer = RotateTokenKeys.layer.pipe(
    Layer.provide(PersistencePg),
    Layer.provide(tokenCipherLayer(config)),
    Layer.provide(MigrationsLive.pipe(Layer.orDie, Layer.provideMerge(databaseLayer(config))))
  )
  const result = yield* Effect.flatMap(RotateTokenKeys, (rotate) => rotate.run).pipe(Effect.provide(layer))
  yield* Effect.logInfo(
    `Token keys rotated: ${result.rotated} re-encrypted, ${result.skipped} skipped, ${result.scanned} scanned`
  )
  if (result.skipped > 0) yield* Effect.logWarning("Some rows were skipped: run again, and see the warnings above")
})

NodeRuntime.runMain(program)
