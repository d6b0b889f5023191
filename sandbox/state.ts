import { newId } from "./ids.ts"
import { type SandboxTemplate, templatesOf } from "./templates.ts"

export const WHATSAPP_SCOPES = ["whatsapp_business_management", "whatsapp_business_messaging", "business_management"]
/** The Ads configuration's permissions (FLB configuration of type "User access token"). */
export const ADS_SCOPES = ["ads_management", "ads_read", "business_management"]
/** Meta's default page size of Graph lists (`limit` changes it, up to `MAX_PAGE_SIZE`). */
export const PAGE_SIZE = 25
export const MAX_PAGE_SIZE = 100

export interface AppSubscription {
  readonly object: string
  readonly callbackUrl: string
  readonly verifyToken: string
  readonly fields: ReadonlyArray<string>
}

export interface App {
  readonly id: string
  /** Changes with `POST /_sandbox/app/rotate-secret`, as when the secret is reset in the App Dashboard. */
  secret: string
  readonly name: string
  readonly redirectUris: ReadonlyArray<string>
  /** The Embedded Signup (WhatsApp) configuration: system user tokens with the WhatsApp permissions. */
  readonly configId: string | undefined
  /** The Meta Ads configuration (type "User access token"): user tokens with `ADS_SCOPES`. */
  readonly adsConfigId: string
  /**
   * The permissions each configuration grants (App Dashboard > Facebook Login for Business > Configurations);
   * `POST /_sandbox/app/configuration` edits them, as an operator editing the configuration would.
   */
  readonly configurationScopes: { whatsapp: Array<string>; ads: Array<string> }
  /** The tech provider's own business portfolio (entry.id of PARTNER_* account_update events). */
  readonly partnerBusinessId: string
  subscription: AppSubscription | null
}

export interface AdAccount {
  readonly accountId: string
  readonly name: string
  readonly currency: string
  /** Meta's `account_status` (1 active, 2 disabled, 3 unsettled...); `POST /_sandbox/ad-account-status` sets it. */
  accountStatus: number
}

export interface Business {
  readonly id: string
  readonly name: string
  readonly ownedAdAccounts: Array<AdAccount>
  readonly clientAdAccounts: Array<AdAccount>
}

export interface WabaSubscription {
  readonly appId: string
  overrideCallbackUri: string | null
}

export interface Waba {
  readonly id: string
  readonly name: string
  readonly businessId: string
  readonly currency: string
  readonly timezoneId: string
  readonly subscriptions: Array<WabaSubscription>
  /** Set by `account_update` controls: a DISABLE ban (until REINSTATE) and the restrictions in force. */
  disabled?: boolean
  restrictions?: Array<{ readonly type: string; readonly untilMs: number | null }>
  /** Its message templates (`sandbox/templates.ts`); absent in a snapshot saved before templates existed. */
  templates?: Array<SandboxTemplate>
}

export interface PhoneNumber {
  readonly id: string
  readonly wabaId: string
  /** E.164 digits without "+", e.g. "15550101234". */
  readonly digits: string
  readonly verifiedName: string
  qualityRating: string
  /** `whatsapp_business_manager_messaging_limit`: `TIER_250` … `TIER_UNLIMITED`. */
  messagingLimit: string
  codeVerificationStatus: string
  nameStatus: string
  registered: boolean
  pin: string | null
  lastOnboardedAtMs: number
}

export interface User {
  readonly id: string
  readonly name: string
  readonly businessIds: ReadonlyArray<string>
  /** Ad accounts the person owns outside any business (`/me/adaccounts` lists them with those assigned to them). */
  readonly personalAdAccounts: Array<AdAccount>
  /** Business ad accounts the person is assigned to (also in `/me/adaccounts`). */
  readonly assignedAdAccountIds: Array<string>
}

export interface GranularScope {
  readonly scope: string
  readonly targetIds: ReadonlyArray<string>
}

export interface Grant {
  readonly scopes: ReadonlyArray<string>
  readonly granular: ReadonlyArray<GranularScope>
}

export type TokenKind = "SYSTEM_USER" | "USER"

