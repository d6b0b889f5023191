import { Effect } from "effect"
import type { ChannelConnection } from "../domain/ChannelConnection.ts"
import { MetaTokenInvalid, TokenUnreadable } from "../domain/Errors.ts"
import type { AccessToken } from "./ports/MetaGraph.ts"
import type { TokenBinding, TokenCipher } from "./ports/TokenCipher.ts"

/** The binding a connection's ciphertexts (token, PIN) are written under: its tenant and provider. */
export const bindingOf = (connection: Pick<ChannelConnection, "tenantId" | "provider">): TokenBinding => ({
  tenantId: connection.tenantId,
  provider: connection.provider
})

/**
 * The stored token of a connection, decrypted with its binding at the moment of use (sending, health, disconnect,
 * ads): `MetaTokenInvalid` when none is stored, `TokenUnreadable` when it does not decrypt with the configured keys
 * (our configuration fault, logged with the key id under `use`, never the value).
 */
export const storedToken = (
  cipher: TokenCipher["Service"],
  connection: ChannelConnection,
  use: string
): Effect.Effect<AccessToken, MetaTokenInvalid | TokenUnreadable> =>
  connection.accessTokenEnc === null
    ? Effect.fail(new MetaTokenInvalid({ detail: "no token is stored" }))
    : cipher
        .decrypt(connection.accessTokenEnc, bindingOf(connection))
        .pipe(
          Effect.catchTag("TokenDecryptionFailed", (error) =>
            Effect.logError(
              `${use}: the stored token of connection ${connection.id} does not decrypt with the configured keys ` +
                `(written under key ${error.keyId}); check TOKEN_ENCRYPTION_KEY_BASE64`
            ).pipe(Effect.andThen(Effect.fail(new TokenUnreadable({}))))
          )
        )
