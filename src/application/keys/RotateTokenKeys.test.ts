import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, Option, Redacted } from "effect"
import { ConnectionRepositoryMemory } from "../../adapters/persistence/ConnectionRepositoryMemory.ts"
import { OutboxMemory } from "../../adapters/persistence/OutboxMemory.ts"
import type { ChannelConnection, EncryptedToken } from "../../domain/ChannelConnection.ts"
import { TokenDecryptionFailed } from "../../domain/Errors.ts"
import type { PhoneNumberId, Provider, TenantId } from "../../domain/Ids.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { type TokenBinding, TokenCipher } from "../ports/TokenCipher.ts"
import { RotateTokenKeys } from "./RotateTokenKeys.ts"

// The cipher is faked (a transparent stand-in with the same rules); the repository is the in-memory adapter.

/**
 * A transparent stand-in for the AES-GCM cipher with its observable rules: `<keyId>:<tenant>|<provider>|<base64>`,
 * decryptable only with a known key id and the same binding.
 */
const fakeCipher = (activeKeyId: string, knownKeyIds: ReadonlyArray<string>): TokenCipher["Service"] => {
  const keyIdOf = (stored: EncryptedToken) => stored.split(":")[0] ?? "unknown"
  const seal = (keyId: string, plaintext: string, binding: TokenBinding) =>
    `${keyId}:${binding.tenantId}|${binding.provider}|${Buffer.from(plaintext).toString("base64")}` as EncryptedToken
  return TokenCipher.of({
    activeKeyId,
    keyIdOf,
    encrypt: (plaintext, binding) => Effect.succeed(seal(activeKeyId, Redacted.value(plaintext), binding)),
    decrypt: (stored, binding) => {
      const keyId = keyIdOf(stored)
      const [tenantId, provider, body = ""] = stored.slice(keyId.length + 1).split("|")
      const known = [activeKeyId, ...knownKeyIds].includes(keyId)
      return known && tenantId === binding.tenantId && provider === binding.provider
        ? Effect.succeed(Redacted.make(Buffer.from(body, "base64").toString("utf8")))
        : Effect.fail(new TokenDecryptionFailed({ keyId }))
    }
  })
}

const sealUnder = (keyId: string, plaintext: string, binding: TokenBinding) =>
  Effect.runSync(fakeCipher(keyId, []).encrypt(Redacted.make(plaintext), binding))

/** The in-memory repository, the product's own (its rules are the persistence contract's). */
const Repository = ConnectionRepositoryMemory.pipe(Layer.provide(OutboxMemory.layer))

/** An active connection of `tenantId` holding `accessTokenEnc`, stored through the repository. */
const connection = (tenantId: TenantId, provider: Provider, accessTokenEnc: EncryptedToken | null) =>
  Effect.flatMap(ConnectionRepository, (repo) => {
    const write = {
      tenantId,
      provider,
      status: "active" as const,
      wabaId: null,
      phoneNumberE164: null,
      displayName: null,
      accessTokenEnc,
      tokenExpiresAt: null,
      scopes: [],
      metadata: {}
    }
    return provider === "meta_whatsapp"
      ? Effect.orDie(repo.claimNumber(`1${Math.floor(Math.random() * 1e14)}` as PhoneNumberId, write))
      : repo.upsertUnnumbered(write)
  })

/** The row as stored now. */
const stored = (row: ChannelConnection) =>
  Effect.flatMap(ConnectionRepository, (repo) => Effect.map(repo.findById(row.tenantId, row.id), Option.getOrUndefined))

/** The repository the rotation sees, running `afterList` between its read and its swaps (the race test). */
const interleaved = (afterList: (repo: ConnectionRepository["Service"]) => Effect.Effect<void>) =>
  Layer.effect(
    ConnectionRepository,
    Effect.map(ConnectionRepository, (repo) =>
      ConnectionRepository.of({
        ...repo,
        listHoldingTokens: () => Effect.tap(repo.listHoldingTokens(), () => afterList(repo))
      })
    )
  )

const captureLogs = (lines: Array<string>) =>
  Logger.layer([
    Logger.map(Logger.formatLogFmt, (line) => {
      lines.push(line)
    })
  ])

const tenantA = "3f2c8a1e-5b7d-4c9e-8f10-2a3b4c5d6e7f" as TenantId
const tenantB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" as TenantId

const rotate = (logs: Array<string>, afterList?: (repo: ConnectionRepository["Service"]) => Effect.Effect<void>) =>
  RotateTokenKeys.use((service) => service.run).pipe(
    Effect.provide(
      RotateTokenKeys.layer.pipe(
        Layer.provide(afterList === undefined ? Layer.empty : interleaved(afterList)),
        Layer.provide(Layer.succeed(TokenCipher, fakeCipher("new", ["old"])))
      )
    ),
    Effect.provide(captureLogs(logs))
  )

const decryptWithNewKey = (row: ChannelConnection | undefined) =>
  row?.accessTokenEnc == null
    ? Effect.die("no token")
    : Effect.map(
        fakeCipher("new", []).decrypt(row.accessTokenEnc, { tenantId: row.tenantId, provider: row.provider }),
        Redacted.value
      )