export interface OAuthCode {
  readonly code: string
  readonly appId: string
  readonly redirectUri: string
  readonly userId: string
  readonly kind: TokenKind
  readonly grant: Grant
  readonly createdAtMs: number
  /** Issued to the JS SDK (FB.login popup): exchanged without a redirect_uri, or with an empty one. */
  readonly popup?: boolean
  used: boolean
}

export interface Token {
  readonly token: string
  readonly appId: string
  readonly kind: TokenKind
  /** The person (USER) or the business integration system user (SYSTEM_USER). */
  readonly subjectId: string
  readonly userId: string
  readonly clientBusinessId: string | null
  readonly issuedAtMs: number
  /** 0 = never expires. */
  readonly expiresAtMs: number
  /** Long-lived user tokens come from `fb_exchange_token`; system user tokens are always long-lived. */
  readonly longLived: boolean
  /**
   * User tokens: until when the app may read the person's data, 90 days from their login; renewing the token
   * (`fb_exchange_token`) keeps it, only a new login extends it. 0 for system users.
   */
  readonly dataAccessExpiresAtMs: number
  scopes: Array<string>
  granular: Array<GranularScope>
  revoked: { readonly code: number; readonly subcode: number; readonly message: string } | null
}

export interface FailingRecipient {
  readonly code: number
  readonly title: string
  readonly message: string
  readonly details: string
}

export interface SentMessageRecord {
  readonly wamid: string
  readonly phoneNumberId: string
  readonly to: string
  readonly type: string
  readonly atMs: number
  readonly tokenKind: TokenKind
  /** The media id an image, document, audio, video or sticker send named. */
  readonly mediaId?: string
}

export interface SandboxMedia {
  readonly id: string
  readonly phoneNumberId: string
  readonly mimeType: string
  /** Hex SHA-256 of the bytes (as `GET /{media-id}` reports it). */
  readonly sha256: string
  readonly fileSize: number
  readonly base64: string
  readonly filename: string | null
  readonly createdAtMs: number
}

export interface SandboxConfig {
  tokenExpiresIn60Days: boolean
  duplicateDeliveries: boolean
  outOfOrderDeliveries: boolean
  /** When true, free-form messages outside the 24-hour customer service window fail with 131047. Default true, as Meta. */
  enforceServiceWindow: boolean
  /**
   * The app's "Require App Secret" setting (App Dashboard > Settings > Advanced): every call with a user or system
   * user token must carry `appsecret_proof`. Default true, as in production apps.
   */
  requireAppSecretProof: boolean
  /**
   * Embedded Signup's business tokens come from a full-access system user: `debug_token` lists their granular scopes
   * without `target_ids` (Meta's `/docs/whatsapp/permissions`; META_SPEC Corrections, "BISU token shape"); the token
   * still reads the WABAs it was granted. Default false.
   */
  fullAccessSystemUsers: boolean
  /**
   * After a send only `sent` is delivered; `delivered` and `read` wait in `heldStatuses` until
   * `POST /_sandbox/statuses/release` (a recipient whose phone is off, then back). Default false.
   */
  holdStatuses: boolean
}

/** A status webhook the sandbox holds back (`holdStatuses`). */
export interface HeldStatus {
  readonly phoneNumberId: string
  readonly wamid: string
  readonly waId: string
  readonly status: "delivered" | "read"
  readonly pricingCategory: string
}

/** Another Meta app (not the sandbox's): its tokens are not ours to inspect, and its secret is not ours. */
export interface OtherApp {
  readonly id: string
  readonly secret: string
}

