import { newFbtraceId } from "./ids.ts"

/** A Graph API error: thrown by handlers, rendered as `{error:{message,type,code,error_subcode?,fbtrace_id}}`. */
export class GraphError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly subcode?: number,
    readonly status: number = 400,
    readonly type: string = "OAuthException",
    readonly headers: Readonly<Record<string, string>> = {},
    /** Cloud API errors carry `error_data.details` (Meta's error codes page). */
    readonly details?: string
  ) {
    super(message)
  }

  body(): { error: Record<string, unknown> } {
    const error: Record<string, unknown> = { message: this.message, type: this.type, code: this.code }
    if (this.subcode !== undefined) error["error_subcode"] = this.subcode
    if (this.details !== undefined) error["error_data"] = { messaging_product: "whatsapp", details: this.details }
    error["fbtrace_id"] = newFbtraceId()
    return { error }
  }
}

// 104 / 190: tokens
export const tokenMissing = () => new GraphError(104, "An access token is required to request this resource.")
export const tokenUnparsable = () => new GraphError(190, "Invalid OAuth access token - Cannot parse access token")
export const tokenInvalidated = () =>
  new GraphError(
    190,
    "Error validating access token: The session has been invalidated because the user changed their password or Facebook has changed the session for security reasons.",
    460
  )
export const tokenAppNotAuthorized = (appId: string) =>
  new GraphError(190, `Error validating access token: The user has not authorized application ${appId}.`, 458)
export const tokenExpired = (expiredAtMs: number, nowMs: number) =>
  new GraphError(
    190,
    `Error validating access token: Session has expired on ${new Date(expiredAtMs).toUTCString()}. The current time is ${new Date(nowMs).toUTCString()}.`,
    463
  )
export const appSecretInvalid = () => new GraphError(190, "Invalid OAuth access token signature.")
export const userTokenRequired = () =>
  new GraphError(2500, "An active access token must be used to query information about the current user.")
/** "Require App Secret" is on and a user or system user token came without `appsecret_proof`. */
export const appSecretProofMissing = () =>
  new GraphError(
    100,
    "API calls from the server require an appsecret_proof argument",
    undefined,
    400,
    "GraphMethodException"
  )
/** `appsecret_proof` is not HMAC-SHA256(app secret, token) for the token's app (a wrong or rotated secret, another app). */
export const appSecretProofInvalid = () =>
  new GraphError(100, "Invalid appsecret_proof provided in the API argument", undefined, 400, "GraphMethodException")
/** `debug_token` of a token another app issued: only that app may inspect it. */
export const inputTokenOfAnotherApp = () =>
  new GraphError(100, "(#100) The App_id in the input_token did not match the Viewing App")
export const appTokenRequired = () => new GraphError(15, "(#15) This method must be called with an app access_token.")

// 1 / 101 / 100: OAuth code exchange
export const invalidAppId = () => new GraphError(101, "Error validating application. Invalid application ID.")
export const invalidClientSecret = () => new GraphError(1, "Error validating client secret.")
export const codeMalformed = () => new GraphError(100, "Invalid verification code format.")
export const codeRedirectMismatch = () =>
  new GraphError(
    100,
    "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request",
    36008
  )
/** The dialog of a Login for Business configuration drops `code_challenge`, so a verifier has nothing to match. */
export const codeVerifierWithoutChallenge = () =>
  new GraphError(100, "code_verifier param is provided without a code_challenge in authorization request.")
export const codeUsed = () => new GraphError(100, "This authorization code has been used.", 36009)
export const codeExpired = () => new GraphError(100, "This authorization code has expired.", 36007)

// 100: parameters and objects
export const missingParam = (name: string) => new GraphError(100, `(#100) The parameter ${name} is required`)
export const invalidParam = (message: string) => new GraphError(100, `(#100) ${message}`)
export const unsupportedRequest = (method: string, id: string) =>
  new GraphError(
    100,
    `Unsupported ${method.toLowerCase()} request. Object with ID '${id}' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api`,
    33
  )
export const nonexistingField = (field: string, nodeType: string) =>
  new GraphError(100, `(#100) Tried accessing nonexisting field (${field}) on node type (${nodeType})`)

// 10 / 200: permissions
export const permissionMissing = (scope: string) =>
  new GraphError(200, `(#200) Requires ${scope} permission to manage the object`)
export const messagingPermissionMissing = () =>
  new GraphError(10, "(#10) Application does not have permission for this action")

// webhooks
export const callbackVerificationFailed = (detail: string) =>
  new GraphError(2200, `(#2200) Callback verification failed with the following errors: ${detail}`)
export const appNotSubscribedToObject = () =>
  new GraphError(
    100,
    "(#100) Your app must be subscribed to the whatsapp_business_account object (a callback URL set in the App Dashboard or via /{app-id}/subscriptions) before it can subscribe to a WhatsApp Business Account"
  )
export const overrideBeforeSubscribe = () =>
  new GraphError(
    100,
    "(#100) Before override the current callback uri, your app must be subscribed to receive messages for WhatsApp Business Account"
  )

// WhatsApp-specific
export const accountNotRegistered = () => new GraphError(133010, "(#133010) Account not registered")
export const pinMismatch = () => new GraphError(133005, "(#133005) Two step verification PIN Mismatch")
/** Meta's error-codes doc: 133006 "Phone number re-verification needed" (verify the number before registering). */
export const numberNotVerified = () =>
  new GraphError(133006, "(#133006) Phone number re-verification needed: verify the phone number before registering it")
export const noValidCertificate = () =>
  new GraphError(
    100,
    "(#100) The phone number does not have a valid display name certificate (name_status EXPIRED, NONE or DECLINED) and cannot be registered"
  )

// 5xx and throttling (used by injected faults)
export const unexpected = () =>
  new GraphError(2, "An unexpected error has occurred. Please retry your request later.", undefined, 500)

export const RATE_LIMIT_MESSAGES: Readonly<Record<number, string>> = {
  4: "(#4) Application request limit reached",
  17: "(#17) User request limit reached",
  32: "(#32) Page request limit reached",
  613: "(#613) Calls to this api have exceeded the rate limit.",
  80000: "(#80000) There have been too many calls from this ad-account. Wait a bit and try again.",
  80003: "(#80003) There have been too many calls to this ad-account. Wait a bit and try again.",
  80004: "(#80004) There have been too many calls to this ad-account. Wait a bit and try again.",
  80007: "(#80007) There have been too many calls to this WhatsApp Business account.",
  80008: "(#80008) There have been too many calls to this WhatsApp Business account.",
  80014: "(#80014) There have been too many calls for the batch uploads to this ad account. Wait a bit and try again.",
  130429: "(#130429) Rate limit hit"
}

/** Renewing a user token whose data access (90 days from the login) has ended: the person must log in again. */
export const dataAccessExpired = (): GraphError =>
  new GraphError(
    190,
    "Error validating access token: The user's data access has expired. The user must log in again to renew it.",
    463,
    400,
    "OAuthException"
  )
