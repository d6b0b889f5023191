import { Effect } from "effect"
import {
  type MetaAdsCheck,
  MetaAdsConnections,
  type MetaAdsTest,
  type MetaAdsTokenDebug,
  type MetaAdsView,
  type MetaUser,
  type StoredAdAccount,
  type StoredBusiness,
  type UnreadableBusiness
} from "../../../application/ads/MetaAdsConnections.ts"
import { limited, type OperationLimits } from "../../../application/OperationLimits.ts"
import {
  type AdAccountNotGranted,
  type FeatureDisabled,
  Forbidden,
  MetaAdsNotConnected,
  MetaPermissionMissing,
  MetaRateLimited,
  MetaUnavailable,
  RateLimited
} from "../../../domain/Errors.ts"
import { META_ADS_BINDINGS } from "../../http/BrowserBinding.ts"
import { builder } from "../builder.ts"
import { domainGraphQLError, GRAPHQL_ERRORS, limitedAsGraphQLError } from "./errors.ts"
import { ConnectionStatus, StartConnectPayload, startConnect } from "./whatsapp.ts"

declare module "../builder.ts" {
  interface GraphqlServices {
    readonly metaAdsConnections: MetaAdsConnections
    readonly operationLimits: OperationLimits
  }
}

/**
 * DESIGN section 6 fixes these mutations' types (no result union), so an expected refusal is a GraphQL error with
 * its message and `extensions.code` (FORBIDDEN, NOT_CONNECTED, AD_ACCOUNT_NOT_GRANTED), never masked.
 */
const refusalsAsGraphQLErrors = <A, R>(
  effect: Effect.Effect<A, Forbidden | FeatureDisabled | MetaAdsNotConnected | AdAccountNotGranted, R>
) => Effect.mapError(effect, (error) => domainGraphQLError(error, { type: GRAPHQL_ERRORS[error._tag].type }))

export const MetaAdAccountStatus = builder.enumType("MetaAdAccountStatus", {
  description: "The state of an ad account at Meta (its account_status).",
  values: {
    ACTIVE: { value: "active", description: "Active: ads can run." },
    DISABLED: { value: "disabled", description: "Disabled by Meta." },
    UNSETTLED: { value: "unsettled", description: "Unsettled: a payment is due." },
    PENDING_RISK_REVIEW: { value: "pending_risk_review", description: "Under Meta's risk review." },
    PENDING_SETTLEMENT: { value: "pending_settlement", description: "A payment is being settled." },
    IN_GRACE_PERIOD: { value: "in_grace_period", description: "In a grace period (payment)." },
    PENDING_CLOSURE: { value: "pending_closure", description: "Being closed." },
    CLOSED: { value: "closed", description: "Closed." },
    ANY_ACTIVE: { value: "any_active", description: "Active (Meta's aggregate state)." },
    ANY_CLOSED: { value: "any_closed", description: "Closed (Meta's aggregate state)." },
    UNKNOWN: { value: "unknown", description: "A state we do not know: check in Ads Manager." }
  } as const
})

export const MetaAdAccount = builder.objectRef<StoredAdAccount>("MetaAdAccount").implement({
  description: "An ad account of a Business Manager (owned or client) or of the person.",
  fields: (t) => ({
    id: t.exposeID("id", { description: "Meta's ad account id (act_…)." }),
    name: t.exposeString("name"),
    currency: t.exposeString("currency", { nullable: true }),
    accountStatus: t.expose("accountStatus", { type: MetaAdAccountStatus, nullable: true })
  })
})

export const MetaBusinessManager = builder.objectRef<StoredBusiness>("MetaBusinessManager").implement({
  description:
    "A Business Manager the Meta login shared, with its owned and client ad accounts; or (personal) the person's own.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    personal: t.exposeBoolean("personal", { description: "The person's own ad accounts, not a Business Manager's." }),
    adAccounts: t.field({ type: [MetaAdAccount], resolve: (business) => business.adAccounts })
  })
})

