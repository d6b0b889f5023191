import { createHmac } from "node:crypto"
import { Clock, Data, Duration, Effect, Layer, Option, Redacted, Ref, Schedule, Schema, Stream } from "effect"
import { FetchHttpClient, HttpClient, HttpClientRequest, type HttpClientResponse, UrlParams } from "effect/http"
import {
  type AdAccount,
  type AppSubscription,
  type Business,
  type ExchangedToken,
  MetaGraph,
  type MetaGraphError,
  type NewTemplate,
  OTHER_APP_TOKEN,
  type PhoneNumber,
  type RemoteTemplate,
  type SentMessage,
  type TemplateSend,
  type TokenInfo
} from "../../application/ports/MetaGraph.ts"
import type { AdAccountStatus } from "../../domain/AdAccountStatus.ts"
import {
  MetaAppCredentialsInvalid,
  MetaPermissionMissing,
  MetaRateLimited,
  MetaTokenInvalid,
  MetaUnavailable,
  NumberNotVerified,
  RegistrationPinMismatch
} from "../../domain/Errors.ts"
import { PhoneNumberId, type WabaId } from "../../domain/Ids.ts"
import { type HeaderKind, placeholdersOf, type TemplateValue, templateStatusOf } from "../../domain/MessageTemplate.ts"
import { recordMetaThrottle, timeMetaApiCall } from "../observability/Metrics.ts"
import { makeRedactor } from "../observability/Redaction.ts"
import { classified } from "./MetaErrors.ts"

export interface MetaGraphConfig {
  /** e.g. `https://graph.facebook.com` (no trailing slash needed). */
  readonly graphBaseUrl: string
  /** e.g. `v24.0`. */
  readonly graphVersion: string
  readonly appId: string
  readonly appSecret: Redacted.Redacted<string>
  /** Per attempt; default 10 seconds. */
  readonly timeout?: Duration.Input
  /** Retries of transient failures: at most `times` (default 3, capped at 3) after `base` (default 250 ms), doubling, jittered. */
  readonly retry?: { readonly times?: number; readonly base?: Duration.Input }
}

// ---------------------------------------------------------------------------------------------------------------
// Meta's error codes, as META_SPEC §5 sorts them

const TOKEN_CODES: ReadonlySet<number> = new Set([190, 102, 0])
const TOKEN_SUBCODES: ReadonlySet<number> = new Set([458, 459, 460, 463, 464, 467, 492])
const THROTTLE_CODES: ReadonlySet<number> = new Set([4, 17, 32, 613, 80007, 80008, 130429])
/**
 * The Marketing API's throttles (Marketing API, "Rate Limiting"): 17 "User request limit reached" (subcode 2446079
 * for ads calls), 613, and the Business Use Case codes 80000-80014 (ads insights, ads management, custom audiences…).
 */
const ADS_THROTTLE_SUBCODE = 2446079
const isAdsThrottleCode = (code: number) => code >= 80000 && code <= 80014
const isPermissionCode = (code: number) => code === 10 || code === 3 || (code >= 200 && code <= 299)
const isTokenError = (code: number | undefined, subcode: number | undefined) =>
  (code !== undefined && TOKEN_CODES.has(code)) || (subcode !== undefined && TOKEN_SUBCODES.has(subcode))
/** `POST /{phone-number-id}/register`: "Two step verification PIN Mismatch" (error-codes doc). */
const PIN_MISMATCH_CODE = 133005
/** `POST /{phone-number-id}/register`: "Phone number re-verification needed" before registering (error-codes doc). */
const NOT_VERIFIED_CODE = 133006
const isThrottleCode = (code: number | undefined, subcode?: number | undefined) =>
  (code !== undefined && (THROTTLE_CODES.has(code) || isAdsThrottleCode(code))) || subcode === ADS_THROTTLE_SUBCODE

/** Meta's `account_status` codes (Marketing API, "Ad Account" reference), in the domain's words. */
const AD_ACCOUNT_STATUS_CODES: Readonly<Record<number, AdAccountStatus>> = {
  1: "active",
  2: "disabled",
  3: "unsettled",
  7: "pending_risk_review",
  8: "pending_settlement",
  9: "in_grace_period",
  100: "pending_closure",
  101: "closed",
  201: "any_active",
  202: "any_closed"
}
export const adAccountStatusOf = (code: number | null | undefined): AdAccountStatus | null =>
  code === null || code === undefined ? null : (AD_ACCOUNT_STATUS_CODES[code] ?? "unknown")

/** Which of our providers a call serves, for the metrics' `provider` label (from the permission it needs). */
const providerOf = (scope: string): "meta_ads" | "meta_whatsapp" =>
  scope.startsWith("ads_") ? "meta_ads" : "meta_whatsapp"
/** Never retried even when Meta answers them with a 5xx. */
const isFinalCode = (code: number | undefined, subcode: number | undefined) =>
  code !== undefined && (isTokenError(code, subcode) || isPermissionCode(code) || code === 368 || code === 100)

/** X-App-Usage says "100 %" but not for how long; Meta's window is a rolling hour, so we hold off this long. */
const APP_USAGE_COOLDOWN_MS = 60_000
/** X-Business-Use-Case-Usage at 100 % without `estimated_time_to_regain_access`. */
const BUC_DEFAULT_COOLDOWN_MS = 60_000
/** A guard against a cursor that never ends: far beyond any real list (100 pages of up to 100 items). */
const MAX_PAGES = 100
const MAX_RETRIES = 3
const APP_KEY = "app"

// ---------------------------------------------------------------------------------------------------------------
// Graph shapes

const opt = <S extends Schema.Top>(schema: S) => Schema.optional(Schema.NullOr(schema))

const GraphErrorBody = Schema.Struct({
  error: Schema.Struct({
    message: opt(Schema.String),
    type: opt(Schema.String),
    code: opt(Schema.Number),
    error_subcode: opt(Schema.Number),
    fbtrace_id: opt(Schema.String)
  })
})

const TokenResponse = Schema.Struct({
  access_token: Schema.String,
  token_type: opt(Schema.String),
  expires_in: opt(Schema.Number)
})

const DebugTokenResponse = Schema.Struct({
  data: Schema.Struct({
    is_valid: opt(Schema.Boolean),
    app_id: opt(Schema.String),
    type: opt(Schema.String),
    expires_at: opt(Schema.Number),
    data_access_expires_at: opt(Schema.Number),
    user_id: opt(Schema.String),
    scopes: opt(Schema.Array(Schema.String)),
    granular_scopes: opt(
      Schema.Array(Schema.Struct({ scope: Schema.String, target_ids: opt(Schema.Array(Schema.String)) }))
    ),
    error: opt(Schema.Struct({ message: opt(Schema.String), code: opt(Schema.Number) }))
  })
})

