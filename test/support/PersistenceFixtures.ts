import { Effect } from "effect"
import { ConversationRepository } from "../../src/application/messaging/ports/ConversationRepository.ts"
import { ConnectionRepository } from "../../src/application/ports/ConnectionRepository.ts"
import type { EncryptedToken } from "../../src/domain/ChannelConnection.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../../src/domain/Ids.ts"
import { randomMetaId } from "./Backends.ts"

/** A stored token that no test decrypts (the repositories keep it as it is). */
export const storedSecret = "k1:secret" as EncryptedToken

/** An active WhatsApp connection of tenant `t` on a new random number and WABA, through the repository. */
export const activeWhatsAppConnection = (t: TenantId) =>
  Effect.flatMap(ConnectionRepository, (repo) =>
    repo.claimNumber(randomMetaId() as PhoneNumberId, {
      tenantId: t,
      provider: "meta_whatsapp",
      status: "active",
      wabaId: randomMetaId() as WabaId,
      phoneNumberE164: "+15550101234",
      displayName: "Acme",
      accessTokenEnc: storedSecret,
      tokenExpiresAt: null,
      scopes: [],
      metadata: {}
    })
  )

/** A conversation with contact `waId` on a new active WhatsApp connection of tenant `t` (no message yet). */
export const activeConversation = (t: TenantId, waId: string) =>
  Effect.gen(function* () {
    const connection = yield* activeWhatsAppConnection(t)
    return yield* Effect.flatMap(ConversationRepository, (repo) =>
      repo.upsert({
        tenantId: t,
        connectionId: connection.id,
        phoneNumberId: connection.phoneNumberId!,
        waId,
        contactName: null,
        lastMessageAt: null
      })
    )
  })
