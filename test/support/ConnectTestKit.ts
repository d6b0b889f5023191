/**
 * For the connect use cases' tests only: the in-memory ports every provider's flow runs on, a tenant's actor, and
 * the callback input of a started login.
 */
import { Layer, Redacted } from "effect"
import { layerFromKeys } from "../../src/adapters/crypto/TokenCipherAesGcm.ts"
import { MetaGraphMemory } from "../../src/adapters/meta-graph/MetaGraphMemory.ts"
import { PersistenceMemory } from "../../src/adapters/persistence/Persistence.ts"
import type { Actor } from "../../src/application/Actor.ts"
import type { CallbackInput, StartedConnect } from "../../src/application/connect/OAuthFlow.ts"
import { ConnectSettings } from "../../src/application/ports/ConnectSettings.ts"
import type { TenantId, UserId } from "../../src/domain/Ids.ts"

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