/** `GET /{waba-id}/subscribed_apps`: `{data: [{whatsapp_business_api_data: {id, link, name}, override_callback_uri?}]}`. */
const SubscribedAppsResponse = Schema.Struct({
  data: Schema.Array(
    Schema.Struct({
      whatsapp_business_api_data: opt(Schema.Struct({ id: opt(Schema.String) })),
      override_callback_uri: opt(Schema.String)
    })
  )
})

const PhoneNumberNode = Schema.Struct({
  id: PhoneNumberId,
  display_phone_number: Schema.String,
  verified_name: opt(Schema.String),
  quality_rating: opt(Schema.String),
  code_verification_status: opt(Schema.String),
  name_status: opt(Schema.String),
  platform_type: opt(Schema.String),
  whatsapp_business_manager_messaging_limit: opt(Schema.String),
  throughput: opt(Schema.Struct({ level: opt(Schema.String) }))
})
const PHONE_FIELDS =
  "id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status,platform_type," +
  "whatsapp_business_manager_messaging_limit,throughput"

const Paging = Schema.Struct({
  cursors: opt(Schema.Struct({ before: opt(Schema.String), after: opt(Schema.String) })),
  next: opt(Schema.String)
})
const Page = <S extends Schema.Top>(item: S) => Schema.Struct({ data: Schema.Array(item), paging: opt(Paging) })

/** `{"success": true}`, or a bare `true` from older endpoints. */
const SuccessResponse = Schema.Union([Schema.Struct({ success: Schema.Boolean }), Schema.Boolean])

const MessageResponse = Schema.Struct({
  contacts: opt(Schema.Array(Schema.Struct({ input: opt(Schema.String), wa_id: opt(Schema.String) }))),
  messages: Schema.Array(Schema.Struct({ id: Schema.String }))
})

const TemplateComponent = Schema.Struct({
  type: Schema.String,
  format: opt(Schema.String),
  text: opt(Schema.String)
})
const TemplateNode = Schema.Struct({
  id: Schema.String,
  name: Schema.String,
  language: Schema.String,
  category: opt(Schema.String),
  status: opt(Schema.String),
  rejected_reason: opt(Schema.String),
  quality_score: opt(Schema.Struct({ score: opt(Schema.String) })),
  parameter_format: opt(Schema.String),
  components: opt(Schema.Array(TemplateComponent))
})
const TEMPLATE_FIELDS = "id,name,language,category,status,rejected_reason,quality_score,parameter_format,components"
const CreatedTemplate = Schema.Struct({ id: Schema.String, status: opt(Schema.String), category: opt(Schema.String) })

/** Meta's template node in the domain's words: its header, body and footer texts and their placeholders. */
const toRemoteTemplate = (node: typeof TemplateNode.Type): RemoteTemplate => {
  const components = node.components ?? []
  const part = (type: string) => components.find((c) => c.type.toUpperCase() === type)
  const header = part("HEADER")
  const format = (header?.format ?? "TEXT").toLowerCase()
  const headerKind: HeaderKind =
    header === undefined
      ? "none"
      : format === "image" || format === "video" || format === "document" || format === "location"
        ? format
        : "text"
  const headerText = headerKind === "text" ? (header?.text ?? null) : null
  const bodyText = part("BODY")?.text ?? ""
  const reason = node.rejected_reason ?? null
  return {
    templateId: node.id,
    name: node.name,
    language: node.language,
    category: node.category ?? "UTILITY",
    status: templateStatusOf(node.status ?? ""),
    rejectedReason: reason === null || reason === "NONE" ? null : reason,
    quality: node.quality_score?.score ?? null,
    parameterFormat: node.parameter_format?.toUpperCase() === "NAMED" ? "NAMED" : "POSITIONAL",
    headerKind,
    headerText,
    bodyText,
    footerText: part("FOOTER")?.text ?? null,
    headerPlaceholders: placeholdersOf(headerText),
    bodyPlaceholders: placeholdersOf(bodyText)
  }
}

/** A template send's `components`, as Meta reads them: header media or text values, then body values. */
const templateComponents = (send: TemplateSend): Array<Record<string, unknown>> => {
  const values = (list: ReadonlyArray<TemplateValue>) =>
    list.map((v) => ({ type: "text", text: v.text, ...(v.name ? { parameter_name: v.name } : {}) }))
  const components: Array<Record<string, unknown>> = []
  const media = send.parameters.headerMedia
  if ((send.headerKind === "image" || send.headerKind === "video" || send.headerKind === "document") && media) {
    const ref = media.id ? { id: media.id } : { link: media.link }
    components.push({ type: "header", parameters: [{ type: send.headerKind, [send.headerKind]: ref }] })
  } else if ((send.parameters.header ?? []).length > 0) {
    components.push({ type: "header", parameters: values(send.parameters.header ?? []) })
  }
  if (send.parameters.body.length > 0) components.push({ type: "body", parameters: values(send.parameters.body) })
  return components
}

const MeNode = Schema.Struct({ id: Schema.String, name: opt(Schema.String) })
const BusinessNode = Schema.Struct({ id: Schema.String, name: opt(Schema.String) })
const AdAccountNode = Schema.Struct({
  id: Schema.String,
  name: opt(Schema.String),
  currency: opt(Schema.String),
  account_status: opt(Schema.Number)
})

const AppSubscriptionsResponse = Schema.Struct({
  data: Schema.Array(
    Schema.Struct({
      object: Schema.String,
      callback_url: opt(Schema.String),
      active: opt(Schema.Boolean),
      fields: opt(Schema.Array(Schema.Union([Schema.String, Schema.Struct({ name: Schema.String })])))
    })
  )
})

const JsonText = Schema.fromJsonString(Schema.Unknown)

const Percent = opt(Schema.Number)
const AppUsageHeader = Schema.fromJsonString(
  Schema.Struct({ call_count: Percent, total_cputime: Percent, total_time: Percent })
)
/** `X-Ad-Account-Usage`: the ad account's utilisation; at 100 % calls wait `reset_time_duration` seconds. */
const AdAccountUsageHeader = Schema.fromJsonString(
  Schema.Struct({ acc_id_util_pct: Percent, reset_time_duration: opt(Schema.Number) })
)
const BusinessUsageHeader = Schema.fromJsonString(
  Schema.Record(
    Schema.String,
    Schema.Array(
      Schema.Struct({
        type: opt(Schema.String),
        call_count: Percent,
        total_cputime: Percent,
        total_time: Percent,
        estimated_time_to_regain_access: opt(Schema.Number)
      })
    )
  )
)

