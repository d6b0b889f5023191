import { randomBytes, randomInt } from "node:crypto"
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs"
import { join, resolve } from "node:path"
import { Config, ConfigProvider, Context, Effect, Option, Redacted, Result, Schema, SchemaTransformation } from "effect"
import { IpNetwork, NetAddress } from "effect/net"
import { decodeBase64Strict } from "./adapters/crypto/TokenCipherAesGcm.ts"
import type { MediaS3Config } from "./adapters/media/MediaStoreS3.ts"

export type Mode = "sandbox" | "production"

export interface MetaConfig {
  readonly appId: string
  readonly appSecret: Redacted.Redacted<string>
  readonly redirectUri: string
  readonly adsRedirectUri: string
  readonly webhookVerifyToken: Redacted.Redacted<string>
  readonly configId: string
  /** `META_ADS_ENABLED` (default true): whether tenants can connect Meta Ads. */
  readonly adsEnabled: boolean
  /** `META_ADS_CONFIG_ID`: the Meta Ads Login configuration (FLB, "User access token"); null when Ads is off. */
  readonly adsConfigId: string | null
  readonly graphVersion: string
  readonly graphBaseUrl: string
  readonly dialogBaseUrl: string
  /** `META_SDK_URL`: the JS SDK the page loads for the Embedded Signup popup (the sandbox's stand-in in sandbox mode). */
  readonly sdkUrl: string
}

/** The service's whole configuration, read once at startup. */
export interface AppConfigShape {
  readonly mode: Mode
  readonly port: number
  /** The interface the HTTP server listens on: `127.0.0.1` in sandbox mode, `0.0.0.0` in production, or `HOST`. */
  readonly host: string
  readonly sandboxPort: number
  readonly appBaseUrl: string
  readonly dataDir: string
  readonly databaseUrl: Option.Option<Redacted.Redacted<string>>
  readonly redisUrl: Option.Option<Redacted.Redacted<string>>
  readonly logLevel: string
  /** `json` (one JSON object per line, the default) or `pretty` for people reading a terminal. */
  readonly logFormat: "json" | "pretty"
  readonly meta: MetaConfig
  readonly tokenEncryptionKey: Redacted.Redacted<Uint8Array>
  readonly previousTokenEncryptionKeys: ReadonlyArray<Redacted.Redacted<Uint8Array>>
  readonly authJwtSecret: Redacted.Redacted<string>
  /** The longest lifetime (`exp - iat`) a bearer JWT may have, and the oldest `iat` accepted. */
  readonly authJwtMaxTtlSeconds: number
  /** Peers whose `X-Forwarded-For` is believed (`TRUSTED_PROXIES`); none by default. */
  readonly trustedProxies: ReadonlyArray<IpNetwork.IpNetwork>
  /** How often every live token is checked with `debug_token`. */
  readonly tokenHealthIntervalSeconds: number
  /** How long an unrouted webhook event is kept (`WEBHOOK_UNROUTED_RETENTION_DAYS`; Meta retries for about 7 days). */
  readonly webhookUnroutedRetentionDays: number
  /** How long a processed webhook event is kept (`WEBHOOK_PROCESSED_RETENTION_DAYS`, default 14). */
  readonly webhookProcessedRetentionDays: number
  /** Outbound webhooks (issue 19). */
  readonly outboundWebhooks: {
    /** `WEBHOOK_ALLOW_PRIVATE_TARGETS` (on in sandbox mode only): plain http and private addresses allowed. */
    readonly allowPrivateTargets: boolean
    /** `WEBHOOK_DELIVERY_RETENTION_DAYS` (30): days an event and its deliveries are kept. */
    readonly retentionDays: number
    /** `WEBHOOK_DELIVERY_RETRY_BASE_MILLIS` (10000): the first retry's wait (each next one 3 times longer). */
    readonly retryBaseMillis: number
    /** `WEBHOOK_ENDPOINT_DISABLE_AFTER_FAILURES` (50): failed attempts in a row that disable an endpoint. */
    readonly disableAfterFailures: number
    /** `WEBHOOK_DELIVERY_TIMEOUT_SECONDS` (10): how long one attempt may take; its lease lasts 5 s longer. */
    readonly timeoutSeconds: number
  }
  /** How often each WhatsApp connection's health checks run (the job spreads connections over it). */
  readonly connectionHealthIntervalSeconds: number
  /** How often each WhatsApp connection's message templates are synced from Meta (`TEMPLATE_SYNC_INTERVAL_SECONDS`). */
  readonly templateSyncIntervalSeconds: number
  /** How often the gauges read from the database (inbox, token expiry) are refreshed (`METRICS_REFRESH_SECONDS`). */
  readonly metricsRefreshSeconds: number
  /**
   * `WINDOW_CLOSING_NOTICE_MINUTES` (60): how long before a contact's 24-hour window closes the
   * `conversation.window_closing` event goes out; 0 turns the job off.
   */
  readonly windowClosingNoticeMinutes: number
  /**
   * Where media is kept: `DATA_DIR/media` (one instance), or an S3 bucket when `MEDIA_S3_BUCKET` is set
   * (`MEDIA_S3_ENDPOINT`, `MEDIA_S3_REGION`, `MEDIA_S3_ACCESS_KEY_ID`, `MEDIA_S3_SECRET_ACCESS_KEY`,
   * `MEDIA_S3_FORCE_PATH_STYLE`).
   */
  readonly media:
    | { readonly _tag: "Filesystem"; readonly root: string }
    | ({ readonly _tag: "S3" } & Omit<MediaS3Config, "prefix">)
  /**
   * `WEBHOOK_WORKER_ENABLED` (default true): whether this instance processes the webhook inbox. Off, it only accepts
   * and stores deliveries (another instance, or a later start, processes them); `npm run bench` parks it this way.
   */
  readonly webhookWorkerEnabled: boolean
  /**
   * `WEBHOOK_WORKER_THREAD` (PostgreSQL only; default false): the webhook worker runs in its own `worker_threads`
   * thread (its own event loop, runtime and pool) instead of sharing the HTTP server's event loop, so that
   * closed-loop intake cannot starve it on a busy machine; on a quiet one the shared loop did as well with less
   * memory (issue 18.2, docs/decisions.md, w7B and session 7).
   */
  readonly webhookWorkerThread: boolean
}