export const MetaUnreadableBusiness = builder.objectRef<UnreadableBusiness>("MetaUnreadableBusiness").implement({
  description: "A Business Manager whose ad accounts could not be read at the login; the others were.",
  fields: (t) => ({
    id: t.exposeID("id"),
    name: t.exposeString("name"),
    kind: t.exposeString("kind", { description: "permission, rate_limited or unavailable." }),
    reason: t.exposeString("reason", { description: "What Meta answered, for a person." })
  })
})

export const MetaAdsTokenState = builder.enumType("MetaAdsTokenState", {
  values: {
    VALID: { value: "valid", description: "The token is valid (renewed before it expires)." },
    EXPIRING: { value: "expiring", description: "The token or its data access ends within 7 days: reconnect soon." },
    EXPIRED: { value: "expired", description: "The token or its data access has ended: Reconnect." },
    NONE: { value: "none", description: "No token is held." }
  } as const
})

export const MetaAdsCheckRef = builder.objectRef<MetaAdsCheck>("MetaAdsCheck").implement({
  description: "One check of the connection test.",
  fields: (t) => ({
    name: t.exposeString("name", { description: "token, permissions or ad_account." }),
    ok: t.exposeBoolean("ok"),
    detail: t.exposeString("detail")
  })
})

export const MetaAdsUser = builder.objectRef<MetaUser>("MetaAdsUser").implement({
  description: "The Meta user whose token the connection holds.",
  fields: (t) => ({ id: t.exposeID("id"), name: t.exposeString("name", { nullable: true }) })
})

