import { join } from "node:path"
import { NodeRedis } from "@effect/platform-node"
import { Layer, Option, Redacted } from "effect"
import { RateLimiter } from "effect/persistence"
import type { AppConfigShape } from "./AppConfig.ts"
import { layerFromKeys } from "./adapters/crypto/TokenCipherAesGcm.ts"
import { Jwt } from "./adapters/http/Auth.ts"
import { ContentSnifferFileType } from "./adapters/media/ContentSnifferFileType.ts"
import { MediaStoreFilesystem } from "./adapters/media/MediaStoreFilesystem.ts"
import { MediaStoreS3 } from "./adapters/media/MediaStoreS3.ts"
import { MetaGraphHttp } from "./adapters/meta-graph/MetaGraphHttp.ts"
import { WhatsAppMediaHttp } from "./adapters/meta-graph/WhatsAppMediaHttp.ts"
import { layerEmbedded, layerServer } from "./adapters/persistence/Database.ts"
import { InboxWakeupsMemory } from "./adapters/persistence/InboxWakeupsMemory.ts"
import { InboxWakeupsPg } from "./adapters/persistence/InboxWakeupsPg.ts"
import { LiveEventsMemory } from "./adapters/persistence/LiveEventsMemory.ts"
import { LiveEventsPg } from "./adapters/persistence/LiveEventsPg.ts"
import { LiveEventsRedis } from "./adapters/persistence/LiveEventsRedis.ts"
import { ConnectSettings } from "./application/ports/ConnectSettings.ts"
import { WebhookSettings } from "./application/webhooks/ports/WebhookSettings.ts"

/** PostgreSQL at `DATABASE_URL`, or embedded PGlite in `DATA_DIR/pglite` when it is unset. */
export const databaseLayer = (config: AppConfigShape) =>
  Option.match(config.databaseUrl, {
    onNone: () => layerEmbedded(join(config.dataDir, "pglite")),
    onSome: (url) => layerServer(url)
  }).pipe(Layer.orDie)

/**
 * Live events for the page: through Redis pub/sub when `REDIS_URL` is set, else through PostgreSQL LISTEN/NOTIFY
 * when `DATABASE_URL` is set (either way every instance hears every instance), else in process on embedded PGlite
 * (one instance; its single connection cannot be held by a LISTEN).
 */
export const liveEventsLayer = (config: AppConfigShape) =>
  Option.match(config.redisUrl, {
    onSome: (url) => LiveEventsRedis.pipe(Layer.provide(NodeRedis.layer({ url: Redacted.value(url) })), Layer.orDie),
    onNone: () => (Option.isSome(config.databaseUrl) ? LiveEventsPg : LiveEventsMemory)
  })

/** The webhook worker's wake-ups: LISTEN/NOTIFY on PostgreSQL (every instance), in process on embedded PGlite. */
export const inboxWakeupsLayer = (config: AppConfigShape) =>
  Option.isSome(config.databaseUrl) ? InboxWakeupsPg : InboxWakeupsMemory

export const describeDatabase = (config: AppConfigShape) =>
  Option.isSome(config.databaseUrl)
    ? "PostgreSQL (DATABASE_URL)"
    : `embedded PGlite in ${join(config.dataDir, "pglite")}`

/** The token cipher under the configured active key, still able to decrypt under the previous keys. */
export const tokenCipherLayer = (config: AppConfigShape) =>
  layerFromKeys({
    active: Redacted.value(config.tokenEncryptionKey),
    previous: config.previousTokenEncryptionKeys.map(Redacted.value)
  })

/** Per-tenant rate limits: in memory, or in Redis (shared by every instance) when `REDIS_URL` is set. */
export const rateLimiterLayer = (config: AppConfigShape) =>
  RateLimiter.layer.pipe(
    Layer.provide(
      Option.match(config.redisUrl, {
        onNone: () => RateLimiter.layerStoreMemory,
        onSome: (url) =>
          RateLimiter.layerStoreRedis({ prefix: "meta-connections:ratelimit:" }).pipe(
            Layer.provide(NodeRedis.layer({ url: Redacted.value(url) })),
            Layer.orDie
          )
      })
    )
  )

export const jwtLayer = (config: AppConfigShape) =>
  Layer.succeed(Jwt, Jwt.make(config.authJwtSecret, { maxTtlSeconds: config.authJwtMaxTtlSeconds }))

/** Where Meta posts this service's WhatsApp webhooks: the app-level callback the app must be subscribed to. */
export const webhookCallbackUrl = (config: AppConfigShape) => `${config.appBaseUrl}/webhooks/meta/whatsapp`

export const connectSettingsLayer = (config: AppConfigShape) =>
  Layer.succeed(
    ConnectSettings,
    ConnectSettings.of({
      appId: config.meta.appId,
      graphVersion: config.meta.graphVersion,
      dialogBaseUrl: config.meta.dialogBaseUrl,
      configId: config.meta.configId,
      adsConfigId: config.meta.adsConfigId,
      whatsappRedirectUri: config.meta.redirectUri,
      adsRedirectUri: config.meta.adsRedirectUri,
      webhookCallbackUrl: webhookCallbackUrl(config),
      webhookVerifyToken: config.meta.webhookVerifyToken
    })
  )

export const metaGraphLayer = (config: AppConfigShape) =>
  MetaGraphHttp({
    graphBaseUrl: config.meta.graphBaseUrl,
    graphVersion: config.meta.graphVersion,
    appId: config.meta.appId,
    appSecret: config.meta.appSecret
  })

export const webhookSettingsLayer = (config: AppConfigShape) =>
  Layer.succeed(WebhookSettings, { appSecret: config.meta.appSecret, verifyToken: config.meta.webhookVerifyToken })

/** Media bytes: under `DATA_DIR/media`, or in the S3 bucket `MEDIA_S3_BUCKET` (several instances). */
export const mediaStoreLayer = (config: AppConfigShape) =>
  config.media._tag === "S3" ? MediaStoreS3(config.media) : MediaStoreFilesystem(config.media.root)

/** WhatsApp's media endpoints (resolve, download with the token, upload) and the content sniffer. */
export const mediaPortsLayer = (config: AppConfigShape) =>
  Layer.mergeAll(
    mediaStoreLayer(config),
    ContentSnifferFileType,
    WhatsAppMediaHttp({
      graphBaseUrl: config.meta.graphBaseUrl,
      graphVersion: config.meta.graphVersion,
      appSecret: config.meta.appSecret
    })
  )