export class AppConfig extends Context.Service<AppConfig, AppConfigShape>()("app/AppConfig") {}

/** Startup refused: each entry names a variable and what is wrong with it, never its value. */
export class ConfigInvalid extends Schema.TaggedError<ConfigInvalid>()("ConfigInvalid", {
  problems: Schema.Array(Schema.String)
}) {
  override get message() {
    return `Configuration is invalid:\n${this.problems.map((problem) => `  - ${problem}`).join("\n")}`
  }
}

/** The Meta Ads configuration id of the sandbox's app in sandbox mode (main.ts seeds the sandbox with it). */
export const SANDBOX_ADS_CONFIG_ID = "sandbox-meta-ads"

/** The secrets sandbox mode generates once, named as the variables they stand for. */
export const SANDBOX_SECRET_NAMES = [
  "META_APP_ID",
  "META_APP_SECRET",
  "META_WEBHOOK_VERIFY_TOKEN",
  "TOKEN_ENCRYPTION_KEY_BASE64",
  "AUTH_JWT_SECRET"
] as const
export type SandboxSecrets = Record<(typeof SANDBOX_SECRET_NAMES)[number], string>

const generate: Record<(typeof SANDBOX_SECRET_NAMES)[number], () => string> = {
  META_APP_ID: () => `${randomInt(1, 10)}${Array.from({ length: 14 }, () => randomInt(0, 10)).join("")}`,
  META_APP_SECRET: () => randomBytes(16).toString("hex"),
  META_WEBHOOK_VERIFY_TOKEN: () => randomBytes(16).toString("hex"),
  TOKEN_ENCRYPTION_KEY_BASE64: () => randomBytes(32).toString("base64"),
  AUTH_JWT_SECRET: () => randomBytes(32).toString("hex")
}