/** The tenant's Meta Ads connection. Never carries the token. */
export const MetaAdsConnection = builder.objectRef<MetaAdsView>("MetaAdsConnection").implement({
  fields: (t) => ({
    id: t.exposeID("id", { nullable: true }),
    status: t.expose("status", { type: ConnectionStatus }),
    connected: t.exposeBoolean("connected"),
    tokenExpiresAt: t.expose("tokenExpiresAt", { type: "DateTime", nullable: true }),
    tokenExpiringSoon: t.exposeBoolean("tokenExpiringSoon", {
      description: "The token (or its data access) expires within 7 days: show the reconnect banner."
    }),
    tokenState: t.expose("tokenState", { type: MetaAdsTokenState }),
    dataAccessExpiresAt: t.expose("dataAccessExpiresAt", {
      type: "DateTime",
      nullable: true,
      description: "Until when Meta lets the app read the person's data (90 days after their login)."
    }),
    unreadableBusinessManagers: t.field({
      type: [MetaUnreadableBusiness],
      description: "Business Managers whose ad accounts could not be read at the login.",
      resolve: (view) => view.unreadableBusinesses
    }),
    error: t.exposeString("error", { nullable: true, description: "What went wrong, for a person (Reconnect)." }),
    pendingReason: t.exposeString("pendingReason", {
      nullable: true,
      description: "Why the connection is PENDING: choose_ad_account."
    }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", nullable: true }),
    selectedBusinessManagerId: t.exposeString("selectedBusinessManagerId", { nullable: true }),
    selectedAdAccountId: t.exposeString("selectedAdAccountId", { nullable: true }),
    businessManagers: t.field({
      type: [MetaBusinessManager],
      description: "The Business Managers the login shared, to choose the ad account from.",
      resolve: (view) => view.businessManagers
    }),
    user: t.field({ type: MetaAdsUser, nullable: true, resolve: (view) => view.user })
  })
})

export const MetaAdsConnectionTest = builder.objectRef<MetaAdsTest>("MetaAdsConnectionTest").implement({
  description:
    "The token checked with debug_token (valid, our app, the ads permissions) and the selected ad account read.",
  fields: (t) => ({
    ok: t.exposeBoolean("ok"),
    checks: t.field({ type: [MetaAdsCheckRef], resolve: (test) => test.checks }),
    user: t.field({ type: MetaAdsUser, nullable: true, resolve: (test) => test.user }),
    tokenExpiresAt: t.expose("tokenExpiresAt", { type: "DateTime", nullable: true }),
    adAccountCount: t.exposeInt("adAccountCount"),
    error: t.exposeString("error", { nullable: true, description: "Why the test failed, for a person." })
  })
})

export const MetaAdsTokenDebugInfo = builder.objectRef<MetaAdsTokenDebug>("MetaAdsTokenDebug").implement({
  description: "What Meta's debug_token says of the stored token (never the token).",
  fields: (t) => ({
    isValid: t.exposeBoolean("isValid"),
    expiresAt: t.expose("expiresAt", { type: "DateTime", nullable: true }),
    scopes: t.exposeStringList("scopes"),
    error: t.exposeString("error", { nullable: true })
  })
})

export const SelectAdAccountInput = builder.inputType("SelectAdAccountInput", {
  fields: (t) => ({
    businessManagerId: t.string({ required: true }),
    adAccountId: t.string({ required: true })
  })
})

builder.queryFields((t) => ({
  metaAdsConnection: t.field({
    type: MetaAdsConnection,
    description: "The Meta Ads connection of the viewer's workspace (status NOT_CONNECTED when there is none).",
    resolve: (_root, _args, ctx) => ctx.run(MetaAdsConnections.use((ads) => ads.status(ctx.actor)))
  }),

  metaAdsTokenDebug: t.field({
    type: MetaAdsTokenDebugInfo,
    description: "Operators only (others get ForbiddenError): validity, expiry and scopes of the stored token.",
    errors: {
      types: [Forbidden, MetaAdsNotConnected, MetaPermissionMissing, MetaRateLimited, MetaUnavailable, RateLimited],
      dataField: { name: "tokenDebug" }
    },
    resolve: (_root, _args, ctx) =>
      ctx.run(
        MetaAdsConnections.use((ads) => ads.tokenDebug(ctx.actor)).pipe(limited("meta_ads.token_debug", ctx.actor))
      )
  })
}))

builder.mutationFields((t) => ({
  startMetaAdsConnect: t.field({
    type: StartConnectPayload,
    description:
      "Starts the Meta Ads login (admin and marketing): open authUrl; the response binds the state to this browser.",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        startConnect(
          ctx,
          "meta_ads.start",
          META_ADS_BINDINGS,
          refusalsAsGraphQLErrors(MetaAdsConnections.use((ads) => ads.start(ctx.actor)))
        )
      )
  }),

  selectMetaAdAccount: t.field({
    type: MetaAdsConnection,
    description: "Chooses the Business Manager and ad account to use, among those the login shared.",
    args: { input: t.arg({ type: SelectAdAccountInput, required: true }) },
    resolve: (_root, { input }, ctx) =>
      ctx.run(
        refusalsAsGraphQLErrors(
          MetaAdsConnections.use((ads) =>
            ads.selectAdAccount(ctx.actor, {
              businessManagerId: input.businessManagerId,
              adAccountId: input.adAccountId
            })
          )
        )
      )
  }),

  disconnectMetaAds: t.field({
    type: MetaAdsConnection,
    description: "Disconnects Meta Ads (admin and marketing): permissions revoked at Meta where possible.",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        refusalsAsGraphQLErrors(MetaAdsConnections.use((ads) => ads.disconnect(ctx.actor))).pipe(
          limitedAsGraphQLError("meta_ads.disconnect", ctx.actor)
        )
      )
  }),

  testMetaAdsConnection: t.field({
    type: MetaAdsConnectionTest,
    description: "Checks the token at Meta; a refused token turns the connection to ERROR (Reconnect).",
    resolve: (_root, _args, ctx) =>
      ctx.run(
        MetaAdsConnections.use((ads) => ads.testConnection(ctx.actor)).pipe(
          limitedAsGraphQLError("meta_ads.test_connection", ctx.actor)
        )
      )
  })
}))
