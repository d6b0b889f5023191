import { Context, Effect, Layer } from "effect"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { TokenCipher } from "../ports/TokenCipher.ts"
import { bindingOf } from "../StoredToken.ts"

/**
 * What a rotation pass did. `scanned` counts every connection holding a token; those already under the active
 * key are neither `rotated` nor `skipped`.
 */
export interface RotationReport {
  readonly scanned: number
  readonly rotated: number
  /** Rows that did not decrypt (logged) or that changed while being rotated (left as they are). */
  readonly skipped: number
}

/**
 * Re-encrypts every stored token under the active key, with no downtime: each row is swapped with a
 * compare-and-set, so a reconnect racing with the pass wins, and a row that fails is left for a later run.
 */
export class RotateTokenKeys extends Context.Service<
  RotateTokenKeys,
  {
    readonly run: Effect.Effect<RotationReport>
  }
>()("app/application/RotateTokenKeys") {
  static readonly layer = Layer.effect(
    RotateTokenKeys,
    Effect.gen(function* () {
      const connections = yield* ConnectionRepository
      const cipher = yield* TokenCipher

      const run = Effect.fn("RotateTokenKeys.run")(function* () {
        const rows = yield* connections.listHoldingTokens()
        let rotated = 0
        let skipped = 0
        for (const row of rows) {
          const stored = row.accessTokenEnc
          if (stored === null || cipher.keyIdOf(stored) === cipher.activeKeyId) continue
          const binding = bindingOf(row)
          const outcome = yield* cipher.decrypt(stored, binding).pipe(
            Effect.flatMap((plaintext) => cipher.encrypt(plaintext, binding)),
            Effect.flatMap((next) => connections.replaceToken(row.id, stored, next)),
            Effect.map((replaced) => (replaced ? ("rotated" as const) : ("changed" as const))),
            Effect.catchTag("TokenDecryptionFailed", (error) =>
              Effect.as(
                Effect.logWarning("Key rotation: a stored token could not be decrypted; left as it is").pipe(
                  Effect.annotateLogs({
                    connectionId: row.id,
                    tenantId: row.tenantId,
                    provider: row.provider,
                    keyId: error.keyId
                  })
                ),
                "undecryptable" as const
              )
            )
          )
          if (outcome === "rotated") rotated++
          else skipped++
          if (outcome === "changed") {
            yield* Effect.logInfo("Key rotation: the token changed meanwhile; left as it is").pipe(
              Effect.annotateLogs({ connectionId: row.id, tenantId: row.tenantId })
            )
          }
        }
        const report: RotationReport = { scanned: rows.length, rotated, skipped }
        yield* Effect.logInfo("Key rotation finished").pipe(
          Effect.annotateLogs({ ...report, activeKeyId: cipher.activeKeyId })
        )
        return report
      })

      return RotateTokenKeys.of({ run: run() })
    })
  )
}