/**
 * Reads `sandbox-secrets.json` in the data directory, adding any secret it lacks (mode 0600). Scripts read the
 * same file to sign webhooks and mint sessions.
 */
export const loadSandboxSecrets = (dataDir: string): SandboxSecrets => {
  const path = join(dataDir, "sandbox-secrets.json")
  const stored: Partial<SandboxSecrets> = existsSync(path) ? JSON.parse(readFileSync(path, "utf8")) : {}
  const complete = Object.fromEntries(
    SANDBOX_SECRET_NAMES.map((name) => [name, stored[name] ?? generate[name]()])
  ) as SandboxSecrets
  if (SANDBOX_SECRET_NAMES.some((name) => stored[name] === undefined)) {
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(path, `${JSON.stringify(complete, null, 2)}\n`, { mode: 0o600 })
  }
  chmodSync(path, 0o600)
  return complete
}

/** An IP address (a network of one) or a CIDR network, or `undefined` when the text is neither. */
export const parseNetwork = (text: string): IpNetwork.IpNetwork | undefined => {
  const network = IpNetwork.fromString(text)
  if (Result.isSuccess(network)) return network.success
  const address = NetAddress.ipFromString(text)
  if (Result.isFailure(address)) return undefined
  const single = IpNetwork.fromAddress(address.success, NetAddress.width(address.success))
  return Result.isSuccess(single) ? single.success : undefined
}

const HOSTNAME =
  /^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/

/** Strict base64 of exactly 32 bytes (AES-256). */
export const decodeKey = (name: string, value: string): Uint8Array | string => {
  const bytes = decodeBase64Strict(value.trim())
  if (bytes === undefined) return `${name} must be base64 (standard alphabet, padded)`
  return bytes.length === 32 ? bytes : `${name} must decode to exactly 32 bytes (it decodes to ${bytes.length})`
}

/** A provider that treats a blank variable (`PORT=`) as absent, as the service always has. */
const blankIsAbsent = (provider: ConfigProvider.ConfigProvider) =>
  ConfigProvider.make((path) =>
    provider
      .load(path)
      .pipe(Effect.map((node) => (node?._tag === "Value" && node.value.trim() === "" ? undefined : node)))
  )

/** A case-insensitive choice among lower-case words (`LOG_FORMAT=JSON` means `json`). */
const OneOf = <const L extends ReadonlyArray<string>>(words: L, name: string) =>
  Config.schema(
    Schema.String.pipe(
      Schema.decodeTo(Schema.Literals(words), SchemaTransformation.toLowerCase() as never)
    ) as unknown as Schema.Codec<L[number], string>,
    name
  )

const PortNumber = (name: string) =>
  Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })), name)
const WholeNumber = (name: string, minimum: number, maximum: number) =>
  Config.schema(Schema.Int.check(Schema.isBetween({ minimum, maximum })), name)
/** An http(s) URL, kept without its trailing slashes. */
const HttpUrl = (name: string) => Config.URL(name).pipe(Config.map((url) => url.href.replace(/\/+$/, "")))

/**
 * Loads the configuration from a provider (the environment by default). Sandbox mode (no `META_APP_ID`) fills
 * every Meta setting and secret from the sandbox; production mode requires each, and one `ConfigInvalid` lists
 * every variable that is missing or malformed.
 *
 * Each variable is read with its own `Config` and `setting(config, problem)`: a value that does not decode adds
 * `problem` (never the value) to the list, so adding a variable is one `setting(...)` line.
 */
