import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto"
import { Effect, Layer, Redacted } from "effect"
import { type TokenBinding, TokenCipher } from "../../application/ports/TokenCipher.ts"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import { TokenDecryptionFailed } from "../../domain/Errors.ts"

/**
 * Stored format: `<keyId>:<base64 iv>.<base64 ciphertext>.<base64 tag>` (standard base64 with padding).
 * - AES-256-GCM, a random 12-byte IV per encryption, a 16-byte tag.
 * - The additional authenticated data is the UTF-8 of `v1|<tenantId>|<provider>` (see {@link aadOf}), so a
 *   ciphertext copied to another tenant's or provider's row does not decrypt.
 * - The key id is the first 8 hex chars of SHA-256 over the ASCII bytes of `token-key-id:` followed by the 32 raw
 *   key bytes (see {@link keyIdOfKey}): stable, short, and says nothing useful about the key.
 */

const KEY_BYTES = 32
const IV_BYTES = 12
const TAG_BYTES = 16
const KEY_ID_PATTERN = /^[0-9a-f]{8}$/
const BASE64_PATTERN = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/
/** The key id reported for a ciphertext whose prefix is not a key id (never echoes the stored text). */
const UNKNOWN_KEY_ID = "unknown"

export interface TokenKeys {
  /** The key new ciphertexts are written under. */
  readonly active: Uint8Array
  /** Older keys, kept only to decrypt until `RotateTokenKeys` has re-encrypted every row. */
  readonly previous: ReadonlyArray<Uint8Array>
}

/** Strict, canonical base64 (padding required, no whitespace, no stray bits), or `undefined`. */
export const decodeBase64Strict = (text: string): Uint8Array | undefined => {
  if (!BASE64_PATTERN.test(text)) return undefined
  const bytes = Buffer.from(text, "base64")
  return bytes.toString("base64") === text ? new Uint8Array(bytes) : undefined
}

const toBase64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString("base64")

/** First 8 hex chars of SHA-256("token-key-id:" ‖ key). */
export const keyIdOfKey = (key: Uint8Array): string =>
  createHash("sha256").update("token-key-id:", "ascii").update(key).digest("hex").slice(0, 8)

/** The additional authenticated data binding a ciphertext to its row: UTF-8 of `v1|<tenantId>|<provider>`. */
export const aadOf = (binding: TokenBinding): Uint8Array =>
  new TextEncoder().encode(`v1|${binding.tenantId}|${binding.provider}`)

/** AES-256-GCM with a caller-chosen IV. Only for `encrypt` (with a random IV) and known-answer tests. */
export const sealWithIv = (
  key: Uint8Array,
  iv: Uint8Array,
  aad: Uint8Array,
  plaintext: Uint8Array
): { readonly ciphertext: Uint8Array; readonly tag: Uint8Array } => {
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES })
  cipher.setAAD(aad)
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()])
  return { ciphertext: new Uint8Array(ciphertext), tag: new Uint8Array(cipher.getAuthTag()) }
}

/** AES-256-GCM decryption; throws when the tag does not verify (callers wrap it in `Effect.try`). */
const openUnsafe = (key: Uint8Array, iv: Uint8Array, aad: Uint8Array, ciphertext: Uint8Array, tag: Uint8Array) => {
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES })
  decipher.setAAD(aad)
  decipher.setAuthTag(tag)
  return Buffer.concat([decipher.update(ciphertext), decipher.final()]).toString("utf8")
}

interface Envelope {
  readonly keyId: string
  readonly iv: Uint8Array
  readonly ciphertext: Uint8Array
  readonly tag: Uint8Array
}

const keyIdPrefix = (stored: string): string => {
  const separator = stored.indexOf(":")
  const keyId = separator < 0 ? "" : stored.slice(0, separator)
  return KEY_ID_PATTERN.test(keyId) ? keyId : UNKNOWN_KEY_ID
}

const parseEnvelope = (stored: string): Envelope | undefined => {
  const keyId = keyIdPrefix(stored)
  if (keyId === UNKNOWN_KEY_ID) return undefined
  const parts = stored.slice(keyId.length + 1).split(".")
  if (parts.length !== 3) return undefined
  const [iv, ciphertext, tag] = parts.map((part) => decodeBase64Strict(part))
  if (iv?.length !== IV_BYTES || ciphertext === undefined || tag?.length !== TAG_BYTES) return undefined
  return { keyId, iv, ciphertext, tag }
}

/** Builds the cipher from raw keys (each exactly 32 bytes, else it throws at once). No I/O until a method runs. */
export const makeTokenCipher = (keys: TokenKeys): TokenCipher["Service"] => {
  for (const key of [keys.active, ...keys.previous]) {
    if (key.length !== KEY_BYTES)
      throw new Error(`Token encryption keys must be ${KEY_BYTES} bytes (got ${key.length})`)
  }
  const activeKeyId = keyIdOfKey(keys.active)
  // Active key first; an 8-hex id could in theory collide, so every key with the id is tried in turn.
  const byId = new Map<string, Array<Uint8Array>>()
  for (const key of [keys.active, ...keys.previous]) {
    const keyId = keyIdOfKey(key)
    const candidates = byId.get(keyId) ?? []
    if (!candidates.some((known) => Buffer.from(known).equals(key))) candidates.push(key)
    byId.set(keyId, candidates)
  }

  const encrypt = (plaintext: Redacted.Redacted<string>, binding: TokenBinding) =>
    Effect.sync(() => {
      const iv = new Uint8Array(randomBytes(IV_BYTES))
      const sealed = sealWithIv(keys.active, iv, aadOf(binding), new TextEncoder().encode(Redacted.value(plaintext)))
      return `${activeKeyId}:${toBase64(iv)}.${toBase64(sealed.ciphertext)}.${toBase64(sealed.tag)}` as EncryptedToken
    }).pipe(Effect.withSpan("TokenCipherAesGcm.encrypt"))

  const decrypt = (stored: EncryptedToken, binding: TokenBinding) => {
    const envelope = parseEnvelope(stored)
    const failed = new TokenDecryptionFailed({ keyId: envelope?.keyId ?? keyIdPrefix(stored) })
    if (envelope === undefined) return Effect.fail(failed)
    const aad = aadOf(binding)
    const attempts = (byId.get(envelope.keyId) ?? []).map((key) =>
      Effect.try({
        try: () => Redacted.make(openUnsafe(key, envelope.iv, aad, envelope.ciphertext, envelope.tag)),
        catch: () => failed
      })
    )
    return (attempts.length === 0 ? Effect.fail(failed) : Effect.firstSuccessOf(attempts)).pipe(
      Effect.withSpan("TokenCipherAesGcm.decrypt", { attributes: { keyId: envelope.keyId } })
    )
  }

  return TokenCipher.of({ activeKeyId, encrypt, decrypt, keyIdOf: keyIdPrefix })
}

/** The cipher over raw keys; `main.ts` passes the keys `AppConfig` read and validated. */
export const layerFromKeys = (keys: TokenKeys): Layer.Layer<TokenCipher> =>
  Layer.succeed(TokenCipher, makeTokenCipher(keys))
