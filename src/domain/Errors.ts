import { Schema } from "effect"
import type * as Errors from "./Errors.ts"

/** Another tenant holds this number (in any status but `revoked`). */
export class NumberAlreadyConnected extends Schema.TaggedError<NumberAlreadyConnected>()("NumberAlreadyConnected", {
  phoneNumberId: Schema.String
}) {
  override get message() {
    return "This number is already connected to another workspace."
  }
}

export class OAuthStateNotFound extends Schema.TaggedError<OAuthStateNotFound>()("OAuthStateNotFound", {}) {
  override get message() {
    return "This connection attempt is unknown. Start again."
  }
}

export class OAuthStateExpired extends Schema.TaggedError<OAuthStateExpired>()("OAuthStateExpired", {}) {
  override get message() {
    return "This connection attempt has expired. Start again."
  }
}

export class OAuthStateAlreadyUsed extends Schema.TaggedError<OAuthStateAlreadyUsed>()("OAuthStateAlreadyUsed", {}) {
  override get message() {
    return "This connection attempt was already completed. Start again."
  }
}

/** The callback came to a browser other than the one that started the connection (the state cookie differs). */
export class OAuthStateMismatch extends Schema.TaggedError<OAuthStateMismatch>()("OAuthStateMismatch", {}) {
  override get message() {
    return "This connection was started in another browser. Start again here."
  }
}

/** The person cancelled the Meta dialog or declined permissions there. */
export class OAuthCancelled extends Schema.TaggedError<OAuthCancelled>()("OAuthCancelled", {
  reason: Schema.String
}) {
  override get message() {
    return "Connection cancelled or failed. Try again."
  }
}

/** A permission the connection needs was not granted (or was removed) at Meta. */
export class MetaPermissionMissing extends Schema.TaggedError<MetaPermissionMissing>()("MetaPermissionMissing", {
  permissions: Schema.Array(Schema.String)
}) {
  override get message() {
    return `Meta did not grant the permission${this.permissions.length === 1 ? "" : "s"} ${this.permissions.join(", ")}.`
  }
}

/** Meta says the token is invalid, expired or revoked (the Graph adapter decides which of Meta's errors say so). */
export class MetaTokenInvalid extends Schema.TaggedError<MetaTokenInvalid>()("MetaTokenInvalid", {
  code: Schema.optional(Schema.Number),
  detail: Schema.String
}) {
  override get message() {
    return `Meta no longer accepts this connection's access token (${this.detail}). Reconnect.`
  }
}

/**
 * The token was issued to another Meta app: that app receives its webhooks, so nothing would ever reach us.
 * `tokenAppId` is null when Meta did not say which app (it refuses to inspect another app's token).
 */
export class MetaTokenAppMismatch extends Schema.TaggedError<MetaTokenAppMismatch>()("MetaTokenAppMismatch", {
  expectedAppId: Schema.String,
  tokenAppId: Schema.NullOr(Schema.String)
}) {
  override get message() {
    const which = this.tokenAppId === null ? "another Meta app" : `another Meta app (${this.tokenAppId})`
    return `This access token belongs to ${which}, not to this service's app ${this.expectedAppId}: its webhooks would never reach this service. Use a token issued to app ${this.expectedAppId}.`
  }
}

/** Meta is throttling this app or account. */
export class MetaRateLimited extends Schema.TaggedError<MetaRateLimited>()("MetaRateLimited", {
  code: Schema.Number,
  retryAfterSeconds: Schema.optional(Schema.Number)
}) {
  override get message() {
    return `Meta is rate limiting requests (code ${this.code}). Try again later.`
  }
}

/**
 * Meta answered with an error we cannot act on, a 5xx, or did not answer in time. `reason` is `invalid_request` when
 * Meta refused the request itself as malformed or naming something the caller cannot reach (the Graph adapter
 * decides); absent otherwise.
 */
export class MetaUnavailable extends Schema.TaggedError<MetaUnavailable>()("MetaUnavailable", {
  code: Schema.optional(Schema.Number),
  detail: Schema.String,
  reason: Schema.optional(Schema.Literals(["invalid_request"]))
}) {
  override get message() {
    return `Meta could not complete the request: ${this.detail}`
  }
}

/** The login granted no WhatsApp number we could connect. */
/**
 * The WABA or number the browser's session info named is not one the login's token can read (or the number is not
 * in that WABA): the ids are hints from the browser, never trusted on their own. Nothing is stored.
 */
export class SessionMismatch extends Schema.TaggedError<SessionMismatch>()("SessionMismatch", {
  detail: Schema.String
}) {
  override get message() {
    return "The WhatsApp account or number chosen in Meta's dialog was not shared with this app. Try again."
  }
}