export const loadAppConfig = (provider: ConfigProvider.ConfigProvider = ConfigProvider.fromEnv()) =>
  Effect.gen(function* () {
    const source = blankIsAbsent(provider)
    const problems: Array<string> = []
    /** The variable's value, `None` when it is absent, or `None` and `problem` noted when it does not decode. */
    const setting = <A>(config: Config.Config<A>, problem: string) =>
      Config.option(config)
        .parse(source)
        .pipe(
          Effect.catch(() => {
            problems.push(problem)
            return Effect.succeed(Option.none<A>())
          })
        )
    const text = (name: string) => setting(Config.String(name), `${name} must be text`)
    const mode: Mode = Option.isSome(yield* text("META_APP_ID")) ? "production" : "sandbox"

    const PORT_PROBLEM = "must be a port number (0-65535)"
    const port = Option.getOrElse(yield* setting(PortNumber("PORT"), `PORT ${PORT_PROBLEM}`), () => 3000)
    // Sandbox mode mints admin sessions for anyone who can reach it: loopback only unless HOST says otherwise.
    const host = Option.getOrElse(yield* text("HOST"), () => (mode === "sandbox" ? "127.0.0.1" : "0.0.0.0")).trim()
    if (Result.isFailure(NetAddress.ipFromString(host)) && !HOSTNAME.test(host)) {
      problems.push("HOST must be an IP address or a host name to listen on")
    }
    const sandboxPort = Option.getOrElse(
      yield* setting(PortNumber("SANDBOX_PORT"), `SANDBOX_PORT ${PORT_PROBLEM}`),
      () => (port === 0 ? 0 : port + 1)
    )
    const dataDir = resolve(Option.getOrElse(yield* text("DATA_DIR"), () => "./data"))
    const secrets: Partial<SandboxSecrets> = mode === "sandbox" ? loadSandboxSecrets(dataDir) : {}

    /** A variable production requires; sandbox mode passes the value it stands in with. */
    const required = function* <A>(name: string, config: Config.Config<A>, problem: string, fallback?: A) {
      const value = Option.orElse(yield* setting(config, problem), () => Option.fromUndefinedOr(fallback))
      if (Option.isNone(value) && !problems.includes(problem)) problems.push(`${name} is required`)
      return value
    }
    const requiredText = function* (name: string, fallback?: string) {
      return Option.getOrElse(yield* required(name, Config.String(name), `${name} must be text`, fallback), () => "")
    }
    const url = (name: string) =>
      HttpUrl(name).pipe(
        Config.mapEffect((value) =>
          /^https?:/.test(value)
            ? Effect.succeed(value)
            : Effect.sync(() => {
                problems.push(`${name} must be an http(s) URL`)
                return value
              })
        )
      )
    const requiredUrl = function* (name: string, fallback?: string) {
      return Option.getOrElse(yield* required(name, url(name), `${name} must be a URL`, fallback), () => "")
    }
    const optionalUrl = function* (name: string, fallback: string) {
      return Option.getOrElse(yield* setting(url(name), `${name} must be a URL`), () => fallback)
    }

    const appBaseUrl = yield* requiredUrl("APP_BASE_URL", mode === "sandbox" ? `http://127.0.0.1:${port}` : undefined)
    const sandboxUrl = `http://127.0.0.1:${sandboxPort}`
    const appId = yield* requiredText("META_APP_ID", secrets.META_APP_ID)
    if (appId !== "" && !/^\d{5,20}$/.test(appId)) problems.push("META_APP_ID must be Meta's numeric app id")
    const appSecret = yield* requiredText("META_APP_SECRET", secrets.META_APP_SECRET)
    const verifyToken = yield* requiredText("META_WEBHOOK_VERIFY_TOKEN", secrets.META_WEBHOOK_VERIFY_TOKEN)
    const redirectUri = yield* requiredUrl(
      "META_REDIRECT_URI",
      mode === "sandbox" ? `${appBaseUrl}/api/integrations/meta/whatsapp/callback` : undefined
    )
    const configId = yield* requiredText("META_CONFIG_ID", mode === "sandbox" ? "sandbox-embedded-signup" : undefined)
    const adsEnabled = Option.getOrElse(
      yield* setting(Config.Boolean("META_ADS_ENABLED"), "META_ADS_ENABLED must be true or false"),
      () => true
    )
    // A Business app refuses a scope-only login: Meta Ads needs its own configuration whenever it is on.
    const adsConfigId = adsEnabled
      ? yield* requiredText("META_ADS_CONFIG_ID", mode === "sandbox" ? SANDBOX_ADS_CONFIG_ID : undefined)
      : null
    const graphVersion = Option.getOrElse(yield* text("META_GRAPH_VERSION"), () => "v24.0")
    if (!/^v\d+\.\d+$/.test(graphVersion)) problems.push("META_GRAPH_VERSION must look like v24.0")
    const graphBaseUrl = yield* optionalUrl(
      "META_GRAPH_BASE_URL",
      mode === "sandbox" ? sandboxUrl : "https://graph.facebook.com"
    )
    const dialogBaseUrl = yield* optionalUrl(
      "META_DIALOG_BASE_URL",
      mode === "sandbox" ? sandboxUrl : "https://www.facebook.com"
    )

    const sdkUrl = yield* optionalUrl(
      "META_SDK_URL",
      mode === "sandbox" ? `${sandboxUrl}/sdk.js` : "https://connect.facebook.net/en_US/sdk.js"
    )

    const keyText = yield* requiredText("TOKEN_ENCRYPTION_KEY_BASE64", secrets.TOKEN_ENCRYPTION_KEY_BASE64)
    const key = keyText === "" ? new Uint8Array() : decodeKey("TOKEN_ENCRYPTION_KEY_BASE64", keyText)
    if (typeof key === "string") problems.push(key)
    const previousKeys = Option.match(yield* text("TOKEN_ENCRYPTION_PREVIOUS_KEYS_BASE64"), {
      onNone: () => [],
      onSome: (list) =>
        list.split(",").flatMap((text, index) => {
          const decoded = decodeKey(`TOKEN_ENCRYPTION_PREVIOUS_KEYS_BASE64 (entry ${index + 1})`, text)
          if (typeof decoded === "string") {
            problems.push(decoded)
            return []
          }
          return [Redacted.make(decoded)]
        })
    })
    const jwtSecret = yield* requiredText("AUTH_JWT_SECRET", secrets.AUTH_JWT_SECRET)
    if (jwtSecret !== "" && jwtSecret.length < 32) problems.push("AUTH_JWT_SECRET must be at least 32 characters")
    const authJwtMaxTtlSeconds = Option.getOrElse(
      yield* setting(
        WholeNumber("AUTH_JWT_MAX_TTL_SECONDS", 60, 2_592_000),
        "AUTH_JWT_MAX_TTL_SECONDS must be a whole number of seconds from 60 to 2592000 (30 days)"
      ),
      () => 43200
    )
    const trustedProxies = Option.match(yield* text("TRUSTED_PROXIES"), {
      onNone: () => [],
      onSome: (list) =>
        list.split(",").flatMap((text, index) => {
          const network = parseNetwork(text.trim())
          if (network === undefined) {
            problems.push(
              `TRUSTED_PROXIES (entry ${index + 1}) must be an IP address or a CIDR network such as 10.0.0.0/8`
            )
            return []
          }
          return [network]
        })
    })

    const databaseUrl = yield* text("DATABASE_URL")
    if (mode === "production" && Option.isNone(databaseUrl)) {
      problems.push("DATABASE_URL is required in production (the embedded database is for sandbox mode)")
    }
    if (Option.isSome(databaseUrl) && !/^postgres(ql)?:\/\//.test(databaseUrl.value)) {
      problems.push("DATABASE_URL must be a postgres:// URL")
    }
    const logLevel = Option.getOrElse(
      yield* setting(
        OneOf(["trace", "debug", "info", "warning", "warn", "error", "fatal", "none"], "LOG_LEVEL"),
        "LOG_LEVEL must be one of trace, debug, info, warn, error, fatal, none"
      ),
      () => "info"
    )
    const logFormat = Option.getOrElse(
      yield* setting(OneOf(["json", "pretty"], "LOG_FORMAT"), "LOG_FORMAT must be json or pretty"),
      () => "json" as const
    )
    const tokenHealthIntervalSeconds = Option.getOrElse(
      yield* setting(
        WholeNumber("TOKEN_HEALTH_INTERVAL_SECONDS", 1, Number.MAX_SAFE_INTEGER),
        "TOKEN_HEALTH_INTERVAL_SECONDS must be a whole number of seconds (at least 1)"
      ),
      () => 3600
    )

    const connectionHealthIntervalSeconds = Option.getOrElse(
      yield* setting(
        WholeNumber("CONNECTION_HEALTH_INTERVAL_SECONDS", 60, Number.MAX_SAFE_INTEGER),
        "CONNECTION_HEALTH_INTERVAL_SECONDS must be a whole number of seconds (at least 60)"
      ),
      () => 900
    )

    const templateSyncIntervalSeconds = Option.getOrElse(
      yield* setting(
        WholeNumber("TEMPLATE_SYNC_INTERVAL_SECONDS", 60, Number.MAX_SAFE_INTEGER),
        "TEMPLATE_SYNC_INTERVAL_SECONDS must be a whole number of seconds (at least 60)"
      ),
      () => 3600
    )

    const webhookUnroutedRetentionDays = Option.getOrElse(
      yield* setting(
        WholeNumber("WEBHOOK_UNROUTED_RETENTION_DAYS", 1, 3650),
        "WEBHOOK_UNROUTED_RETENTION_DAYS must be a whole number of days (at least 1)"
      ),
      () => 7
    )

    const webhookProcessedRetentionDays = Option.getOrElse(
      yield* setting(
        WholeNumber("WEBHOOK_PROCESSED_RETENTION_DAYS", 1, 3650),
        "WEBHOOK_PROCESSED_RETENTION_DAYS must be a whole number of days from 1 to 3650"
      ),
      () => 14
    )
    const allowPrivateTargets = Option.getOrElse(
      yield* setting(
        Config.Boolean("WEBHOOK_ALLOW_PRIVATE_TARGETS"),
        "WEBHOOK_ALLOW_PRIVATE_TARGETS must be true or false"
      ),
      () => mode === "sandbox"
    )
    const outboundRetentionDays = Option.getOrElse(
      yield* setting(
        WholeNumber("WEBHOOK_DELIVERY_RETENTION_DAYS", 1, 3650),
        "WEBHOOK_DELIVERY_RETENTION_DAYS must be a whole number of days (at least 1)"
      ),
      () => 30
    )
    const retryBaseMillis = Option.getOrElse(
      yield* setting(
        WholeNumber("WEBHOOK_DELIVERY_RETRY_BASE_MILLIS", 1, 3_600_000),
        "WEBHOOK_DELIVERY_RETRY_BASE_MILLIS must be a whole number of milliseconds from 1 to 3600000"
      ),
      () => 10_000
    )
    const deliveryTimeoutSeconds = Option.getOrElse(
      yield* setting(
        WholeNumber("WEBHOOK_DELIVERY_TIMEOUT_SECONDS", 1, 60),
        "WEBHOOK_DELIVERY_TIMEOUT_SECONDS must be a whole number of seconds from 1 to 60"
      ),
      () => 10
    )
    const disableAfterFailures = Option.getOrElse(
      yield* setting(
        WholeNumber("WEBHOOK_ENDPOINT_DISABLE_AFTER_FAILURES", 1, 100_000),
        "WEBHOOK_ENDPOINT_DISABLE_AFTER_FAILURES must be a whole number (at least 1)"
      ),
      () => 50
    )

    const windowClosingNoticeMinutes = Option.getOrElse(
      yield* setting(
        WholeNumber("WINDOW_CLOSING_NOTICE_MINUTES", 0, 1439),
        "WINDOW_CLOSING_NOTICE_MINUTES must be a whole number of minutes from 0 (off) to 1439"
      ),
      () => 60
    )
    const metricsRefreshSeconds = Option.getOrElse(
      yield* setting(
        WholeNumber("METRICS_REFRESH_SECONDS", 1, 86_400),
        "METRICS_REFRESH_SECONDS must be a whole number of seconds from 1 to 86400"
      ),
      () => 15
    )

    const mediaBucket = yield* text("MEDIA_S3_BUCKET")
    const mediaRegion = yield* text("MEDIA_S3_REGION")
    const mediaEndpoint = Option.isSome(mediaBucket)
      ? yield* setting(url("MEDIA_S3_ENDPOINT"), "MEDIA_S3_ENDPOINT must be a URL")
      : Option.none()
    const mediaKeyId = yield* text("MEDIA_S3_ACCESS_KEY_ID")
    const mediaSecret = yield* text("MEDIA_S3_SECRET_ACCESS_KEY")
    if (Option.isSome(mediaKeyId) !== Option.isSome(mediaSecret))
      problems.push("MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY go together")
    const forcePathStyle = Option.getOrElse(
      yield* setting(Config.Boolean("MEDIA_S3_FORCE_PATH_STYLE"), "MEDIA_S3_FORCE_PATH_STYLE must be true or false"),
      () => Option.isSome(mediaEndpoint)
    )
    const media: AppConfigShape["media"] = Option.match(mediaBucket, {
      onNone: () => ({ _tag: "Filesystem" as const, root: join(dataDir, "media") }),
      onSome: (bucket) => ({
        _tag: "S3" as const,
        bucket,
        endpoint: Option.getOrNull(mediaEndpoint),
        region: Option.getOrElse(mediaRegion, () => "us-east-1"),
        accessKeyId: Option.getOrNull(mediaKeyId),
        secretAccessKey: Option.getOrNull(Option.map(mediaSecret, Redacted.make)),
        forcePathStyle
      })
    })
    const webhookWorkerEnabled = Option.getOrElse(
      yield* setting(Config.Boolean("WEBHOOK_WORKER_ENABLED"), "WEBHOOK_WORKER_ENABLED must be true or false"),
      () => true
    )
    const webhookWorkerThread = Option.getOrElse(
      yield* setting(Config.Boolean("WEBHOOK_WORKER_THREAD"), "WEBHOOK_WORKER_THREAD must be true or false"),
      () => false
    )
    if (webhookWorkerThread && Option.isNone(databaseUrl))
      problems.push("WEBHOOK_WORKER_THREAD=true needs DATABASE_URL (embedded PGlite serves one connection, in process)")

    if (problems.length > 0) return yield* new ConfigInvalid({ problems })

    return AppConfig.of({
      mode,
      port,
      host,
      sandboxPort,
      appBaseUrl,
      dataDir,
      databaseUrl: Option.map(databaseUrl, Redacted.make),
      redisUrl: Option.map(yield* text("REDIS_URL"), Redacted.make),
      logLevel,
      logFormat,
      meta: {
        appId,
        appSecret: Redacted.make(appSecret),
        redirectUri,
        adsRedirectUri: redirectUri.replace(/\/whatsapp\/callback$/, "/ads/callback"),
        webhookVerifyToken: Redacted.make(verifyToken),
        configId,
        adsEnabled,
        adsConfigId,
        graphVersion,
        graphBaseUrl,
        dialogBaseUrl,
        sdkUrl
      },
      tokenEncryptionKey: Redacted.make(key as Uint8Array),
      previousTokenEncryptionKeys: previousKeys,
      authJwtSecret: Redacted.make(jwtSecret),
      authJwtMaxTtlSeconds,
      trustedProxies,
      tokenHealthIntervalSeconds,
      webhookUnroutedRetentionDays,
      webhookProcessedRetentionDays,
      outboundWebhooks: {
        allowPrivateTargets,
        retentionDays: outboundRetentionDays,
        retryBaseMillis,
        disableAfterFailures,
        timeoutSeconds: deliveryTimeoutSeconds
      },
      connectionHealthIntervalSeconds,
      templateSyncIntervalSeconds,
      metricsRefreshSeconds,
      windowClosingNoticeMinutes,
      media,
      webhookWorkerEnabled,
      webhookWorkerThread
    })
  })
