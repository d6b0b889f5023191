import { Effect, Redacted } from "effect"
import { MetaGraphMemoryControl } from "../../src/adapters/meta-graph/MetaGraphMemory.ts"
import { ConversationRepository } from "../../src/application/messaging/ports/ConversationRepository.ts"
import { ConnectionRepository } from "../../src/application/ports/ConnectionRepository.ts"
import { MetaGraph } from "../../src/application/ports/MetaGraph.ts"
import { TokenCipher } from "../../src/application/ports/TokenCipher.ts"
import type { EncryptedToken } from "../../src/domain/ChannelConnection.ts"
import type { PhoneNumberId, TenantId, WabaId } from "../../src/domain/Ids.ts"
import type { MessageTemplate } from "../../src/domain/MessageTemplate.ts"
import { randomMetaId } from "./Backends.ts"

/** A stored token that no test decrypts (the repositories keep it as it is). */
export const storedSecret = "k1:secret" as EncryptedToken

/** An active WhatsApp connection of tenant `t` on `phone` (a new random number by default) and a new WABA. */
export const activeWhatsAppConnection = (t: TenantId, phone: string = randomMetaId()) =>
  Effect.flatMap(ConnectionRepository, (repo) =>
    repo.claimNumber(phone as PhoneNumberId, {
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

/**
 * An active WhatsApp connection of `tenantId` on `phone` of WABA `waba` (added to the in-memory Meta) whose stored
 * token is `token`, encrypted as the service stores it. With `granted`, Meta knows the token too (granted and
 * exchanged, so its checks accept it); without, Meta refuses it.
 */
export const tokenedWhatsAppConnection = (input: {
  readonly tenantId: TenantId
  readonly waba: string
  readonly phone: string
  readonly token: string
  readonly granted?: boolean
}) =>
  Effect.gen(function* () {
    const { tenantId, waba, phone, token } = input
    const meta = yield* MetaGraphMemoryControl
    yield* meta.addWaba({
      id: waba,
      phoneNumbers: [{ id: phone, displayPhoneNumber: "15550001234", registered: true }]
    })
    if (input.granted !== false) {
      const code = `c${phone}`
      yield* meta.grant({ code, redirectUri: "r", token, wabaIds: [waba] })
      yield* (yield* MetaGraph).exchangeCode(Redacted.make(code), "r")
    }
    const cipher = yield* TokenCipher
    return yield* (yield* ConnectionRepository).claimNumber(phone as PhoneNumberId, {
      tenantId,
      provider: "meta_whatsapp",
      status: "active",
      wabaId: waba as WabaId,
      phoneNumberE164: "+15550001234",
      displayName: "Shop",
      accessTokenEnc: yield* cipher.encrypt(Redacted.make(token), { tenantId, provider: "meta_whatsapp" }),
      tokenExpiresAt: null,
      scopes: [],
      metadata: {}
    })
  })

/** A pending template `order_ready` (en_US, a text header and a body with positional placeholders) of `wabaId`. */
export const messageTemplate = (wabaId: string, overrides: Partial<MessageTemplate> = {}): MessageTemplate => ({
  wabaId,
  templateId: randomMetaId(),
  name: "order_ready",
  language: "en_US",
  category: "UTILITY",
  status: "PENDING",
  rejectedReason: null,
  quality: null,
  parameterFormat: "POSITIONAL",
  headerKind: "text",
  headerText: "Order {{1}}",
  bodyText: "Hi {{1}}, order {{2}} is ready.",
  footerText: null,
  headerPlaceholders: ["1"],
  bodyPlaceholders: ["1", "2"],
  updatedAt: new Date("2026-01-01T00:00:00Z"),
  ...overrides
})