export interface State {
  readonly app: App
  readonly users: Map<string, User>
  readonly businesses: Map<string, Business>
  readonly wabas: Map<string, Waba>
  readonly numbers: Map<string, PhoneNumber>
  readonly codes: Map<string, OAuthCode>
  readonly tokens: Map<string, Token>
  readonly failingRecipients: Map<string, FailingRecipient>
  /** `${phoneNumberId}:${waId}` → ms of the last inbound message (customer service window). */
  readonly lastInbound: Map<string, number>
  /**
   * `${phoneNumberId}:${waId}` → the contact's free entry point: when they wrote from a Click-to-WhatsApp ad or
   * post (`referralAtMs`), and once the business replied within the 24-hour window, the window that reply opened
   * (id, closing ms). Pricing only: free-form sends still follow the 24-hour window.
   */
  readonly entryPoints: Map<string, { referralAtMs: number; window?: { id: string; closesAtMs: number } }>
  readonly sentMessages: Array<SentMessageRecord>
  /** Media by id: what customers sent (inbound messages) and what businesses uploaded (`POST /{number}/media`). */
  readonly media: Map<string, SandboxMedia>
  /** Statuses held back while `config.holdStatuses` is on, oldest first. */
  readonly heldStatuses: Array<HeldStatus>
  /** How many media downloads still fail (`POST /_sandbox/media/fail-next`). */
  mediaFailNext: number
  readonly config: SandboxConfig
  /** Apps other than `app`, whose tokens `POST /_sandbox/tokens` can mint (a token pasted from another app). */
  readonly otherApps: Map<string, OtherApp>
  readonly seedUserId: string
  readonly seedBusinessId: string
  seedWabaId: string
  /** Ids of system users per (app, client business). */
  readonly systemUsers: Map<string, string>
  phoneSeq: number
}

export interface SeedApp {
  readonly id: string
  readonly secret: string
  readonly redirectUris: ReadonlyArray<string>
  readonly configId?: string | undefined
  /** Default `SANDBOX_ADS_CONFIG_ID`. */
  readonly adsConfigId?: string | undefined
}

/** The sandbox app's Meta Ads configuration id unless the seed names another. */
export const SANDBOX_ADS_CONFIG_ID = "sandbox-meta-ads"

export const displayPhoneNumber = (digits: string): string => {
  // +1 555-010-1234 for NANP numbers; a plain "+digits" otherwise.
  if (digits.length === 11 && digits.startsWith("1"))
    return `+1 ${digits.slice(1, 4)}-${digits.slice(4, 7)}-${digits.slice(7)}`
  return `+${digits}`
}

export const nextPhoneDigits = (state: State): string => {
  state.phoneSeq += 1
  return `1555010${String(1000 + state.phoneSeq).padStart(4, "0")}`
}

export const addPhoneNumber = (
  state: State,
  wabaId: string,
  nowMs: number,
  options: {
    verifiedName?: string
    nameStatus?: string
    registered?: boolean
    verified?: boolean
    /** A two-step verification PIN set before the number came to the app (another provider, WhatsApp Manager). */
    pin?: string
  } = {}
): PhoneNumber => {
  const number: PhoneNumber = {
    id: newId(15),
    wabaId,
    digits: nextPhoneDigits(state),
    verifiedName: options.verifiedName ?? "Sandbox Shop",
    qualityRating: "GREEN",
    messagingLimit: "TIER_2K",
    codeVerificationStatus: options.verified === false ? "NOT_VERIFIED" : "VERIFIED",
    nameStatus: options.nameStatus ?? "APPROVED",
    registered: options.registered ?? false,
    pin: options.pin ?? null,
    lastOnboardedAtMs: nowMs
  }
  state.numbers.set(number.id, number)
  return number
}

export const addWaba = (state: State, businessId: string, name: string): Waba => {
  const waba: Waba = {
    id: newId(15),
    name,
    businessId,
    currency: "USD",
    timezoneId: "1",
    subscriptions: []
  }
  templatesOf(waba)
  state.wabas.set(waba.id, waba)
  return waba
}

const adAccount = (name: string, currency: string, accountStatus = 1): AdAccount => ({
  accountId: newId(15),
  name,
  currency,
  accountStatus
})

/** Meta's account_status values, spread over the agency's accounts (1 active, 2 disabled, 3 unsettled, 7, 9, 101). */
const AGENCY_STATUSES = [1, 1, 1, 2, 3, 7, 9, 101]

