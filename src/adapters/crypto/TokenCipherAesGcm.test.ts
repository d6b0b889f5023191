import { assert, describe, it } from "@effect/vitest"
import { Effect, Redacted } from "effect"
import type { TokenBinding } from "../../application/ports/TokenCipher.ts"
import { TokenCipher } from "../../application/ports/TokenCipher.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { TenantId } from "../../domain/Ids.ts"
import { aadOf, keyIdOfKey, layerFromKeys, makeTokenCipher, sealWithIv } from "./TokenCipherAesGcm.ts"

const hex = (text: string) => new Uint8Array(Buffer.from(text, "hex"))
const toHex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex")
const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64")

/** Bytes 0x00..0x1f. */
const keyA = new Uint8Array(32).map((_, index) => index)
const keyB = new Uint8Array(32).map((_, index) => 0xff - index)
const keyC = new Uint8Array(32).fill(7)

const binding: TokenBinding = {
  tenantId: "3f2c8a1e-5b7d-4c9e-8f10-2a3b4c5d6e7f" as TenantId,
  provider: "meta_whatsapp"
}
const otherTenant: TokenBinding = { ...binding, tenantId: "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d" as TenantId }
const otherProvider: TokenBinding = { ...binding, provider: "meta_ads" }

const secret = "EAAG-test-token-123"

/** Flips one bit of one base64 part (0 = iv, 1 = ciphertext, 2 = tag), keeping the format valid. */
const flip = (stored: EncryptedToken, part: 0 | 1 | 2): EncryptedToken => {
  const [keyId, body = ""] = stored.split(":")
  const parts = body.split(".")
  const bytes = Buffer.from(parts[part] ?? "", "base64")
  bytes[0] = (bytes[0] ?? 0) ^ 0x01
  parts[part] = bytes.toString("base64")
  return `${keyId}:${parts.join(".")}` as EncryptedToken
}

const expectDecryptionFailed = (cipher: TokenCipher["Service"], stored: EncryptedToken, on: TokenBinding) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(cipher.decrypt(stored, on))
    assert.strictEqual(error._tag, "TokenDecryptionFailed")
    assert.notInclude(error.message, secret)
    return error
  })

