import { Context, type Effect, type Redacted } from "effect"
import type { EncryptedToken } from "../../domain/ChannelConnection.ts"
import type { TokenDecryptionFailed } from "../../domain/Errors.ts"
import type { Provider, TenantId } from "../../domain/Ids.ts"

/** The row a ciphertext belongs to: bound as additional authenticated data, so a moved ciphertext fails. */
export interface TokenBinding {
  readonly tenantId: TenantId
  readonly provider: Provider | "webhook_endpoint"
}

/** Encrypts access tokens at rest (AES-256-GCM with a key id so keys can rotate). */
export class TokenCipher extends Context.Service<
  TokenCipher,
  {
    /** Id of the key new ciphertexts are written under. */
    readonly activeKeyId: string
    encrypt(plaintext: Redacted.Redacted<string>, binding: TokenBinding): Effect.Effect<EncryptedToken>
    decrypt(
      ciphertext: EncryptedToken,
      binding: TokenBinding
    ): Effect.Effect<Redacted.Redacted<string>, TokenDecryptionFailed>
    /** The key id a ciphertext was written under (without decrypting it). */
    keyIdOf(ciphertext: EncryptedToken): string
  }
>()("app/application/ports/TokenCipher") {}