export class NoPhoneNumberGranted extends Schema.TaggedError<NoPhoneNumberGranted>()("NoPhoneNumberGranted", {}) {
  override get message() {
    return "No WhatsApp phone number was shared during the Meta login."
  }
}

export class ConnectionNotFound extends Schema.TaggedError<ConnectionNotFound>()("ConnectionNotFound", {}) {
  override get message() {
    return "There is no such connection in this workspace."
  }
}

export class ConversationNotFound extends Schema.TaggedError<ConversationNotFound>()("ConversationNotFound", {}) {
  override get message() {
    return "There is no such conversation in this workspace."
  }
}

/** The tenant's connection is not `active`, so nothing may be sent. */
export class NotConnected extends Schema.TaggedError<NotConnected>()("NotConnected", {
  status: Schema.String
}) {
  override get message() {
    return this.status === "not_connected"
      ? "WhatsApp is not connected."
      : `WhatsApp is not connected (the connection is ${this.status}).`
  }
}

/**
 * Meta restricted this WhatsApp Business Account from sending this kind of message (`account_update`
 * ACCOUNT_RESTRICTION); nothing was sent. `until` is when the restriction expires (ISO), null when Meta gave no end.
 */
export class SendingRestricted extends Schema.TaggedError<SendingRestricted>()("SendingRestricted", {
  restrictionType: Schema.String,
  until: Schema.NullOr(Schema.String)
}) {
  override get message() {
    return this.until === null
      ? `Meta restricted this WhatsApp Business Account from sending (${this.restrictionType}).`
      : `Meta restricted this WhatsApp Business Account from sending (${this.restrictionType}) until ${this.until}.`
  }
}

/** A message that cannot be sent as asked (recipient or text out of bounds). */
export class InvalidMessage extends Schema.TaggedError<InvalidMessage>()("InvalidMessage", {
  detail: Schema.String
}) {
  override get message() {
    return this.detail
  }
}

/** Why Meta refused a message, in the domain's words (the Graph adapter classifies Meta's errors into these). */
export const RejectionReason = Schema.Literals([
  "recipient_unreachable",
  "reply_window_closed",
  "ecosystem_protection",
  "marketing_opt_out",
  "unsupported_type",
  "pair_rate_limited",
  "number_not_registered",
  "account_restricted",
  "invalid_recipient",
  "template_not_found",
  "template_parameters_mismatch",
  "template_parameter_format",
  "template_paused",
  "template_disabled"
])
export type RejectionReason = typeof RejectionReason.Type

/** What a person reads for each reason. */
export const REJECTION_TEXT: Readonly<Record<RejectionReason, string>> = {
  recipient_unreachable: "Message undeliverable: the recipient cannot receive WhatsApp messages from this number.",
  reply_window_closed:
    "More than 24 hours have passed since the customer last replied: only a template message can be sent now.",
  ecosystem_protection: "Meta did not deliver this message to keep the ecosystem healthy; try again later.",
  marketing_opt_out: "The customer opted out of marketing messages from this business.",
  unsupported_type: "This message type is not supported.",
  pair_rate_limited: "Too many messages to this customer too fast; try again shortly.",
  number_not_registered: "This phone number is not registered with WhatsApp Cloud API.",
  account_restricted: "This WhatsApp Business Account is restricted or disabled.",
  invalid_recipient: "Meta refused the request: check the recipient's number.",
  template_not_found:
    "WhatsApp has no approved template of that name in that language: sync the templates and pick an approved one.",
  template_parameters_mismatch:
    "The number of values does not match the template's placeholders at WhatsApp: sync the templates and fill in each one.",
  template_parameter_format:
    "The values do not match the template's format at WhatsApp (named or numbered placeholders, or the header's media).",
  template_paused: "WhatsApp paused this template for its quality: pick another template or wait until it is resumed.",
  template_disabled: "WhatsApp disabled this template: pick another template."
}

/**
 * Meta refused a send (outside the 24-hour window, an invalid recipient, a paused number...): `reason` says why,
 * `retryable` whether the same message may go later, `code` is Meta's, kept for the record.
 */
export class MessageRejected extends Schema.TaggedError<MessageRejected>()("MessageRejected", {
  reason: RejectionReason,
  code: Schema.optional(Schema.Number),
  retryable: Schema.Boolean,
  /** Meta's own words, for the logs. */
  detail: Schema.String
}) {
  override get message() {
    return REJECTION_TEXT[this.reason]
  }
}

export class InvalidWebhookSignature extends Schema.TaggedError<InvalidWebhookSignature>()(
  "InvalidWebhookSignature",
  {}
) {
  override get message() {
    return "The webhook signature is missing or wrong."
  }
}

