import { assert, describe, it } from "@effect/vitest"
import { Effect, Layer, Logger, Redacted } from "effect"
import { ChannelConnection, type EncryptedToken } from "../../domain/ChannelConnection.ts"
import { TokenDecryptionFailed } from "../../domain/Errors.ts"
import type { ConnectionId, Provider, TenantId } from "../../domain/Ids.ts"
import { ConnectionRepository } from "../ports/ConnectionRepository.ts"
import { type TokenBinding, TokenCipher } from "../ports/TokenCipher.ts"
import { RotateTokenKeys } from "./RotateTokenKeys.ts"

// The application may not import adapters (scripts/check-architecture.ts), so both ports are faked here.

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

const connection = (tenantId: TenantId, provider: Provider, accessTokenEnc: EncryptedToken | null) =>
  new ChannelConnection({
    id: crypto.randomUUID() as ConnectionId,
    tenantId,
    provider,
    status: "active",
    wabaId: null,
    phoneNumberId: null,
    phoneNumberE164: null,
    displayName: null,
    accessTokenEnc,
    tokenExpiresAt: null,
    scopes: [],
    metadata: {},
    connectedAt: null,
    createdAt: new Date(0),
    updatedAt: new Date(0)
  })

/** Only the two methods rotation uses; `afterList` lets a test change rows between the read and the swap. */
const fakeRepository = (rows: Map<string, ChannelConnection>, afterList: () => void = () => {}) =>
  Layer.succeed(
    ConnectionRepository,
    ConnectionRepository.of({
      claimNumber: () => Effect.die("not used"),
      upsertUnnumbered: () => Effect.die("not used"),
      deleteUnnumbered: () => Effect.die("not used"),
      findById: () => Effect.die("not used"),
      findCurrent: () => Effect.die("not used"),
      findCurrentRecent: () => Effect.die("not used"),
      listByTenant: () => Effect.die("not used"),
      findByPhoneNumberId: () => Effect.die("not used"),
      findByWabaId: () => Effect.die("not used"),
      update: () => Effect.die("not used"),
      listHoldingTokens: () =>
        Effect.sync(() => {
          const holding = [...rows.values()].filter((row) => row.accessTokenEnc !== null && row.status !== "revoked")
          afterList()
          return holding
        }),
      replaceToken: (id, expected, next) =>
        Effect.sync(() => {
          const row = rows.get(id)
          if (row === undefined || row.accessTokenEnc !== expected) return false
          rows.set(id, new ChannelConnection({ ...row, accessTokenEnc: next }))
          return true
        })
    })
  )

const captureLogs = (lines: Array<string>) =>
  Logger.layer([
    Logger.map(Logger.formatLogFmt, (line) => {
      lines.push(line)
    })
  ])

const tenantA = "3f2c8a1e-5b7d-4c9e-8f10-2a3b4c5d6e7f" as TenantId
const tenantB = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" as TenantId

const rotate = (rows: Map<string, ChannelConnection>, logs: Array<string>, afterList?: () => void) =>
  RotateTokenKeys.use((service) => service.run).pipe(
    Effect.provide(
      RotateTokenKeys.layer.pipe(
        Layer.provide(fakeRepository(rows, afterList)),
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
      const old1 = connection(
        tenantA,
        "meta_whatsapp",
        sealUnder("old", "token-1", { tenantId: tenantA, provider: "meta_whatsapp" })
      )
      const old2 = connection(
        tenantB,
        "meta_ads",
        sealUnder("old", "token-2", { tenantId: tenantB, provider: "meta_ads" })
      )
      const current = connection(
        tenantB,
        "meta_whatsapp",
        sealUnder("new", "token-3", { tenantId: tenantB, provider: "meta_whatsapp" })
      )
      const rows = new Map([old1, old2, current].map((row) => [row.id, row]))
      const logs: Array<string> = []

      const report = yield* rotate(rows, logs)
      assert.deepStrictEqual(report, { scanned: 3, rotated: 2, skipped: 0 })
      for (const [row, token] of [
        [old1, "token-1"],
        [old2, "token-2"],
        [current, "token-3"]
      ] as const) {
        const stored = rows.get(row.id)
        assert.strictEqual(stored?.accessTokenEnc?.split(":")[0], "new")
        assert.strictEqual(yield* decryptWithNewKey(stored), token)
      }
      assert.strictEqual(rows.get(current.id)?.accessTokenEnc, current.accessTokenEnc, "current row untouched")

      assert.deepStrictEqual(yield* rotate(rows, logs), { scanned: 3, rotated: 0, skipped: 0 })
    })
  )

  it.effect("a row that does not decrypt is logged without its token and skipped; the others still rotate", () =>
    Effect.gen(function* () {
      // Sealed for tenant B but stored on tenant A's row: the binding check fails.
      const moved = connection(
        tenantA,
        "meta_whatsapp",
        sealUnder("old", "moved-secret", { tenantId: tenantB, provider: "meta_whatsapp" })
      )
      const unknownKey = connection(
        tenantA,
        "meta_ads",
        sealUnder("gone", "lost-secret", { tenantId: tenantA, provider: "meta_ads" })
      )
      const good = connection(
        tenantB,
        "meta_ads",
        sealUnder("old", "good-secret", { tenantId: tenantB, provider: "meta_ads" })
      )
      const rows = new Map([moved, unknownKey, good].map((row) => [row.id, row]))
      const logs: Array<string> = []

      const report = yield* rotate(rows, logs)
      assert.deepStrictEqual(report, { scanned: 3, rotated: 1, skipped: 2 })
      assert.strictEqual(rows.get(moved.id)?.accessTokenEnc, moved.accessTokenEnc)
      assert.strictEqual(rows.get(unknownKey.id)?.accessTokenEnc, unknownKey.accessTokenEnc)
      assert.strictEqual(yield* decryptWithNewKey(rows.get(good.id)), "good-secret")

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
    })
  )

  it.effect("a token replaced while the pass runs is kept (compare-and-set loses to the reconnect)", () =>
    Effect.gen(function* () {
      const binding: TokenBinding = { tenantId: tenantA, provider: "meta_whatsapp" }
      const racing = connection(tenantA, "meta_whatsapp", sealUnder("old", "stale-token", binding))
      const other = connection(
        tenantB,
        "meta_ads",
        sealUnder("old", "other-token", { tenantId: tenantB, provider: "meta_ads" })
      )
      const rows = new Map([racing, other].map((row) => [row.id, row]))
      const reconnected = sealUnder("new", "fresh-token", binding)
      const logs: Array<string> = []

      const report = yield* rotate(rows, logs, () => {
        rows.set(racing.id, new ChannelConnection({ ...racing, accessTokenEnc: reconnected }))
      })
      assert.deepStrictEqual(report, { scanned: 2, rotated: 1, skipped: 1 })
      assert.strictEqual(rows.get(racing.id)?.accessTokenEnc, reconnected)
      assert.strictEqual(yield* decryptWithNewKey(rows.get(racing.id)), "fresh-token")
      assert.strictEqual(yield* decryptWithNewKey(rows.get(other.id)), "other-token")
    })
  )

  it.effect("nothing to do on an empty store", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* rotate(new Map(), []), { scanned: 0, rotated: 0, skipped: 0 })
    })
  )
})