/** The seed: one app, one person with one business portfolio holding one WABA with two numbers, plus ads data. */
export const createState = (seed: SeedApp, nowMs: number, subscription: AppSubscription | null): State => {
  const app: App = {
    id: seed.id,
    secret: seed.secret,
    name: "Sandbox App",
    redirectUris: [...seed.redirectUris],
    configId: seed.configId,
    adsConfigId: seed.adsConfigId ?? SANDBOX_ADS_CONFIG_ID,
    configurationScopes: { whatsapp: [...WHATSAPP_SCOPES], ads: [...ADS_SCOPES] },
    partnerBusinessId: newId(16),
    subscription
  }
  const business: Business = {
    id: newId(16),
    name: "Sandbox Business",
    ownedAdAccounts: [adAccount("Sandbox Ads (USD)", "USD"), adAccount("Sandbox Ads (EUR)", "EUR")],
    clientAdAccounts: []
  }
  // More ad accounts than one page holds (PAGE_SIZE): lists must be followed by their cursor.
  const agency: Business = {
    id: newId(16),
    name: "Sandbox Agency Client",
    ownedAdAccounts: [],
    clientAdAccounts: [
      adAccount("Client Campaigns", "GBP"),
      ...Array.from({ length: PAGE_SIZE + 2 }, (_, i) =>
        adAccount(`Agency Client ${String(i + 1).padStart(2, "0")}`, "USD", AGENCY_STATUSES[i % AGENCY_STATUSES.length])
      )
    ]
  }
  const owned = business.ownedAdAccounts
  const user: User = {
    id: newId(16),
    name: "Sandbox User",
    businessIds: [business.id, agency.id],
    personalAdAccounts: [adAccount("Sandbox User (personal)", "USD")],
    // Assigned to the business's first account: /me/adaccounts lists it too (the service must deduplicate).
    assignedAdAccountIds: [owned[0]!.accountId]
  }
  const state: State = {
    app,
    users: new Map([[user.id, user]]),
    businesses: new Map([
      [business.id, business],
      [agency.id, agency]
    ]),
    wabas: new Map(),
    numbers: new Map(),
    codes: new Map(),
    tokens: new Map(),
    failingRecipients: new Map(),
    lastInbound: new Map(),
    entryPoints: new Map(),
    sentMessages: [],
    media: new Map(),
    heldStatuses: [],
    mediaFailNext: 0,
    config: {
      tokenExpiresIn60Days: false,
      duplicateDeliveries: false,
      outOfOrderDeliveries: false,
      enforceServiceWindow: true,
      requireAppSecretProof: true,
      fullAccessSystemUsers: false,
      holdStatuses: false
    },
    otherApps: new Map(),
    seedUserId: user.id,
    seedBusinessId: business.id,
    seedWabaId: "",
    systemUsers: new Map(),
    phoneSeq: 233
  }
  const waba = addWaba(state, business.id, "Sandbox Business WABA")
  addPhoneNumber(state, waba.id, nowMs - 86_400_000, { verifiedName: "Sandbox Shop", registered: true })
  // Both seed numbers are verified (the browser suite connects "Sandbox Support"); an unverified number is seeded
  // with `POST /_sandbox/seed/phone-number {"verified": false}`.
  addPhoneNumber(state, waba.id, nowMs - 2 * 86_400_000, {
    verifiedName: "Sandbox Support",
    nameStatus: "AVAILABLE_WITHOUT_REVIEW"
  })
  state.seedWabaId = waba.id
  return state
}

export const numbersOfWaba = (state: State, wabaId: string): Array<PhoneNumber> =>
  [...state.numbers.values()]
    .filter((n) => n.wabaId === wabaId)
    .sort((a, b) => b.lastOnboardedAtMs - a.lastOnboardedAtMs)

export const targetsOf = (
  grant: { readonly granular: ReadonlyArray<GranularScope> },
  scope: string
): ReadonlyArray<string> => grant.granular.find((g) => g.scope === scope)?.targetIds ?? []

/**
 * The `wa_id` WhatsApp gives a number, as the send response's `contacts[0].wa_id` and inbound `from` carry it:
 * digits only; Brazil's mobile ninth digit dropped (`55` + 2-digit area + `9` + 8 digits → without the 9) and
 * Mexico's mobile `1` dropped (`521` + 10 digits → `52` + 10 digits). Chatwoot #5840 / PR #6222 document both.
 */
export const waIdOf = (typed: string): string => {
  const digits = typed.replace(/\D/g, "")
  const brazil = /^55(\d{2})9(\d{8})$/.exec(digits)
  if (brazil !== null) return `55${brazil[1]}${brazil[2]}`
  const mexico = /^521(\d{10})$/.exec(digits)
  if (mexico !== null) return `52${mexico[1]}`
  return digits
}