/** A signed webhook whose body is not the JSON Meta sends (empty, not UTF-8, not an object). */
export class InvalidWebhookPayload extends Schema.TaggedError<InvalidWebhookPayload>()("InvalidWebhookPayload", {
  detail: Schema.String
}) {
  override get message() {
    return `The webhook body is not valid: ${this.detail}`
  }
}

/** The signed-in user's role does not allow this action. */
export class Forbidden extends Schema.TaggedError<Forbidden>()("Forbidden", {
  action: Schema.String
}) {
  override get message() {
    return `You are not allowed to ${this.action}.`
  }
}

/** The operation belongs to a feature this deployment has turned off (e.g. Meta Ads without an Ads configuration). */
export class FeatureDisabled extends Schema.TaggedError<FeatureDisabled>()("FeatureDisabled", {
  action: Schema.String
}) {
  override get message() {
    return `You are not allowed to ${this.action} (disabled here).`
  }
}

/** A stored token could not be decrypted: wrong key, tampered data, or a ciphertext moved to another row. */
export class TokenDecryptionFailed extends Schema.TaggedError<TokenDecryptionFailed>()("TokenDecryptionFailed", {
  keyId: Schema.String
}) {
  override get message() {
    return `The stored token could not be decrypted (key ${this.keyId}).`
  }
}

/** The login shared no Business Manager with an ad account. */
export class NoAdAccountGranted extends Schema.TaggedError<NoAdAccountGranted>()("NoAdAccountGranted", {}) {
  override get message() {
    return "No ad account was shared during the Meta login: choose a Business Manager that has one."
  }
}

/** The Business Manager or ad account chosen is not one the login shared. */
export class AdAccountNotGranted extends Schema.TaggedError<AdAccountNotGranted>()("AdAccountNotGranted", {
  businessManagerId: Schema.String,
  adAccountId: Schema.String
}) {
  override get message() {
    return `The ad account ${this.adAccountId} of Business Manager ${this.businessManagerId} was not shared during the Meta login.`
  }
}

/** There is no usable Meta Ads connection (none, or disconnected, or without a token). */
export class MetaAdsNotConnected extends Schema.TaggedError<MetaAdsNotConnected>()("MetaAdsNotConnected", {
  status: Schema.String
}) {
  override get message() {
    return this.status === "not_connected"
      ? "Meta Ads is not connected."
      : `Meta Ads is not connected (the connection is ${this.status}). Connect again.`
  }
}

/** The tenant ran an operation more often than its limit allows (our limit, not Meta's: see `MetaRateLimited`). */
export class RateLimited extends Schema.TaggedError<RateLimited>()("RateLimited", {
  operation: Schema.String,
  retryAfterSeconds: Schema.Number
}) {
  override get message() {
    return `Too many requests. Try again in ${this.retryAfterSeconds} s.`
  }
}

/**
 * Meta refused our app's own credentials (a token error on a call made with the app token: a wrong or rotated
 * app secret). Says nothing about any tenant's token.
 */
export class MetaAppCredentialsInvalid extends Schema.TaggedError<MetaAppCredentialsInvalid>()(
  "MetaAppCredentialsInvalid",
  { detail: Schema.String }
) {
  override get message() {
    return `Meta refused this service's app credentials (${this.detail}); the app secret is wrong or was rotated.`
  }
}

/**
 * A connection's stored token does not decrypt with the configured keys: a configuration fault of the service
 * (wrong or missing `TOKEN_ENCRYPTION_KEY_BASE64`), not a problem of the tenant's connection.
 */
export class TokenUnreadable extends Schema.TaggedError<TokenUnreadable>()("TokenUnreadable", {}) {
  override get message() {
    return "The service cannot read this connection's stored credentials (a configuration fault on our side, not your connection). Nothing was sent; try again later."
  }
}

/**
 * Meta refused to register the number because the PIN sent is not its two-step verification PIN (a PIN set before
 * it came to us, on another provider or in WhatsApp Manager). An admin enters the number's PIN.
 */
export class RegistrationPinMismatch extends Schema.TaggedError<RegistrationPinMismatch>()(
  "RegistrationPinMismatch",
  {}
) {
  override get message() {
    return "That PIN is not this number's two-step verification PIN. Enter the PIN set for this number (WhatsApp Manager > Phone numbers > Two-step verification), or reset it there."
  }
}

/** Meta refused to register the number because its ownership was never verified (`code_verification_status`). */
export class NumberNotVerified extends Schema.TaggedError<NumberNotVerified>()("NumberNotVerified", {}) {
  override get message() {
    return "This phone number is not verified at Meta. Verify it in WhatsApp Manager (Phone numbers > Verify), then check again."
  }
}

/**
 * A free-form message to a contact outside the 24-hour customer service window: refused before Meta (which would
 * accept it and then fail it in a status webhook). `closedAt` is when the window closed (ISO), null when the contact never
 * wrote; only an approved template can reach them now.
 */
