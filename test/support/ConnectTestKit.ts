/**
 * For the use cases' tests only: the in-memory ports every provider's flow runs on, a tenant's actor, the callback
 * input of a started login, and an active connection holding a sealed token.
 */
import { Effect, Layer, Redacted } from "effect"
import { layerFromKeys } from "../../src/adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory } from "../../src/adapters/meta-graph/MetaGraphMemory.ts"
import { PersistenceMemory } from "../../src/adapters/persistence/Persistence.ts"
import type { Actor } from "../../src/application/Actor.ts"
import type { CallbackInput, StartedConnect } from "../../src/application/connect/OAuthFlow.ts"
import { ConnectionRepository } from "../../src/application/ports/ConnectionRepository.ts"
import { ConnectSettings } from "../../src/application/ports/ConnectSettings.ts"
import { TokenCipher } from "../../src/application/ports/TokenCipher.ts"
import type { PhoneNumberId, TenantId, UserId, WabaId } from "../../src/domain/Ids.ts"

export const APP_ID = "1234567890123456"
export const WHATSAPP_REDIRECT = "https://app.example.com/api/integrations/meta/whatsapp/callback"
export const ADS_REDIRECT = "https://app.example.com/api/integrations/meta/ads/callback"

export const ADS_CONFIG_ID = "556677"

export const TestSettings = Layer.succeed(
  ConnectSettings,
  ConnectSettings.of({
    appId: APP_ID,
    graphVersion: "v24.0",
    dialogBaseUrl: "https://www.facebook.com",
    configId: "998877",
    adsConfigId: ADS_CONFIG_ID,
    whatsappRedirectUri: WHATSAPP_REDIRECT,
    adsRedirectUri: ADS_REDIRECT,
    webhookCallbackUrl: "https://app.example.com/webhooks/meta/whatsapp",
    webhookVerifyToken: Redacted.make("verify")
  })
)

/** Persistence, Meta and the token cipher in memory, with the settings above. */
export const MemoryPorts = Layer.mergeAll(
  PersistenceMemory,
  MetaGraphMemory,
  TestSettings,
  layerFromKeys({ active: new Uint8Array(32).fill(7), previous: [] })
)

/** A user of a tenant (a new tenant unless given). */
export const testActor = (
  role: Actor["role"] = "admin",
  tenantId: string = crypto.randomUUID(),
  flags: ReadonlyArray<string> = []
): Actor => ({
  tenantId: tenantId as TenantId,
  userId: `user-${role}` as UserId,
  role,
  flags,
  ip: "203.0.113.7",
  userAgent: "test"
})

/** Meta's redirect back after the person approved the dialog of `started`, in the browser that started it. */
export const approvedCallback = (started: StartedConnect, code: string, who: Actor): CallbackInput => ({
  state: started.state,
  code: Redacted.make(code),
  error: null,
  errorReason: null,
  cookieBinding: started.browserBinding,
  ip: who.ip,
  userAgent: who.userAgent
})

/**
 * An active WhatsApp connection of `tenantId` on number `phoneNumberId` of WABA `wabaId`, holding `token` sealed
 * by the `TokenCipher` port under the connection's binding, as a connect stores it (display name "Shop").
 */
export const activeConnectionHolding = (
  tenantId: TenantId,
  token: string,
  ids: { readonly phoneNumberId: string; readonly wabaId: string; readonly phoneNumberE164?: string }
) =>
  Effect.gen(function* () {
    const accessTokenEnc = yield* (yield* TokenCipher).encrypt(Redacted.make(token), {
      tenantId,
      provider: "meta_whatsapp"
    })
    return yield* (yield* ConnectionRepository).claimNumber(ids.phoneNumberId as PhoneNumberId, {
      tenantId,
      provider: "meta_whatsapp",
      status: "active",
      wabaId: ids.wabaId as WabaId,
      phoneNumberE164: ids.phoneNumberE164 ?? "+15550001234",
      displayName: "Shop",
      accessTokenEnc,
      tokenExpiresAt: null,
      scopes: [],
      metadata: {}
    })
  })