// ---------------------------------------------------------------------------------------------------------------
// One Graph call, and how a single attempt can fail (adapter-internal)

type Auth =
  | { readonly _tag: "None" }
  | { readonly _tag: "App" }
  | { readonly _tag: "Bearer"; readonly token: Redacted.Redacted<string> }

interface Call<A> {
  readonly method: "GET" | "POST" | "DELETE"
  /** The real path after the version, e.g. `/1234/phone_numbers`: ids only, never secrets. */
  readonly path: string
  /** The path template for spans and errors, e.g. `/{waba-id}/phone_numbers`. */
  readonly endpoint: string
  readonly auth: Auth
  readonly urlParams?: ReadonlyArray<readonly [string, string | Redacted.Redacted<string>]>
  readonly json?: unknown
  readonly form?: ReadonlyArray<readonly [string, string | Redacted.Redacted<string>]>
  readonly schema: Schema.Decoder<A>
  /** The permission Meta wants for this call, reported by MetaPermissionMissing. */
  readonly scope: string
  /** Ids the call touches (WABA, phone number, business): throttling state is kept per key. */
  readonly keys: ReadonlyArray<string>
  /** False for sends: a timeout may already have created the message. */
  readonly idempotent: boolean
  /** Values that must never appear in an error detail (tokens, secrets, codes, PINs). */
  readonly secrets: ReadonlyArray<Redacted.Redacted<string>>
}

/** Meta answered with a Graph error body. */
class GraphFailure extends Data.TaggedError("GraphFailure")<{
  readonly status: number
  readonly code: number | undefined
  readonly subcode: number | undefined
  readonly detail: string
  readonly retryAfterSeconds: number | undefined
}> {}

/** A non-2xx answer without a Graph error body (a proxy's 502 page, for instance). */
class HttpFailure extends Data.TaggedError("HttpFailure")<{ readonly status: number }> {}

/** No answer: connection failure or the per-attempt timeout. */
class TransportFailure extends Data.TaggedError("TransportFailure")<{ readonly timedOut: boolean }> {}

/** A 2xx answer we could not read. */
class DecodeFailure extends Data.TaggedError("DecodeFailure")<{ readonly status: number }> {}

type AttemptFailure = GraphFailure | HttpFailure | TransportFailure | DecodeFailure

interface Throttle {
  readonly untilMs: number
  readonly code: number
}

interface ThrottleState {
  /** "app" or a business/WABA/phone-number id → when calls may go out again. */
  readonly blocked: ReadonlyMap<string, Throttle>
  /** A WABA/phone-number id → the business ids Meta reported usage for on calls touching it. */
  readonly owners: ReadonlyMap<string, ReadonlyArray<string>>
}

const REDACTED_QUERY_NAMES = [
  "access_token",
  "client_secret",
  "input_token",
  "fb_exchange_token",
  "code",
  "appsecret_proof"
]

/**
 * `appsecret_proof` of a user or system user token: `hex(HMAC-SHA256(key = app secret, message = token))`. Apps with
 * "Require App Secret" on refuse such calls without it (Graph API, "Securing requests").
 */
export const appSecretProof = (appSecret: Redacted.Redacted<string>, token: Redacted.Redacted<string>) =>
  Redacted.make(createHmac("sha256", Redacted.value(appSecret)).update(Redacted.value(token), "utf8").digest("hex"))

/**
 * Removes secrets and anything token-like from a message Meta wrote (the call's own secrets, then the rules every
 * log line goes through: `observability/Redaction.ts`), and keeps it short.
 */
export const scrub = (text: string, secrets: ReadonlyArray<Redacted.Redacted<string>>): string => {
  const out = makeRedactor(secrets.map(Redacted.value))(text)
  return out.length > 300 ? `${out.slice(0, 297)}...` : out
}

const maxPercent = (entry: {
  readonly call_count?: number | null | undefined
  readonly total_cputime?: number | null | undefined
  readonly total_time?: number | null | undefined
}) => Math.max(entry.call_count ?? 0, entry.total_cputime ?? 0, entry.total_time ?? 0)

const headerValue = (headers: HttpClientResponse.HttpClientResponse["headers"], name: string): string | undefined => {
  const value = headers[name]
  return typeof value === "string" ? value : undefined
}

interface Usage {
  /** The ad account the call touched is throttled for this long (`X-Ad-Account-Usage` at 100 %). */
  readonly adAccountThrottledForMs?: number | undefined
  readonly appThrottled: boolean
  readonly businesses: ReadonlyArray<{ readonly id: string; readonly throttledForMs: number | undefined }>
  readonly retryAfterSeconds: number | undefined
}

const readUsage = (headers: HttpClientResponse.HttpClientResponse["headers"]): Usage => {
  const appRaw = headerValue(headers, "x-app-usage")
  const app = appRaw === undefined ? undefined : Schema.decodeUnknownOption(AppUsageHeader)(appRaw)
  const appThrottled = app !== undefined && app._tag === "Some" && maxPercent(app.value) >= 100
  const bucRaw = headerValue(headers, "x-business-use-case-usage")
  const buc = bucRaw === undefined ? undefined : Schema.decodeUnknownOption(BusinessUsageHeader)(bucRaw)
  const businesses =
    buc === undefined || buc._tag === "None"
      ? []
      : Object.entries(buc.value).map(([id, entries]) => {
          let throttledForMs: number | undefined
          for (const entry of entries) {
            const regainMs = Math.max(0, entry.estimated_time_to_regain_access ?? 0) * 60_000
            if (regainMs > 0 || maxPercent(entry) >= 100) {
              throttledForMs = Math.max(throttledForMs ?? 0, regainMs > 0 ? regainMs : BUC_DEFAULT_COOLDOWN_MS)
            }
          }
          return { id, throttledForMs }
        })
  const adRaw = headerValue(headers, "x-ad-account-usage")
  const ad = adRaw === undefined ? undefined : Schema.decodeUnknownOption(AdAccountUsageHeader)(adRaw)
  const adAccountThrottledForMs =
    ad !== undefined && ad._tag === "Some" && (ad.value.acc_id_util_pct ?? 0) >= 100
      ? Math.max(1, ad.value.reset_time_duration ?? 0) * 1000
      : undefined
  const retryAfterRaw = headerValue(headers, "retry-after")
  const retryAfterHeader = retryAfterRaw === undefined ? Number.NaN : Number(retryAfterRaw)
  const bucSeconds = businesses.reduce<number | undefined>(
    (acc, b) => (b.throttledForMs === undefined ? acc : Math.max(acc ?? 0, Math.ceil(b.throttledForMs / 1000))),
    undefined
  )
  const adSeconds = adAccountThrottledForMs === undefined ? undefined : Math.ceil(adAccountThrottledForMs / 1000)
  const longest =
    bucSeconds === undefined && adSeconds === undefined ? undefined : Math.max(bucSeconds ?? 0, adSeconds ?? 0)
  const retryAfterSeconds = Number.isFinite(retryAfterHeader)
    ? retryAfterHeader
    : (longest ?? (appThrottled ? APP_USAGE_COOLDOWN_MS / 1000 : undefined))
  return { appThrottled, businesses, retryAfterSeconds, adAccountThrottledForMs }
}