export class OutsideCustomerServiceWindow extends Schema.TaggedError<OutsideCustomerServiceWindow>()(
  "OutsideCustomerServiceWindow",
  { closedAt: Schema.NullOr(Schema.String) }
) {
  override get message() {
    return this.closedAt === null
      ? "This contact has not written to this number: WhatsApp allows free-form messages only within 24 hours of their last message. Send an approved template instead."
      : `The 24-hour customer service window closed at ${this.closedAt}: send an approved template instead.`
  }
}

/**
 * A reply in a conversation of a number that is no longer the tenant's connected one (a reconnect with another
 * number): refused, never sent from the current number instead. Says which number the conversation belongs to.
 */
export class ConversationOnOtherNumber extends Schema.TaggedError<ConversationOnOtherNumber>()(
  "ConversationOnOtherNumber",
  {
    phoneNumberId: Schema.String,
    displayPhoneNumber: Schema.NullOr(Schema.String),
    connectedPhoneNumberId: Schema.NullOr(Schema.String)
  }
) {
  override get message() {
    const number = this.displayPhoneNumber ?? this.phoneNumberId
    return `This conversation belongs to ${number} (number id ${this.phoneNumberId}), which is no longer connected: nothing was sent. Start a new conversation from the connected number instead.`
  }
}

/**
 * A template send of a template that is not approved in that language here (pending review, rejected, paused,
 * disabled, or unknown): refused before Meta. `status` is the template's, null when there is no such template.
 */
export class TemplateNotApproved extends Schema.TaggedError<TemplateNotApproved>()("TemplateNotApproved", {
  name: Schema.String,
  language: Schema.String,
  status: Schema.NullOr(Schema.String)
}) {
  override get message() {
    switch (this.status) {
      case null:
        return `There is no template "${this.name}" in ${this.language}. Sync the templates, or create it and wait for Meta's approval.`
      case "PENDING":
        return `The template "${this.name}" (${this.language}) is pending Meta's review: it can be sent once approved.`
      case "REJECTED":
        return `Meta rejected the template "${this.name}" (${this.language}): edit it and submit it again, or pick another.`
      case "PAUSED":
        return `Meta paused the template "${this.name}" (${this.language}) for its quality: pick another template.`
      default:
        return `The template "${this.name}" (${this.language}) is not approved (${this.status}): pick another template.`
    }
  }
}

/** A template send whose values do not fit the template's placeholders (count, named or numbered, header media). */
export class TemplateParametersInvalid extends Schema.TaggedError<TemplateParametersInvalid>()(
  "TemplateParametersInvalid",
  { reason: Schema.String }
) {
  override get message() {
    return `The template's values do not fit: ${this.reason}`
  }
}

/** A two-step verification PIN that is not 6 digits: refused before Meta is asked. */
export class InvalidPin extends Schema.TaggedError<InvalidPin>()("InvalidPin", {}) {
  override get message() {
    return "The two-step verification PIN is 6 digits."
  }
}

/** Nothing to register: the connection is not waiting for a PIN or for the number's verification. */
export class NoRegistrationPending extends Schema.TaggedError<NoRegistrationPending>()("NoRegistrationPending", {
  status: Schema.String
}) {
  override get message() {
    return "No WhatsApp number is waiting for registration (a two-step verification PIN or the number's verification)."
  }
}

/** No webhook endpoint of the tenant has this id. */
export class WebhookEndpointNotFound extends Schema.TaggedError<WebhookEndpointNotFound>()(
  "WebhookEndpointNotFound",
  {}
) {
  override get message() {
    return "No webhook endpoint with this id in this workspace."
  }
}

/** A webhook endpoint's URL is refused: not HTTPS, not a public address, or unresolvable (`reason` says which). */
export class WebhookTargetRefused extends Schema.TaggedError<WebhookTargetRefused>()("WebhookTargetRefused", {
  reason: Schema.String
}) {
  override get message() {
    return `This webhook URL is not allowed: ${this.reason}`
  }
}

/** A webhook endpoint's settings are invalid (an unknown event type, no event, a bad time range). */
export class InvalidWebhookEndpoint extends Schema.TaggedError<InvalidWebhookEndpoint>()("InvalidWebhookEndpoint", {
  detail: Schema.String
}) {
  override get message() {
    return this.detail
  }
}

type ErrorClass = Extract<(typeof Errors)[keyof typeof Errors], abstract new (...args: never) => Error>
/** Every error of the domain; each edge (HTTP, GraphQL, OAuth callback) maps each of them in one table. */
export type DomainError = InstanceType<ErrorClass>
export type DomainErrorTag = DomainError["_tag"]
