import { Context, type Effect, type Redacted } from "effect"
import type { AdAccountStatus } from "../../domain/AdAccountStatus.ts"
import type * as Errors from "../../domain/Errors.ts"
import type { PhoneNumberId, WabaId } from "../../domain/Ids.ts"
import type { HeaderKind, MessageTemplate, TemplateParameters } from "../../domain/MessageTemplate.ts"

/** Every way a Graph call can fail, as the domain names it. */
export type MetaGraphError =
  | Errors.MetaTokenInvalid
  | Errors.MetaPermissionMissing
  | Errors.MetaRateLimited
  | Errors.MetaUnavailable

export type AccessToken = Redacted.Redacted<string>

export interface ExchangedToken {
  readonly accessToken: AccessToken
  /** Seconds until expiry; absent for tokens that never expire. */
  readonly expiresIn: number | null
}

export interface TokenInfo {
  readonly isValid: boolean
  /** The app the token was issued to; null when Meta did not say. */
  readonly appId: string | null
  /** Meta refused to inspect the token because another app issued it (then `isValid` is false, `appId` null). */
  readonly otherApp?: boolean
  /** Epoch seconds; 0 means the token never expires. */
  readonly expiresAt: number
  readonly scopes: ReadonlyArray<string>
  readonly granularScopes: ReadonlyArray<{ readonly scope: string; readonly targetIds: ReadonlyArray<string> }>
  readonly error: string | null
  /** `USER`, `SYSTEM_USER` (what Embedded Signup yields), `PAGE`, `APP`; null when Meta did not say. */
  readonly tokenType?: string | null
  /**
   * Epoch seconds until which the app may read the person's data (`data_access_expires_at`, 90 days after their
   * last login for user tokens); 0 or absent when Meta did not say or it does not apply.
   */
  readonly dataAccessExpiresAt?: number
  /** The person (or system user) the token speaks for; null or absent when Meta did not say. */
  readonly userId?: string | null
}

/** What `debugToken` answers for a token another Meta app issued: Meta refuses to inspect it (no app id, no scopes). */
export const OTHER_APP_TOKEN: TokenInfo = {
  isValid: false,
  appId: null,
  otherApp: true,
  expiresAt: 0,
  scopes: [],
  granularScopes: [],
  error: "the token was issued to another app"
}

export interface PhoneNumber {
  readonly id: PhoneNumberId
  readonly displayPhoneNumber: string
  readonly verifiedName: string | null
  readonly qualityRating: string | null
  readonly codeVerificationStatus: string | null
  readonly nameStatus: string | null
  /** `CLOUD_API` once the number is registered for Cloud API (`NOT_APPLICABLE` before). */
  readonly platformType?: string | null
  /** The portfolio's messaging limit (`whatsapp_business_manager_messaging_limit`, e.g. `TIER_2K`); null when Meta did not say. */
  readonly messagingLimit?: string | null
  /** `throughput.level` (`STANDARD`, `HIGH`, `NOT_APPLICABLE`); null when Meta did not say. */
  readonly throughputLevel?: string | null
}

export interface SentMessage {
  readonly providerMessageId: string
  readonly waId: string | null
}

/** The app's `whatsapp_business_account` webhook subscription (App Dashboard > Webhooks, or `/{app-id}/subscriptions`). */
export interface AppSubscription {
  readonly callbackUrl: string | null
  readonly active: boolean
  readonly fields: ReadonlyArray<string>
}

/** An app subscribed to a WABA's webhooks; `overrideCallbackUrl`: the WABA's alternate callback for that app, if set. */
export interface SubscribedApp {
  readonly appId: string
  readonly overrideCallbackUrl: string | null
}

export interface Business {
  readonly id: string
  readonly name: string
}

export interface AdAccount {
  /** `act_…` */
  readonly id: string
  readonly name: string
  readonly currency: string | null
  /** Meta's `account_status`, in the domain's words; null when Meta did not say. */
  readonly accountStatus: AdAccountStatus | null
}

/** A template as Meta lists it (`GET /{waba-id}/message_templates`), in the domain's words. */
export type RemoteTemplate = Omit<MessageTemplate, "wabaId" | "updatedAt">

/** A template to submit for review (`POST /{waba-id}/message_templates`): a text header, a body and a footer. */
export interface NewTemplate {
  readonly name: string
  readonly language: string
  readonly category: string
  readonly parameterFormat: "POSITIONAL" | "NAMED"
  readonly headerText: string | null
  readonly bodyText: string
  readonly footerText: string | null
  /** One example value per body placeholder (Meta requires examples for review). */
  readonly bodyExamples: ReadonlyArray<string>
}

/** A template send (`type: template`), its values already checked against the template. */
export interface TemplateSend {
  readonly name: string
  readonly language: string
  readonly headerKind: HeaderKind
  readonly parameters: TemplateParameters
}

