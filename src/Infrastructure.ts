import { join } from "node:path"
import { Layer, Option, Redacted } from "effect"
import type { AppConfigShape } from "./AppConfig.ts"
import { layerFromKeys } from "./adapters/crypto/TokenCipherAesGcm.ts"
import { layerEmbedded, layerServer } from "./adapters/persistence/Database.ts"

/** PostgreSQL at `DATABASE_URL`, or embedded PGlite in `DATA_DIR/pglite` when it is unset. */
export const databaseLayer = (config: AppConfigShape) =>
  Option.match(config.databaseUrl, {
    onNone: () => layerEmbedded(join(config.dataDir, "pglite")),
    onSome: (url) => layerServer(url)
  }).pipe(Layer.orDie)

export const describeDatabase = (config: AppConfigShape) =>
  Option.isSome(config.databaseUrl)
    ? "PostgreSQL (DATABASE_URL)"
    : `embedded PGlite in ${join(config.dataDir, "pglite")}`

/** The token cipher under the configured active key, still able to decrypt under the previous keys. */
export const tokenCipherLayer = (config: AppConfigShape) =>
  layerFromKeys({
    active: Redacted.value(config.tokenEncryptionKey),
    previous: config.previousTokenEncryptionKeys.map(Redacted.value)
  })