describe("RotateTokenKeys", () => {
  it.effect("re-encrypts every token under an old key, leaves current ones alone, and is idempotent", () =>
    Effect.gen(function* () {
      const old1 = yield* connection(
        tenantA,
        "meta_whatsapp",
        sealUnder("old", "token-1", { tenantId: tenantA, provider: "meta_whatsapp" })
      )
      const old2 = yield* connection(
        tenantB,
        "meta_ads",
        sealUnder("old", "token-2", { tenantId: tenantB, provider: "meta_ads" })
      )
      const current = yield* connection(
        tenantB,
        "meta_whatsapp",
        sealUnder("new", "token-3", { tenantId: tenantB, provider: "meta_whatsapp" })
      )
      const logs: Array<string> = []

      const report = yield* rotate(logs)
      assert.deepStrictEqual(report, { scanned: 3, rotated: 2, skipped: 0 })
      for (const [row, token] of [
        [old1, "token-1"],
        [old2, "token-2"],
        [current, "token-3"]
      ] as const) {
        const now = yield* stored(row)
        assert.strictEqual(now?.accessTokenEnc?.split(":")[0], "new")
        assert.strictEqual(yield* decryptWithNewKey(now), token)
      }
      assert.strictEqual((yield* stored(current))?.accessTokenEnc, current.accessTokenEnc, "current row untouched")

      assert.deepStrictEqual(yield* rotate(logs), { scanned: 3, rotated: 0, skipped: 0 })
    }).pipe(Effect.provide(Repository))
  )

  it.effect("a row that does not decrypt is logged without its token and skipped; the others still rotate", () =>
    Effect.gen(function* () {
      // Sealed for tenant B but stored on tenant A's row: the binding check fails.
      const moved = yield* connection(
        tenantA,
        "meta_whatsapp",
        sealUnder("old", "moved-secret", { tenantId: tenantB, provider: "meta_whatsapp" })
      )
      const unknownKey = yield* connection(
        tenantA,
        "meta_ads",
        sealUnder("gone", "lost-secret", { tenantId: tenantA, provider: "meta_ads" })
      )
      const good = yield* connection(
        tenantB,
        "meta_ads",
        sealUnder("old", "good-secret", { tenantId: tenantB, provider: "meta_ads" })
      )
      const logs: Array<string> = []

      const report = yield* rotate(logs)
      assert.deepStrictEqual(report, { scanned: 3, rotated: 1, skipped: 2 })
      assert.strictEqual((yield* stored(moved))?.accessTokenEnc, moved.accessTokenEnc)
      assert.strictEqual((yield* stored(unknownKey))?.accessTokenEnc, unknownKey.accessTokenEnc)
      assert.strictEqual(yield* decryptWithNewKey(yield* stored(good)), "good-secret")

      const warnings = logs.filter((line) => line.includes("could not be decrypted"))
      assert.strictEqual(warnings.length, 2)
      assert.isTrue(warnings.some((line) => line.includes(moved.id)))
      assert.isTrue(warnings.some((line) => line.includes(unknownKey.id) && line.includes("keyId=gone")))
      const allLogs = logs.join("\n")
      for (const row of [moved, unknownKey, good]) {
        assert.notInclude(allLogs, row.accessTokenEnc ?? "")
      }
      for (const secret of ["moved-secret", "lost-secret", "good-secret"]) {
        assert.notInclude(allLogs, secret)
        assert.notInclude(allLogs, Buffer.from(secret).toString("base64"))
      }
    }).pipe(Effect.provide(Repository))
  )

  it.effect("a token replaced while the pass runs is kept (compare-and-set loses to the reconnect)", () =>
    Effect.gen(function* () {
      const binding: TokenBinding = { tenantId: tenantA, provider: "meta_whatsapp" }
      const racing = yield* connection(tenantA, "meta_whatsapp", sealUnder("old", "stale-token", binding))
      const other = yield* connection(
        tenantB,
        "meta_ads",
        sealUnder("old", "other-token", { tenantId: tenantB, provider: "meta_ads" })
      )
      const reconnected = sealUnder("new", "fresh-token", binding)
      const logs: Array<string> = []

      // The reconnect writes its new token between the rotation's read and its swap.
      const report = yield* rotate(logs, (repo) =>
        Effect.asVoid(Effect.orDie(repo.update(racing.tenantId, racing.id, { accessTokenEnc: reconnected })))
      )
      assert.deepStrictEqual(report, { scanned: 2, rotated: 1, skipped: 1 })
      assert.strictEqual((yield* stored(racing))?.accessTokenEnc, reconnected)
      assert.strictEqual(yield* decryptWithNewKey(yield* stored(racing)), "fresh-token")
      assert.strictEqual(yield* decryptWithNewKey(yield* stored(other)), "other-token")
    }).pipe(Effect.provide(Repository))
  )

  it.effect("nothing to do on an empty store", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* rotate([]), { scanned: 0, rotated: 0, skipped: 0 })
    }).pipe(Effect.provide(Repository))
  )
})
