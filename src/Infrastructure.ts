import { join } from "node:path"
import * as NodeRedis from "@effect/platform-node/NodeRedis"
import { Layer, Option, Redacted } from "effect"
import { RateLimiter } from "effect/persistence"
import type { AppConfigShape } from "./AppConfig.ts"
import { Jwt } from "./adapters/http/Auth.ts"
import { ContentSnifferFileType } from "./adapters/media/ContentSnifferFileType.ts"
import { MediaStoreFilesystem } from "./adapters/media/MediaStoreFilesystem.ts"
import { MediaStoreS3 } from "./adapters/media/MediaStoreS3.ts"
import { WhatsAppMediaHttp } from "./adapters/meta-graph/WhatsAppMediaHttp.ts"
import { DeliveryWakeupsPg } from "./adapters/persistence/DeliveryWakeupsPg.ts"
import { ConnectSettings } from "./application/ports/ConnectSettings.ts"
import { WebhookSettings } from "./application/webhooks/ports/WebhookSettings.ts"

export {
  databaseLayer,
  inboxWakeupsLayer,
  liveEventsLayer,
  metaGraphLayer,
  tokenCipherLayer
} from "./CoreInfrastructure.ts"

export const describeDatabase = (config: AppConfigShape) =>
  Option.isSome(config.databaseUrl)
    ? "PostgreSQL (DATABASE_URL)"
    : `embedded PGlite in ${join(config.dataDir, "pglite")}`

/**
 * The outbound webhook worker's wake-ups: LISTEN/NOTIFY on PostgreSQL (every instance). None on embedded PGlite
 * (its single connection cannot be held by a LISTEN): the worker polls there.
 */
export const deliveryWakeupsLayer = (config: AppConfigShape) =>
  Option.isSome(config.databaseUrl) ? DeliveryWakeupsPg : Layer.empty

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