const make = (config: MetaGraphConfig) =>
  Effect.gen(function* () {
    const client = yield* HttpClient.HttpClient
    const baseUrl = `${config.graphBaseUrl.replace(/\/+$/, "")}/${config.graphVersion.replace(/^\/+|\/+$/g, "")}`
    const timeout = Duration.fromInputUnsafe(config.timeout ?? Duration.seconds(10))
    const retryTimes = Math.max(0, Math.min(MAX_RETRIES, config.retry?.times ?? MAX_RETRIES))
    const retryBase = config.retry?.base ?? Duration.millis(250)
    const appToken = Redacted.make(`${config.appId}|${Redacted.value(config.appSecret)}`)
    const throttles = yield* Ref.make<ThrottleState>({ blocked: new Map(), owners: new Map() })

    // ------------------------------------------------------------------ throttling state

    const observe = (keys: ReadonlyArray<string>, usage: Usage, code: number | undefined) =>
      Effect.gen(function* () {
        if (!usage.appThrottled && usage.businesses.length === 0 && usage.adAccountThrottledForMs === undefined) return
        const now = yield* Clock.currentTimeMillis
        yield* Ref.update(throttles, (state) => {
          const blocked = new Map(state.blocked)
          const owners = new Map(state.owners)
          const throttleCode = isThrottleCode(code) && code !== undefined ? code : undefined
          const extend = (key: string, untilMs: number, fallbackCode: number) => {
            const current = blocked.get(key)
            if (current === undefined || current.untilMs < untilMs)
              blocked.set(key, { untilMs, code: throttleCode ?? fallbackCode })
          }
          if (usage.appThrottled) extend(APP_KEY, now + APP_USAGE_COOLDOWN_MS, 4)
          // The ad account's own limit: calls touching it wait as X-Ad-Account-Usage says.
          if (usage.adAccountThrottledForMs !== undefined) {
            for (const key of keys) extend(key, now + usage.adAccountThrottledForMs, throttleCode ?? 80004)
          }
          for (const business of usage.businesses) {
            for (const key of keys) {
              const known = owners.get(key) ?? []
              if (key !== business.id && !known.includes(business.id)) owners.set(key, [...known, business.id])
            }
            if (business.throttledForMs !== undefined) {
              extend(business.id, now + business.throttledForMs, 80008)
              for (const key of keys) extend(key, now + business.throttledForMs, 80008)
            }
          }
          return { blocked, owners }
        })
      })

    /** Fails at once, without calling Meta, while Meta told us to hold off for the app or one of these keys. */
    const gate = (keys: ReadonlyArray<string>) =>
      Effect.gen(function* () {
        const now = yield* Clock.currentTimeMillis
        const state = yield* Ref.get(throttles)
        const candidates = [APP_KEY, ...keys, ...keys.flatMap((key) => state.owners.get(key) ?? [])]
        let worst: Throttle | undefined
        for (const key of candidates) {
          const throttle = state.blocked.get(key)
          if (
            throttle !== undefined &&
            throttle.untilMs > now &&
            (worst === undefined || throttle.untilMs > worst.untilMs)
          )
            worst = throttle
        }
        if (worst !== undefined) {
          const retryAfterSeconds = Math.max(1, Math.ceil((worst.untilMs - now) / 1000))
          yield* Effect.logDebug("Meta throttle in force; not calling Meta").pipe(
            Effect.annotateLogs({ code: worst.code, retryAfterSeconds })
          )
          return yield* new MetaRateLimited({ code: worst.code, retryAfterSeconds })
        }
      })

    // ------------------------------------------------------------------ one attempt

    const buildRequest = <A>(call: Call<A>) => {
      // Every call with a user or system user token carries its proof, on POST and DELETE too (a query parameter).
      const proof: ReadonlyArray<readonly [string, Redacted.Redacted<string>]> =
        call.auth._tag === "Bearer" ? [["appsecret_proof", appSecretProof(config.appSecret, call.auth.token)]] : []
      let request = HttpClientRequest.make(call.method)(`${baseUrl}${call.path}`, {
        urlParams: [...(call.urlParams ?? []), ...proof]
      }).pipe(HttpClientRequest.acceptJson)
      if (call.auth._tag === "Bearer") request = HttpClientRequest.bearerToken(request, call.auth.token)
      if (call.auth._tag === "App") request = HttpClientRequest.bearerToken(request, appToken)
      if (call.json !== undefined) request = HttpClientRequest.bodyJsonUnsafe(request, call.json)
      if (call.form !== undefined) request = HttpClientRequest.bodyUrlParams(request, call.form)
      return request
    }

    const interpret = <A>(call: Call<A>, response: HttpClientResponse.HttpClientResponse, text: string) =>
      Effect.gen(function* () {
        const json = Schema.decodeUnknownOption(JsonText)(text)
        const usage = readUsage(response.headers)
        const errorBody = json._tag === "Some" ? Schema.decodeUnknownOption(GraphErrorBody)(json.value) : undefined
        const code = errorBody?._tag === "Some" ? (errorBody.value.error.code ?? undefined) : undefined
        yield* observe(call.keys, usage, code)
        if (response.status >= 200 && response.status < 300) {
          if (json._tag === "None") return yield* new DecodeFailure({ status: response.status })
          const decoded = Schema.decodeUnknownOption(call.schema)(json.value)
          if (decoded._tag === "None") return yield* new DecodeFailure({ status: response.status })
          return decoded.value
        }
        if (errorBody === undefined || errorBody._tag === "None")
          return yield* new HttpFailure({ status: response.status })
        const error = errorBody.value.error
        return yield* new GraphFailure({
          status: response.status,
          code,
          subcode: error.error_subcode ?? undefined,
          detail: scrub(error.message ?? "no message", call.secrets),
          retryAfterSeconds: usage.retryAfterSeconds
        })
      })

    const attempt = <A>(call: Call<A>): Effect.Effect<A, AttemptFailure> =>
      client.execute(buildRequest(call)).pipe(
        Effect.flatMap((response) => Effect.flatMap(response.text, (text) => interpret(call, response, text))),
        Effect.timeout(timeout),
        timeMetaApiCall(`${call.method} ${call.endpoint}`),
        Effect.catchTags({
          TimeoutError: () => Effect.fail(new TransportFailure({ timedOut: true })),
          HttpClientError: () => Effect.fail(new TransportFailure({ timedOut: false }))
        }),
        Effect.provideService(UrlParams.CurrentRedactedNames, REDACTED_QUERY_NAMES)
      )

    /**
     * Retried: 5xx, transport failures and timeouts, and Meta's throttling codes. Never: token, permission,
     * 368, 100 and other 4xx. Sends (not idempotent) are retried only when Meta answered with an error body, which
     * means no message was created; a timeout or a bodiless 5xx could hide a created message.
     */
    const retriable =
      <A>(call: Call<A>) =>
      (failure: AttemptFailure): boolean => {
        switch (failure._tag) {
          case "TransportFailure":
            return call.idempotent
          case "HttpFailure":
            return failure.status >= 500 && call.idempotent
          case "GraphFailure":
            // A throttle that says how long to wait is not retried now: the gate holds later calls that long.
            if (isThrottleCode(failure.code, failure.subcode)) return failure.retryAfterSeconds === undefined
            return failure.status >= 500 && !isFinalCode(failure.code, failure.subcode)
          case "DecodeFailure":
            return false
        }
      }

    const toDomain = <A>(call: Call<A>, failure: AttemptFailure): MetaGraphError => {
      const where = `${call.method} ${call.endpoint}`
      switch (failure._tag) {
        case "TransportFailure":
          return new MetaUnavailable({
            detail: failure.timedOut
              ? `Meta did not answer within ${Duration.format(timeout)} (${where})`
              : `could not reach Meta (${where})`
          })
        case "HttpFailure":
          return new MetaUnavailable({ detail: `Meta answered HTTP ${failure.status} (${where})` })
        case "DecodeFailure":
          return new MetaUnavailable({ detail: `unexpected answer from Meta (${where})` })
        case "GraphFailure": {
          const { code, subcode, detail } = failure
          if (isTokenError(code, subcode)) return new MetaTokenInvalid({ code, detail })
          if (code !== undefined && isPermissionCode(code))
            return new MetaPermissionMissing({ permissions: [call.scope] })
          if (code !== undefined && isThrottleCode(code, subcode))
            return new MetaRateLimited({ code, retryAfterSeconds: failure.retryAfterSeconds })
          return new MetaUnavailable({
            code,
            detail: failure.status >= 500 ? `${detail} (HTTP ${failure.status})` : detail
          })
        }
      }
    }

    const execute = <A>(call: Call<A>): Effect.Effect<A, MetaGraphError> =>
      gate(call.keys).pipe(
        Effect.andThen(
          attempt(call).pipe(
            Effect.tapError((failure) =>
              Effect.logDebug("Meta Graph attempt failed").pipe(
                Effect.annotateLogs({
                  endpoint: `${call.method} ${call.endpoint}`,
                  failure: failure._tag,
                  ...(failure._tag === "GraphFailure" || failure._tag === "HttpFailure"
                    ? { status: failure.status }
                    : {}),
                  ...(failure._tag === "GraphFailure" && failure.code !== undefined ? { code: failure.code } : {})
                })
              )
            ),
            Effect.retry({
              schedule: Schedule.exponential(retryBase).pipe(Schedule.jittered),
              times: retryTimes,
              while: retriable(call)
            }),
            Effect.mapError((failure) => toDomain(call, failure)),
            Effect.tapError((error) =>
              error._tag === "MetaRateLimited" ? recordMetaThrottle(providerOf(call.scope)) : Effect.void
            )
          )
        )
      )

    /**
     * Every item of a Graph list: follows `paging.next` by its `after` cursor (on our own URL and auth, never the URL
     * Meta returned) until Meta says there is no next page. Stops at MAX_PAGES, or when a cursor repeats, with a warning.
     */
    const paginate = <A>(call: Call<{ readonly data: ReadonlyArray<A>; readonly paging?: unknown }>) =>
      Stream.paginate({ after: undefined as string | undefined, page: 0, seen: new Set<string>() }, (state) =>
        Effect.gen(function* () {
          const params =
            state.after === undefined
              ? (call.urlParams ?? [])
              : [...(call.urlParams ?? []), ["after", state.after] as const]
          const result = yield* execute({ ...call, urlParams: params })
          const after = nextCursor(result.paging)
          if (after === undefined) return [result.data, Option.none()] as const
          if (state.page + 1 >= MAX_PAGES || state.seen.has(after)) {
            yield* Effect.logWarning("Meta Graph list truncated").pipe(
              Effect.annotateLogs({ endpoint: `${call.method} ${call.endpoint}`, pages: state.page + 1 })
            )
            return [result.data, Option.none()] as const
          }
          const seen = new Set(state.seen).add(after)
          return [result.data, Option.some({ after, page: state.page + 1, seen })] as const
        })
      ).pipe(Stream.runCollect)

    const traced =
      (name: string, endpoint: string) =>
      <A, E>(effect: Effect.Effect<A, E>): Effect.Effect<A, E> =>
        Effect.withSpan(effect, `MetaGraphHttp.${name}`, { attributes: { endpoint } })

    const bearer = (token: Redacted.Redacted<string>): Auth => ({ _tag: "Bearer", token })
    const id = (value: string) => encodeURIComponent(value)
    const WABA_SCOPE = "whatsapp_business_management"
    const MESSAGING_SCOPE = "whatsapp_business_messaging"

    const toExchanged = (body: typeof TokenResponse.Type): ExchangedToken => ({
      accessToken: Redacted.make(body.access_token),
      expiresIn: body.expires_in ?? null
    })

    const toPhoneNumber = (node: typeof PhoneNumberNode.Type): PhoneNumber => ({
      id: node.id,
      displayPhoneNumber: node.display_phone_number,
      verifiedName: node.verified_name ?? null,
      qualityRating: node.quality_rating ?? null,
      codeVerificationStatus: node.code_verification_status ?? null,
      nameStatus: node.name_status ?? null,
      platformType: node.platform_type ?? null,
      messagingLimit: node.whatsapp_business_manager_messaging_limit ?? null,
      throughputLevel: node.throughput?.level ?? null
    })

    const ensureSuccess = (endpoint: string) => (result: typeof SuccessResponse.Type) =>
      (typeof result === "boolean" ? result : result.success)
        ? Effect.void
        : Effect.fail(new MetaUnavailable({ detail: `Meta answered success: false (${endpoint})` }))

    /** `GET /oauth/access_token` with the app's credentials and `params`: `secret` (a code or a token) for a token. */
    const accessTokenCall = (
      name: string,
      params: ReadonlyArray<readonly [string, string | Redacted.Redacted<string>]>,
      scope: string,
      secret: Redacted.Redacted<string>
    ) =>
      execute({
        method: "GET",
        path: "/oauth/access_token",
        endpoint: "/oauth/access_token",
        auth: { _tag: "None" },
        urlParams: [["client_id", config.appId], ["client_secret", config.appSecret], ...params],
        schema: TokenResponse,
        scope,
        keys: [],
        idempotent: true,
        secrets: [secret, config.appSecret]
      }).pipe(Effect.map(toExchanged), traced(name, "GET /oauth/access_token"))

    const exchangeCode = (code: Redacted.Redacted<string>, redirectUri: string | null) =>
      accessTokenCall(
        "exchangeCode",
        [
          ["code", code],
          // A popup (FB.login) code is exchanged without redirect_uri (META_SPEC 2.1).
          ...(redirectUri === null ? [] : [["redirect_uri", redirectUri] as const])
        ],
        WABA_SCOPE,
        code
      )

    const exchangeLongLived = (
      token: Redacted.Redacted<string>,
      options?: { readonly businessToken60Days?: boolean }
    ) =>
      accessTokenCall(
        "exchangeLongLived",
        [
          ["grant_type", "fb_exchange_token"],
          ["fb_exchange_token", token],
          // A 60-day business token is renewed only with this flag (META_SPEC Corrections, community code).
          ...(options?.businessToken60Days === true ? [["set_token_expires_in_60_days", "true"] as const] : [])
        ],
        "business_management",
        token
      )

    const debugToken = (token: Redacted.Redacted<string>) =>
      execute({
        method: "GET",
        path: "/debug_token",
        endpoint: "/debug_token",
        auth: { _tag: "App" },
        urlParams: [["input_token", token]],
        schema: DebugTokenResponse,
        scope: WABA_SCOPE,
        keys: [],
        idempotent: true,
        secrets: [token, config.appSecret]
      }).pipe(
        Effect.map(
          ({ data }): TokenInfo => ({
            isValid: data.is_valid ?? false,
            appId: data.app_id ?? null,
            expiresAt: data.expires_at ?? 0,
            scopes: data.scopes ?? [],
            granularScopes: (data.granular_scopes ?? []).map((g) => ({
              scope: g.scope,
              targetIds: g.target_ids ?? []
            })),
            tokenType: data.type ?? null,
            dataAccessExpiresAt: data.data_access_expires_at ?? 0,
            userId: data.user_id ?? null,
            error:
              data.error === undefined || data.error === null
                ? null
                : scrub(data.error.message ?? "invalid token", [token, config.appSecret])
          })
        ),
        // Meta lets an app inspect only its own tokens: 100 "The App_id in the input_token did not match the Viewing App".
        Effect.catchTag("MetaUnavailable", (error) =>
          error.code === 100 && /did not match the viewing app/i.test(error.detail)
            ? Effect.succeed(OTHER_APP_TOKEN)
            : Effect.fail(error)
        ),
        // A top-level token error here is about the app token we sent, not the inspected one (META_SPEC Corrections).
        Effect.mapError((error) =>
          error._tag === "MetaTokenInvalid" ? new MetaAppCredentialsInvalid({ detail: error.detail }) : error
        ),
        traced("debugToken", "GET /debug_token")
      )

    const listPhoneNumbers = (token: Redacted.Redacted<string>, wabaId: WabaId) =>
      paginate({
        method: "GET",
        path: `/${id(wabaId)}/phone_numbers`,
        endpoint: "/{waba-id}/phone_numbers",
        auth: bearer(token),
        urlParams: [["fields", PHONE_FIELDS]],
        schema: Page(PhoneNumberNode),
        scope: WABA_SCOPE,
        keys: [wabaId],
        idempotent: true,
        secrets: [token]
      }).pipe(
        Effect.map((nodes) => nodes.map(toPhoneNumber)),
        traced("listPhoneNumbers", "GET /{waba-id}/phone_numbers")
      )

    const getPhoneNumber = (token: Redacted.Redacted<string>, phoneNumberId: PhoneNumberId) =>
      execute({
        method: "GET",
        path: `/${id(phoneNumberId)}`,
        endpoint: "/{phone-number-id}",
        auth: bearer(token),
        urlParams: [["fields", PHONE_FIELDS]],
        schema: PhoneNumberNode,
        scope: WABA_SCOPE,
        keys: [phoneNumberId],
        idempotent: true,
        secrets: [token]
      }).pipe(Effect.map(toPhoneNumber), traced("getPhoneNumber", "GET /{phone-number-id}"))

    const appSubscription = () =>
      execute({
        method: "GET",
        path: `/${id(config.appId)}/subscriptions`,
        endpoint: "/{app-id}/subscriptions",
        auth: { _tag: "App" },
        schema: AppSubscriptionsResponse,
        scope: WABA_SCOPE,
        keys: [],
        idempotent: true,
        secrets: [config.appSecret]
      }).pipe(
        Effect.map((body): AppSubscription | null => {
          const found = body.data.find((s) => s.object === "whatsapp_business_account")
          if (found === undefined) return null
          return {
            callbackUrl: found.callback_url ?? null,
            active: found.active !== false,
            fields: (found.fields ?? []).map((f) => (typeof f === "string" ? f : f.name))
          }
        }),
        traced("appSubscription", "GET /{app-id}/subscriptions")
      )

    const subscribedApps = (method: "POST" | "DELETE", token: Redacted.Redacted<string>, wabaId: WabaId) =>
      execute({
        method,
        path: `/${id(wabaId)}/subscribed_apps`,
        endpoint: "/{waba-id}/subscribed_apps",
        auth: bearer(token),
        schema: SuccessResponse,
        scope: WABA_SCOPE,
        keys: [wabaId],
        idempotent: true,
        secrets: [token]
      }).pipe(Effect.flatMap(ensureSuccess(`${method} /{waba-id}/subscribed_apps`)))

    const wabaSubscribedApps = (token: Redacted.Redacted<string>, wabaId: WabaId) =>
      execute({
        method: "GET",
        path: `/${id(wabaId)}/subscribed_apps`,
        endpoint: "/{waba-id}/subscribed_apps",
        auth: bearer(token),
        schema: SubscribedAppsResponse,
        scope: WABA_SCOPE,
        keys: [wabaId],
        idempotent: true,
        secrets: [token]
      }).pipe(
        Effect.map((body) =>
          body.data.flatMap((s) =>
            s.whatsapp_business_api_data?.id
              ? [
                  {
                    appId: s.whatsapp_business_api_data.id,
                    overrideCallbackUrl:
                      s.override_callback_uri === undefined || s.override_callback_uri === ""
                        ? null
                        : s.override_callback_uri
                  }
                ]
              : []
          )
        ),
        traced("wabaSubscribedApps", "GET /{waba-id}/subscribed_apps")
      )

    const subscribeApp = (token: Redacted.Redacted<string>, wabaId: WabaId) =>
      subscribedApps("POST", token, wabaId).pipe(traced("subscribeApp", "POST /{waba-id}/subscribed_apps"))

    const unsubscribeApp = (token: Redacted.Redacted<string>, wabaId: WabaId) =>
      subscribedApps("DELETE", token, wabaId).pipe(traced("unsubscribeApp", "DELETE /{waba-id}/subscribed_apps"))

    /** Meta answers `{success:true}` again for an already-registered number with the same PIN. */
    const registerNumber = (
      token: Redacted.Redacted<string>,
      phoneNumberId: PhoneNumberId,
      pin: Redacted.Redacted<string>
    ) =>
      execute({
        method: "POST",
        path: `/${id(phoneNumberId)}/register`,
        endpoint: "/{phone-number-id}/register",
        auth: bearer(token),
        json: { messaging_product: "whatsapp", pin: Redacted.value(pin) },
        schema: SuccessResponse,
        scope: WABA_SCOPE,
        keys: [phoneNumberId],
        idempotent: true,
        secrets: [token, pin]
      }).pipe(
        Effect.flatMap(ensureSuccess("POST /{phone-number-id}/register")),
        Effect.catchTag(
          "MetaUnavailable",
          (error): Effect.Effect<never, MetaUnavailable | RegistrationPinMismatch | NumberNotVerified> =>
            Effect.fail(
              error.code === PIN_MISMATCH_CODE
                ? new RegistrationPinMismatch({})
                : error.code === NOT_VERIFIED_CODE
                  ? new NumberNotVerified({})
                  : error
            )
        ),
        traced("registerNumber", "POST /{phone-number-id}/register")
      )

    const revokePermissions = (token: Redacted.Redacted<string>) =>
      execute({
        method: "DELETE",
        path: "/me/permissions",
        endpoint: "/me/permissions",
        auth: bearer(token),
        schema: SuccessResponse,
        scope: "business_management",
        keys: [],
        idempotent: true,
        secrets: [token]
      }).pipe(
        Effect.flatMap(ensureSuccess("DELETE /me/permissions")),
        traced("revokePermissions", "DELETE /me/permissions")
      )

    /** `POST /{phone-number-id}/messages` to one person: `content` is the message's `type` and its object. */
    const postMessage = (
      name: string,
      token: Redacted.Redacted<string>,
      phoneNumberId: PhoneNumberId,
      to: string,
      content: Readonly<Record<string, unknown>>
    ) =>
      execute({
        method: "POST",
        path: `/${id(phoneNumberId)}/messages`,
        endpoint: "/{phone-number-id}/messages",
        auth: bearer(token),
        json: { messaging_product: "whatsapp", recipient_type: "individual", to, ...content },
        schema: MessageResponse,
        scope: MESSAGING_SCOPE,
        keys: [phoneNumberId],
        idempotent: false,
        secrets: [token]
      }).pipe(
        Effect.flatMap((body) => {
          const message = body.messages[0]
          if (message === undefined)
            return Effect.fail(
              new MetaUnavailable({ detail: "Meta returned no message id (POST /{phone-number-id}/messages)" })
            )
          const sent: SentMessage = { providerMessageId: message.id, waId: body.contacts?.[0]?.wa_id ?? null }
          return Effect.succeed(sent)
        }),
        traced(name, "POST /{phone-number-id}/messages")
      )

    const sendText = (token: Redacted.Redacted<string>, phoneNumberId: PhoneNumberId, to: string, text: string) =>
      postMessage("sendText", token, phoneNumberId, to, { type: "text", text: { body: text, preview_url: false } })

    const sendTemplate = (
      token: Redacted.Redacted<string>,
      phoneNumberId: PhoneNumberId,
      to: string,
      template: TemplateSend
    ) =>
      postMessage("sendTemplate", token, phoneNumberId, to, {
        type: "template",
        template: {
          name: template.name,
          language: { code: template.language },
          components: templateComponents(template)
        }
      })

    const listTemplates = (token: Redacted.Redacted<string>, wabaId: WabaId) =>
      paginate({
        method: "GET",
        path: `/${id(wabaId)}/message_templates`,
        endpoint: "/{waba-id}/message_templates",
        auth: bearer(token),
        urlParams: [
          ["fields", TEMPLATE_FIELDS],
          ["limit", "100"]
        ],
        schema: Page(TemplateNode),
        scope: WABA_SCOPE,
        keys: [wabaId],
        idempotent: true,
        secrets: [token]
      }).pipe(
        Effect.map((nodes) => nodes.map(toRemoteTemplate)),
        traced("listTemplates", "GET /{waba-id}/message_templates")
      )

    const createTemplate = (token: Redacted.Redacted<string>, wabaId: WabaId, template: NewTemplate) =>
      execute({
        method: "POST",
        path: `/${id(wabaId)}/message_templates`,
        endpoint: "/{waba-id}/message_templates",
        auth: bearer(token),
        json: {
          name: template.name,
          language: template.language,
          category: template.category,
          parameter_format: template.parameterFormat,
          components: [
            ...(template.headerText === null ? [] : [{ type: "HEADER", format: "TEXT", text: template.headerText }]),
            {
              type: "BODY",
              text: template.bodyText,
              ...(template.bodyExamples.length === 0
                ? {}
                : template.parameterFormat === "NAMED"
                  ? {
                      example: {
                        body_text_named_params: placeholdersOf(template.bodyText).map((name, i) => ({
                          param_name: name,
                          example: template.bodyExamples[i] ?? name
                        }))
                      }
                    }
                  : { example: { body_text: [template.bodyExamples] } })
            },
            ...(template.footerText === null ? [] : [{ type: "FOOTER", text: template.footerText }])
          ]
        },
        schema: CreatedTemplate,
        scope: WABA_SCOPE,
        keys: [wabaId],
        idempotent: false,
        secrets: [token]
      }).pipe(
        Effect.map((body) => ({
          templateId: body.id,
          status: body.status ?? "PENDING",
          category: body.category ?? template.category
        })),
        traced("createTemplate", "POST /{waba-id}/message_templates")
      )

    const deleteTemplate = (token: Redacted.Redacted<string>, wabaId: WabaId, name: string) =>
      execute({
        method: "DELETE",
        path: `/${id(wabaId)}/message_templates`,
        endpoint: "/{waba-id}/message_templates",
        auth: bearer(token),
        urlParams: [["name", name]],
        schema: SuccessResponse,
        scope: WABA_SCOPE,
        keys: [wabaId],
        idempotent: true,
        secrets: [token]
      }).pipe(
        Effect.flatMap(ensureSuccess("DELETE /{waba-id}/message_templates")),
        traced("deleteTemplate", "DELETE /{waba-id}/message_templates")
      )

    const me = (token: Redacted.Redacted<string>) =>
      execute({
        method: "GET",
        path: "/me",
        endpoint: "/me",
        auth: bearer(token),
        urlParams: [["fields", "id,name"]],
        schema: MeNode,
        scope: "business_management",
        keys: [],
        idempotent: true,
        secrets: [token]
      }).pipe(
        Effect.map((node) => ({ id: node.id, name: node.name ?? null })),
        traced("me", "GET /me")
      )

    const listBusinesses = (token: Redacted.Redacted<string>) =>
      paginate({
        method: "GET",
        path: "/me/businesses",
        endpoint: "/me/businesses",
        auth: bearer(token),
        urlParams: [["fields", "id,name"]],
        schema: Page(BusinessNode),
        scope: "business_management",
        keys: [],
        idempotent: true,
        secrets: [token]
      }).pipe(
        Effect.map((nodes) => nodes.map((node): Business => ({ id: node.id, name: node.name ?? "" }))),
        traced("listBusinesses", "GET /me/businesses")
      )

    const AD_ACCOUNT_FIELDS = "id,name,currency,account_status"
    const toAdAccount = (node: typeof AdAccountNode.Type): AdAccount => ({
      id: node.id,
      name: node.name ?? "",
      currency: node.currency ?? null,
      accountStatus: adAccountStatusOf(node.account_status)
    })
    const uniqueAccounts = (nodes: ReadonlyArray<typeof AdAccountNode.Type>): ReadonlyArray<AdAccount> => {
      const byId = new Map<string, AdAccount>()
      for (const node of nodes) if (!byId.has(node.id)) byId.set(node.id, toAdAccount(node))
      return [...byId.values()]
    }

    const adAccounts = (token: Redacted.Redacted<string>, businessId: string, edge: string) =>
      paginate({
        method: "GET",
        path: `/${id(businessId)}/${edge}`,
        endpoint: `/{business-id}/${edge}`,
        auth: bearer(token),
        urlParams: [["fields", AD_ACCOUNT_FIELDS]],
        schema: Page(AdAccountNode),
        scope: "ads_read",
        keys: [businessId],
        idempotent: true,
        secrets: [token]
      })

    const listAdAccounts = (token: Redacted.Redacted<string>, businessId: string) =>
      Effect.gen(function* () {
        const owned = yield* adAccounts(token, businessId, "owned_ad_accounts")
        const client = yield* adAccounts(token, businessId, "client_ad_accounts")
        return uniqueAccounts([...owned, ...client])
      }).pipe(traced("listAdAccounts", "GET /{business-id}/owned_ad_accounts|client_ad_accounts"))

    const listPersonalAdAccounts = (token: Redacted.Redacted<string>) =>
      paginate({
        method: "GET",
        path: "/me/adaccounts",
        endpoint: "/me/adaccounts",
        auth: bearer(token),
        urlParams: [["fields", AD_ACCOUNT_FIELDS]],
        schema: Page(AdAccountNode),
        scope: "ads_read",
        keys: [],
        idempotent: true,
        secrets: [token]
      }).pipe(Effect.map(uniqueAccounts), traced("listPersonalAdAccounts", "GET /me/adaccounts"))

    const getAdAccount = (token: Redacted.Redacted<string>, adAccountId: string) => {
      const actId = adAccountId.startsWith("act_") ? adAccountId : `act_${adAccountId}`
      return execute({
        method: "GET",
        path: `/${id(actId)}`,
        endpoint: "/act_{ad-account-id}",
        auth: bearer(token),
        urlParams: [["fields", "account_status,name,currency"]],
        schema: AdAccountNode,
        scope: "ads_read",
        keys: [actId],
        idempotent: true,
        secrets: [token]
      }).pipe(Effect.map(toAdAccount), traced("getAdAccount", "GET /act_{ad-account-id}"))
    }

    return MetaGraph.of(
      classified({
        exchangeCode,
        exchangeLongLived,
        debugToken,
        listPhoneNumbers,
        getPhoneNumber,
        appSubscription,
        wabaSubscribedApps,
        subscribeApp,
        unsubscribeApp,
        registerNumber,
        revokePermissions,
        sendText,
        sendTemplate,
        listTemplates,
        createTemplate,
        deleteTemplate,
        me,
        listBusinesses,
        listAdAccounts,
        listPersonalAdAccounts,
        getAdAccount
      })
    )
  })

const nextCursor = (paging: unknown): string | undefined => {
  const decoded = Schema.decodeUnknownOption(Paging)(paging)
  if (decoded._tag === "None") return undefined
  const { next, cursors } = decoded.value
  if (next === undefined || next === null || next === "") return undefined
  if (cursors?.after !== undefined && cursors.after !== null && cursors.after !== "") return cursors.after
  const fromNext = URL.canParse(next) ? new URL(next).searchParams.get("after") : null
  return fromNext === null || fromNext === "" ? undefined : fromNext
}

/** Meta's Graph API over `effect/http` (fetch): schema-decoded answers, domain errors, retries and throttling. */
export const MetaGraphHttp = (config: MetaGraphConfig): Layer.Layer<MetaGraph> =>
  Layer.effect(MetaGraph, make(config)).pipe(Layer.provide(FetchHttpClient.layer))