/** Meta's Graph API, as the use cases need it. Tokens go in as `Redacted` and never come out in errors. */
export class MetaGraph extends Context.Service<
  MetaGraph,
  {
    /**
     * `GET /oauth/access_token` with the code: a redirect dialog's code with the byte-identical redirect URI, a JS SDK
     * popup's code (`FB.login`) with none (`null`).
     */
    exchangeCode(
      code: Redacted.Redacted<string>,
      redirectUri: string | null
    ): Effect.Effect<ExchangedToken, MetaGraphError>
    /**
     * `GET /oauth/access_token?grant_type=fb_exchange_token`: a long-lived (about 60 days) user token, or with
     * `businessToken60Days` (`set_token_expires_in_60_days=true`) a new 60-day business (system user) token for one
     * that has not expired yet (META_SPEC Corrections, "60-day business tokens").
     */
    exchangeLongLived(
      token: AccessToken,
      options?: { readonly businessToken60Days?: boolean }
    ): Effect.Effect<ExchangedToken, MetaGraphError>
    /**
     * `GET /debug_token` with the app token: validity, app, expiry and granular scopes of a token. A token of
     * another app is not an error: `otherApp` says so. Only `isValid`/`error` speak about the inspected token;
     * `MetaAppCredentialsInvalid` means Meta refused our app token.
     */
    debugToken(token: AccessToken): Effect.Effect<TokenInfo, MetaGraphError | Errors.MetaAppCredentialsInvalid>
    listPhoneNumbers(token: AccessToken, wabaId: WabaId): Effect.Effect<ReadonlyArray<PhoneNumber>, MetaGraphError>
    getPhoneNumber(token: AccessToken, phoneNumberId: PhoneNumberId): Effect.Effect<PhoneNumber, MetaGraphError>
    /**
     * `GET /{app-id}/subscriptions` with the app token: the app's `whatsapp_business_account` subscription, or null.
     * Read only: the callback is the app's, shared by every environment using it, so we never write it.
     */
    appSubscription(): Effect.Effect<AppSubscription | null, MetaGraphError>
    /**
     * `GET /{waba-id}/subscribed_apps`: the apps subscribed to the WABA's webhooks, each with the WABA's override
     * callback for it (`override_callback_uri`) when one is set.
     */
    wabaSubscribedApps(token: AccessToken, wabaId: WabaId): Effect.Effect<ReadonlyArray<SubscribedApp>, MetaGraphError>
    subscribeApp(token: AccessToken, wabaId: WabaId): Effect.Effect<void, MetaGraphError>
    unsubscribeApp(token: AccessToken, wabaId: WabaId): Effect.Effect<void, MetaGraphError>
    /**
     * Registers a number for Cloud API; "already registered" is success. `RegistrationPinMismatch`: the number has a
     * two-step verification PIN and `pin` is not it; `NumberNotVerified`: the number's ownership is not verified.
     */
    registerNumber(
      token: AccessToken,
      phoneNumberId: PhoneNumberId,
      pin: Redacted.Redacted<string>
    ): Effect.Effect<void, MetaGraphError | Errors.RegistrationPinMismatch | Errors.NumberNotVerified>
    revokePermissions(token: AccessToken): Effect.Effect<void, MetaGraphError>
    sendText(
      token: AccessToken,
      phoneNumberId: PhoneNumberId,
      to: string,
      text: string
    ): Effect.Effect<SentMessage, MetaGraphError | Errors.MessageRejected>
    /** A template message; Meta's template refusals come back as `MessageRejected` with a `template_*` reason. */
    sendTemplate(
      token: AccessToken,
      phoneNumberId: PhoneNumberId,
      to: string,
      template: TemplateSend
    ): Effect.Effect<SentMessage, MetaGraphError | Errors.MessageRejected>
    /** Every template of the WABA, page by page to the end. */
    listTemplates(token: AccessToken, wabaId: WabaId): Effect.Effect<ReadonlyArray<RemoteTemplate>, MetaGraphError>
    /** Submits a template for review: Meta answers its id and status (PENDING, or APPROVED for some categories). */
    createTemplate(
      token: AccessToken,
      wabaId: WabaId,
      template: NewTemplate
    ): Effect.Effect<
      { readonly templateId: string; readonly status: string; readonly category: string },
      MetaGraphError
    >
    /** Deletes a template name (every language). */
    deleteTemplate(token: AccessToken, wabaId: WabaId, name: string): Effect.Effect<void, MetaGraphError>
    me(token: AccessToken): Effect.Effect<{ readonly id: string; readonly name: string | null }, MetaGraphError>
    listBusinesses(token: AccessToken): Effect.Effect<ReadonlyArray<Business>, MetaGraphError>
    /**
     * A business's ad accounts: `owned_ad_accounts` then `client_ad_accounts`, each followed page by page to the end,
     * deduplicated.
     */
    listAdAccounts(token: AccessToken, businessId: string): Effect.Effect<ReadonlyArray<AdAccount>, MetaGraphError>
    /** `GET /me/adaccounts`, every page: the ad accounts the person can use themselves (personal and assigned). */
    listPersonalAdAccounts(token: AccessToken): Effect.Effect<ReadonlyArray<AdAccount>, MetaGraphError>
    /** `GET /act_{id}?fields=account_status,name,currency`: one ad account, read with the token. */
    getAdAccount(token: AccessToken, adAccountId: string): Effect.Effect<AdAccount, MetaGraphError>
  }
>()("app/application/ports/MetaGraph") {}