describe("TokenCipherAesGcm", () => {
  describe("AES-256-GCM primitive (McGrew & Viega, 'The Galois/Counter Mode of Operation', test cases)", () => {
    it("test case 14: zero key, zero IV, one zero block, no AAD", () => {
      const sealed = sealWithIv(new Uint8Array(32), new Uint8Array(12), new Uint8Array(0), new Uint8Array(16))
      assert.strictEqual(toHex(sealed.ciphertext), "cea7403d4d606b6e074ec5d3baf39d18")
      assert.strictEqual(toHex(sealed.tag), "d0d1c8a799996bf0265b98b5d48ab919")
    })

    it("test case 16: 96-bit IV, 60-byte plaintext, 20-byte AAD", () => {
      const sealed = sealWithIv(
        hex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"),
        hex("cafebabefacedbaddecaf888"),
        hex("feedfacedeadbeeffeedfacedeadbeefabaddad2"),
        hex(
          "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72" +
            "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
        )
      )
      assert.strictEqual(
        toHex(sealed.ciphertext),
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa" +
          "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
      )
      assert.strictEqual(toHex(sealed.tag), "76fc6ece0f4e1768cddf8853bb2d551b")
    })
  })

  describe("stored format (known answers)", () => {
    const storedKat =
      "2667ee34:oKGio6Slpqeoqaqr.o1k9ami/Z8wWSPO8bB+u80Geag==.1oTPOz5+DQB8tK0P62L8fQ==" as EncryptedToken

    it("key id is the first 8 hex chars of SHA-256('token-key-id:' ‖ key)", () => {
      assert.strictEqual(keyIdOfKey(keyA), "2667ee34")
      assert.strictEqual(makeTokenCipher({ active: keyA, previous: [] }).activeKeyId, "2667ee34")
    })

    it("AAD is v1|<tenantId>|<provider>", () => {
      assert.strictEqual(
        new TextDecoder().decode(aadOf(binding)),
        "v1|3f2c8a1e-5b7d-4c9e-8f10-2a3b4c5d6e7f|meta_whatsapp"
      )
    })

    it("fixed key, IV, AAD and plaintext give the exact ciphertext and tag", () => {
      const iv = new Uint8Array(12).map((_, index) => 0xa0 + index)
      const sealed = sealWithIv(keyA, iv, aadOf(binding), new TextEncoder().encode(secret))
      assert.strictEqual(
        `${keyIdOfKey(keyA)}:${base64(iv)}.${base64(sealed.ciphertext)}.${base64(sealed.tag)}`,
        storedKat
      )
    })

    it.effect("decrypts the known-answer ciphertext", () =>
      Effect.gen(function* () {
        const cipher = makeTokenCipher({ active: keyA, previous: [] })
        const plaintext = yield* cipher.decrypt(storedKat, binding)
        assert.strictEqual(Redacted.value(plaintext), secret)
        assert.strictEqual(cipher.keyIdOf(storedKat), "2667ee34")
      })
    )
  })

  describe("cipher", () => {
    const cipher = makeTokenCipher({ active: keyA, previous: [] })

    it.effect("round trips, and the output has the documented shape without the plaintext", () =>
      Effect.gen(function* () {
        const stored = yield* cipher.encrypt(Redacted.make(secret), binding)
        assert.match(stored, /^[0-9a-f]{8}:[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/)
        assert.notInclude(stored, secret)
        assert.strictEqual(cipher.keyIdOf(stored), cipher.activeKeyId)
        const plaintext = yield* cipher.decrypt(stored, binding)
        assert.strictEqual(Redacted.value(plaintext), secret)
        assert.notInclude(String(plaintext), secret)
      })
    )

    it.effect("round trips an empty and a non-ASCII token", () =>
      Effect.gen(function* () {
        for (const token of ["", "tök€n-✓"]) {
          const stored = yield* cipher.encrypt(Redacted.make(token), binding)
          assert.strictEqual(Redacted.value(yield* cipher.decrypt(stored, binding)), token)
        }
      })
    )

    it.effect("uses a fresh IV for every encryption", () =>
      Effect.gen(function* () {
        const first = yield* cipher.encrypt(Redacted.make(secret), binding)
        const second = yield* cipher.encrypt(Redacted.make(secret), binding)
        assert.notStrictEqual(first, second)
        assert.notStrictEqual(first.split(":")[1]?.split(".")[0], second.split(":")[1]?.split(".")[0])
      })
    )

    it.effect("a flipped bit in the IV, the ciphertext or the tag fails with TokenDecryptionFailed", () =>
      Effect.gen(function* () {
        const stored = yield* cipher.encrypt(Redacted.make(secret), binding)
        for (const part of [0, 1, 2] as const) {
          const error = yield* expectDecryptionFailed(cipher, flip(stored, part), binding)
          assert.strictEqual(error.keyId, cipher.activeKeyId)
        }
      })
    )

    it.effect("malformed input fails with TokenDecryptionFailed and never echoes it", () =>
      Effect.gen(function* () {
        for (const garbage of [secret, "abcdef012", "k1:AAAA.AAAA.AAAA"]) {
          const error = yield* expectDecryptionFailed(cipher, garbage as EncryptedToken, binding)
          assert.strictEqual(error.keyId, "unknown")
        }
        for (const garbage of ["2667ee34:", "2667ee34:a.b", "2667ee34:@@@@.AAAA.AAAA", "2667ee34:AAAA.AAAA.AAAA"]) {
          const error = yield* expectDecryptionFailed(cipher, garbage as EncryptedToken, binding)
          assert.strictEqual(error.keyId, "2667ee34")
        }
        assert.strictEqual(cipher.keyIdOf(secret as EncryptedToken), "unknown")
        assert.strictEqual(cipher.keyIdOf("abcdef012" as EncryptedToken), "unknown")
      })
    )

    it.effect("a wrong key fails, also when the key id prefix is forged", () =>
      Effect.gen(function* () {
        const stored = yield* cipher.encrypt(Redacted.make(secret), binding)
        const other = makeTokenCipher({ active: keyB, previous: [] })
        const unknownId = yield* expectDecryptionFailed(other, stored, binding)
        assert.strictEqual(unknownId.keyId, cipher.activeKeyId)
        const forged = `${other.activeKeyId}:${stored.split(":")[1]}` as EncryptedToken
        yield* expectDecryptionFailed(other, forged, binding)
      })
    )

    it.effect("a ciphertext moved to another tenant's or provider's row fails", () =>
      Effect.gen(function* () {
        const stored = yield* cipher.encrypt(Redacted.make(secret), binding)
        yield* expectDecryptionFailed(cipher, stored, otherTenant)
        yield* expectDecryptionFailed(cipher, stored, otherProvider)
      })
    )
  })

  describe("rotation", () => {
    it.effect("a ciphertext under a previous key still decrypts and reports the old key id", () =>
      Effect.gen(function* () {
        const before = makeTokenCipher({ active: keyA, previous: [] })
        const old = yield* before.encrypt(Redacted.make(secret), binding)
        const after = makeTokenCipher({ active: keyB, previous: [keyC, keyA] })
        assert.strictEqual(after.activeKeyId, keyIdOfKey(keyB))
        assert.strictEqual(after.keyIdOf(old), keyIdOfKey(keyA))
        assert.notStrictEqual(after.keyIdOf(old), after.activeKeyId)
        assert.strictEqual(Redacted.value(yield* after.decrypt(old, binding)), secret)
        const fresh = yield* after.encrypt(Redacted.make(secret), binding)
        assert.strictEqual(after.keyIdOf(fresh), after.activeKeyId)
        yield* expectDecryptionFailed(before, fresh, binding)
      })
    )

    it.effect("once the old key is dropped, its ciphertexts fail", () =>
      Effect.gen(function* () {
        const old = yield* makeTokenCipher({ active: keyA, previous: [] }).encrypt(Redacted.make(secret), binding)
        const error = yield* expectDecryptionFailed(makeTokenCipher({ active: keyB, previous: [] }), old, binding)
        assert.strictEqual(error.keyId, keyIdOfKey(keyA))
      })
    )
  })

  it.effect("layerFromKeys provides the cipher", () =>
    Effect.gen(function* () {
      const cipher = yield* TokenCipher
      assert.strictEqual(cipher.activeKeyId, keyIdOfKey(keyC))
    }).pipe(Effect.provide(layerFromKeys({ active: keyC, previous: [] })))
  )

  it("refuses a key of the wrong length when it is built", () => {
    assert.throws(() => makeTokenCipher({ active: new Uint8Array(16), previous: [] }), /must be 32 bytes \(got 16\)/)
    assert.throws(() => makeTokenCipher({ active: keyC, previous: [new Uint8Array(31)] }), /got 31/)
  })
})
