import { execFile } from "node:child_process"
import { randomBytes } from "node:crypto"
import { mkdtempSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { promisify } from "node:util"
import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Redacted } from "effect"
import { layerFromKeys } from "../src/adapters/crypto/TokenCipherAesGcm.ts"
import { layerEmbedded } from "../src/adapters/persistence/Database.ts"
import { MigrationsLive } from "../src/adapters/persistence/Migrations.ts"
import { PersistencePg } from "../src/adapters/persistence/Persistence.ts"
import { ConnectionRepository } from "../src/application/ports/ConnectionRepository.ts"
import { TokenCipher } from "../src/application/ports/TokenCipher.ts"
import type { PhoneNumberId, TenantId } from "../src/domain/Ids.ts"
import { seedPglite } from "./support/PgliteTemplate.ts"

const run = promisify(execFile)
const root = resolve(import.meta.dirname, "..")

const stack = (dataDir: string, active: Uint8Array, previous: ReadonlyArray<Uint8Array>) =>
  Layer.mergeAll(PersistencePg, layerFromKeys({ active, previous })).pipe(
    Layer.provideMerge(MigrationsLive.pipe(Layer.orDie, Layer.provideMerge(layerEmbedded(dataDir))))
  )

describe("npm run rotate-keys", () => {
  it.live(
    "re-encrypts every stored token under the new key, and the old key can then be dropped",
    () =>
      Effect.gen(function* () {
        const dataDir = mkdtempSync(join(tmpdir(), "rotate-"))
        seedPglite(join(dataDir, "pglite"))
        const [oldKey, newKey] = [randomBytes(32), randomBytes(32)]
        const tenants = [crypto.randomUUID(), crypto.randomUUID()] as Array<TenantId>
        // Two connections stored under the old key.
        yield* Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const cipher = yield* TokenCipher
          for (const [index, tenantId] of tenants.entries()) {
            yield* repo.claimNumber(`10654035224292${index}` as PhoneNumberId, {
              tenantId,
              provider: "meta_whatsapp",
              status: "active",
              wabaId: null,
              phoneNumberE164: null,
              displayName: null,
              accessTokenEnc: yield* cipher.encrypt(Redacted.make(`EAAtoken${index}`), {
                tenantId,
                provider: "meta_whatsapp"
              }),
              tokenExpiresAt: null,
              scopes: [],
              metadata: {}
            })
          }
        }).pipe(Effect.provide(stack(join(dataDir, "pglite"), oldKey, [])))

        const { stdout, stderr } = yield* Effect.promise(() =>
          run(process.execPath, ["--import", "tsx", "scripts/rotate-keys.ts"], {
            cwd: root,
            env: {
              ...process.env,
              DATA_DIR: dataDir,
              DATABASE_URL: "",
              TOKEN_ENCRYPTION_KEY_BASE64: newKey.toString("base64"),
              TOKEN_ENCRYPTION_PREVIOUS_KEYS_BASE64: oldKey.toString("base64")
            }
          })
        )
        const output = stdout + stderr
        assert.include(output, "2 re-encrypted, 0 skipped, 2 scanned")
        assert.notInclude(output, "EAAtoken")
        assert.notInclude(output, newKey.toString("base64"))

        // Only the new key now: every token still decrypts.
        yield* Effect.gen(function* () {
          const repo = yield* ConnectionRepository
          const cipher = yield* TokenCipher
          const rows = yield* repo.listHoldingTokens()
          assert.strictEqual(rows.length, 2)
          for (const row of rows) {
            assert.strictEqual(cipher.keyIdOf(row.accessTokenEnc!), cipher.activeKeyId)
            const plain = yield* cipher.decrypt(row.accessTokenEnc!, { tenantId: row.tenantId, provider: row.provider })
            assert.match(Redacted.value(plain), /^EAAtoken\d$/)
          }
        }).pipe(Effect.provide(stack(join(dataDir, "pglite"), newKey, [])))
      }),
    120_000
  )
})
