import { type FormEvent, type ReactNode, useCallback, useEffect, useId, useState } from "react"
import { type CombinedError, useMutation, useQuery } from "urql"
import { isBusy } from "../connect/connectFlow.ts"
import { useConnectFlow } from "../connect/useConnectFlow.ts"
import type {
  MetaAdsFieldsFragment as MetaAdsConnection,
  TestMetaAdsConnectionMutation as TestMetaAdsConnectionResult
} from "../gql/graphql.ts"
import { type FragmentType, graphql, useFragment } from "../gql/index.ts"
import { ChannelCard, ErrorText, TimeFact, TryAgain } from "../shared/Card.tsx"
import { isRateLimited, isUnauthorized } from "../shared/client.ts"
import { ConfirmDisconnect, Spinner } from "../shared/Dialog.tsx"
import { formatDate, formatDateTime } from "../shared/format.ts"
import { HealthChecks } from "../shared/HealthChecks.tsx"
import { ConnectionChangedLive, useLiveSubscription } from "../shared/LiveUpdates.tsx"
import { adsReasonMessage, type ReturnFromMeta, startFailureMessage, unreadableHint } from "../shared/reasons.ts"
import { usePolling } from "../shared/usePolling.ts"

// Meta Ads (Marketing API). Refusals of these mutations (FORBIDDEN, NOT_CONNECTED, AD_ACCOUNT_NOT_GRANTED) arrive as
// GraphQL errors with `extensions.code` and a message for a person, not in `data`.

const MetaAdsCardViewer = graphql(`
  fragment MetaAdsCardViewer on Viewer {
    role
    canOperate
  }
`)

/**
 * The Meta Ads connection as the card shows it. `tokenExpiringSoon`: the token expires within 7 days (the
 * reconnect banner); `tokenState`: VALID, EXPIRING (banner), EXPIRED (Reconnect); `pendingReason`: why it is
 * PENDING (`choose_ad_account`); `accountStatus`: the ad account's state (ACTIVE, DISABLED, UNSETTLED…);
 * `unreadableBusinessManagers`: the Business Managers whose ad accounts could not be read at the login.
 */
const MetaAdsFields = graphql(`
  fragment MetaAdsFields on MetaAdsConnection {
    id
    status
    connected
    tokenExpiresAt
    tokenExpiringSoon
    tokenState
    dataAccessExpiresAt
    error
    pendingReason
    updatedAt
    health {
      messagingHealthy
      ...HealthChecksFields
    }
    selectedBusinessManagerId
    selectedAdAccountId
    user {
      id
      name
    }
    unreadableBusinessManagers {
      id
      name
      kind
      reason
    }
    businessManagers {
      id
      name
      personal
      adAccounts {
        id
        name
        currency
        accountStatus
      }
    }
  }
`)

const MetaAdsQuery = graphql(`
  query MetaAds {
    metaAdsConnection {
      ...MetaAdsFields
    }
  }
`)

const StartMetaAdsConnectMutation = graphql(`
  mutation StartMetaAdsConnect {
    startMetaAdsConnect {
      authUrl
      state
    }
  }
`)

const SelectMetaAdAccountMutation = graphql(`
  mutation SelectMetaAdAccount($input: SelectAdAccountInput!) {
    selectMetaAdAccount(input: $input) {
      ...MetaAdsFields
    }
  }
`)

const DisconnectMetaAdsMutation = graphql(`
  mutation DisconnectMetaAds {
    disconnectMetaAds {
      ...MetaAdsFields
    }
  }
`)

const TestMetaAdsConnectionMutation = graphql(`
  mutation TestMetaAdsConnection {
    testMetaAdsConnection {
      ok
      user {
        id
        name
      }
      tokenExpiresAt
      adAccountCount
      error
      checks {
        name
        ok
        detail
      }
    }
  }
`)

/** What Meta's debug_token says of the stored token: validity, expiry, scopes (never the token). */
const MetaAdsTokenDebugQuery = graphql(`
  query MetaAdsTokenDebug {
    metaAdsTokenDebug {
      __typename
      ... on MetaAdsTokenDebugSuccess {
        tokenDebug {
          isValid
          expiresAt
          scopes
          error
        }
      }
      ... on Error {
        message
      }
    }
  }
`)

type MetaBusinessManager = MetaAdsConnection["businessManagers"][number]
type MetaAdAccount = MetaBusinessManager["adAccounts"][number]
type MetaAdsConnectionTest = TestMetaAdsConnectionResult["testMetaAdsConnection"]

/** How often the Meta Ads status is refreshed while the page is visible. */
export const ADS_POLL_MS = 15_000

export interface MetaAdsCardProps {
  readonly viewer: FragmentType<typeof MetaAdsCardViewer>
  /** Where the Meta Ads callback sent us back (`?meta_ads=…`), read once from the query string by the page. */
  readonly returned: ReturnFromMeta | null
  readonly onUnauthorized: () => void
  /** Full-page navigation to Meta's dialog (a prop so tests can watch it). */
  readonly navigate?: (url: string) => void
}

/** The permissions the login asks for, as a person reads them. */
export const ADS_PERMISSIONS: ReadonlyArray<readonly [scope: string, what: string]> = [
  ["ads_read", "Read your ads and how they perform"],
  ["ads_management", "Manage your ads"],
  ["business_management", "See your Business Managers and their ad accounts"]
]

export const MANAGERS_ONLY = "Only admins and marketing can connect or disconnect Meta Ads."

type AccountStatus = NonNullable<MetaAdAccount["accountStatus"]>

/** An ad account's state, in words (ACTIVE is the only one where ads run normally). */
const ACCOUNT_STATUS: Readonly<Record<AccountStatus, string>> = {
  ACTIVE: "Active",
  DISABLED: "Disabled",
  UNSETTLED: "Unsettled",
  PENDING_RISK_REVIEW: "Pending risk review",
  PENDING_SETTLEMENT: "Pending settlement",
  IN_GRACE_PERIOD: "In grace period",
  PENDING_CLOSURE: "Pending closure",
  CLOSED: "Closed",
  ANY_ACTIVE: "Active",
  ANY_CLOSED: "Closed",
  UNKNOWN: "Status unknown"
}

export const accountStatusLabel = (status: AccountStatus | null): string =>
  status === null ? "Status unknown" : ACCOUNT_STATUS[status]

const isActive = (status: AccountStatus | null) => status === "ACTIVE" || status === "ANY_ACTIVE"

/** A note for an ad account that is not active, or null when it is. */
export const accountStatusNote = (account: Pick<MetaAdAccount, "accountStatus">): string | null =>
  isActive(account.accountStatus)
    ? null
    : `${accountStatusLabel(account.accountStatus)} at Meta: ads in this account may not run until Meta marks it active.`

/** The Business Managers whose ad accounts could not be read at the login (the others were). */
function UnreadableBusinesses({ connection }: { readonly connection: MetaAdsConnection }) {
  const unreadable = connection.unreadableBusinessManagers
  if (unreadable.length === 0) return null
  return (
    <div className="notice warn" role="status">
      <p>
        <strong>
          {unreadable.length === 1
            ? "One Business Manager could not be read."
            : `${unreadable.length} Business Managers could not be read.`}
        </strong>{" "}
        The others are listed; their ad accounts can be used.
      </p>
      <ul className="unreadable">
        {unreadable.map((item) => (
          <li key={item.id}>
            <strong>{item.name}</strong>: {item.reason} {unreadableHint(item.kind)}
          </li>
        ))}
      </ul>
    </div>
  )
}

type View = "NOT_CONNECTED" | "PENDING" | "ACTIVE" | "EXPIRED" | "ERROR" | "REVOKED"

const STATUS_LABEL: Record<View, string> = {
  NOT_CONNECTED: "Not connected",
  PENDING: "Action needed",
  ACTIVE: "Connected",
  EXPIRED: "Expired",
  ERROR: "Error",
  REVOKED: "Disconnected"
}

const CheckMetaAdsMutation = graphql(`
  mutation CheckMetaAdsConnection {
    checkMetaAdsConnection {
      id
      ...MetaAdsFields
    }
  }
`)

/** The Meta Ads checks, in words. */
const ADS_CHECK_TITLE: Record<string, string> = {
  ads_token: "Access token",
  ads_scopes: "Permissions",
  ad_account: "Ad account",
  business_manager: "Business Manager"
}

/** The Meta Ads health panel: the stored checks, "Check now". */
function MetaAdsHealth({
  connection,
  onChanged
}: {
  readonly connection: MetaAdsConnection
  readonly onChanged: () => void
}) {
  const [state, check] = useMutation(CheckMetaAdsMutation)
  const runCheck = async () => {
    await check({}, { additionalTypenames: ["MetaAdsConnection"] })
    onChanged()
  }
  return (
    <HealthChecks
      health={connection.health}
      titles={ADS_CHECK_TITLE}
      checking={state.fetching}
      error={state.error}
      onCheck={runCheck}
    />
  )
}

const badgeClass = (view: View) =>
  view === "ACTIVE"
    ? "badge ok"
    : view === "ERROR" || view === "EXPIRED"
      ? "badge bad"
      : view === "PENDING"
        ? "badge warn"
        : "badge"

/** The token's expiry has passed (an ACTIVE connection the health check has not flagged yet). */
const hasExpired = (iso: string | null, now: number = Date.now()): boolean => {
  if (iso === null) return false
  const at = new Date(iso).getTime()
  return !Number.isNaN(at) && at <= now
}

export const viewOf = (
  connection: Pick<MetaAdsConnection, "status" | "tokenExpiresAt"> & Partial<Pick<MetaAdsConnection, "tokenState">>
): View =>
  (connection.status === "ACTIVE" || connection.status === "PENDING") &&
  (hasExpired(connection.tokenExpiresAt) || connection.tokenState === "EXPIRED")
    ? "EXPIRED"
    : connection.status

const LOGO = (
  <svg viewBox="0 0 24 24" width="28" height="28" focusable="false">
    <title>Meta</title>
    <path
      fill="none"
      stroke="currentColor"
      strokeWidth="2.4"
      strokeLinecap="round"
      d="M12 12c-2-3.6-3.7-5.5-5.6-5.5C4.3 6.5 3 9 3 12.2c0 2.7 1.1 4.3 2.9 4.3 2 0 3.4-2 6.1-6.7 2.6-4.6 3.8-3.3 5.5-3.3 2 0 3.5 2.6 3.5 5.7 0 2.6-1 4.3-2.8 4.3-1.9 0-3.6-2.6-6.2-6.5Z"
    />
  </svg>
)

/** The message of a refusal (FORBIDDEN, NOT_CONNECTED, AD_ACCOUNT_NOT_GRANTED come as GraphQL errors), if any. */
const refusal = (error: CombinedError | undefined): string | null => error?.graphQLErrors[0]?.message ?? null

/** `/settings/integrations`: the Meta Ads card, with the connect wizard (connect → Meta → choose → confirm). */
export function MetaAdsCard({ viewer: viewerRef, returned, onUnauthorized, navigate }: MetaAdsCardProps) {
  const viewer = useFragment(MetaAdsCardViewer, viewerRef)
  const [result, refetch] = useQuery({
    query: MetaAdsQuery,
    requestPolicy: returned === null ? "cache-and-network" : "network-only"
  })
  const refresh = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch])
  // The page says when live updates are paused (the same stream as the WhatsApp card's).
  usePolling(refresh, ADS_POLL_MS, useLiveSubscription(ConnectionChangedLive, refresh, refresh) !== "live")

  /** A failed disconnect (a failed connect is the flow's `failed` state). */
  const [actionError, setActionError] = useState<string | null>(null)
  const [dismissed, setDismissed] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [changing, setChanging] = useState(false)
  const [justConnected, setJustConnected] = useState(false)
  const [, startConnect] = useMutation(StartMetaAdsConnectMutation)
  const [disconnectState, disconnect] = useMutation(DisconnectMetaAdsMutation)
  // Meta Ads has no popup flow: the redirect. Back from Meta, the card spins until the first fresh status arrives.
  const flow = useConnectFlow({
    config: null,
    returning: returned !== null && returned.kind !== "error",
    navigate,
    start: async () => {
      const started = await startConnect({})
      return (
        started.data?.startMetaAdsConnect ?? startFailureMessage(isRateLimited(started.error), refusal(started.error))
      )
    }
  })

  const data = result.data ?? undefined
  const { settled } = flow
  useEffect(() => {
    if (data !== undefined && !result.fetching) settled()
  }, [data, result.fetching, settled])
  useEffect(() => {
    if (isUnauthorized(result.error)) onUnauthorized()
  }, [result.error, onUnauthorized])

  const manager = viewer.role === "ADMIN" || viewer.role === "MARKETING"

  const connect = async () => {
    setActionError(null)
    setDismissed(true)
    setJustConnected(false)
    return flow.connect()
  }

  const confirmDisconnect = async () => {
    const done = await disconnect({})
    setConfirming(false)
    setDismissed(true)
    setJustConnected(false)
    if (done.error !== undefined) {
      flow.reset()
      setActionError(refusal(done.error) ?? "Could not disconnect. Try again.")
    }
    refresh()
  }

  const connection = useFragment(MetaAdsFields, data?.metaAdsConnection)
  const view = connection === undefined ? null : viewOf(connection)
  const busy = isBusy(flow.state)
  const shownError = actionError ?? (flow.state.phase === "failed" ? flow.state.message : null)
  const showReturnError = returned?.kind === "error" && !dismissed && !busy
  const showConnected =
    !busy && view === "ACTIVE" && !changing && (justConnected || (returned?.kind === "connected" && !dismissed))

  let body: ReactNode
  if (busy) {
    body = (
      <Spinner
        label={
          flow.state.phase === "completing"
            ? "Finishing the connection…"
            : "Waiting for Meta… finish the steps in the Meta window."
        }
      />
    )
  } else if (connection === undefined || view === null) {
    body =
      result.error === undefined ? (
        <Spinner label="Loading…" />
      ) : (
        <div className="notice bad" role="alert">
          <p>Could not load the Meta Ads connection. Check your connection and try again.</p>
          <button type="button" className="button" onClick={refresh}>
            Try again
          </button>
        </div>
      )
  } else if (view === "PENDING" || (view === "ACTIVE" && changing)) {
    body = manager ? (
      <Wizard
        connection={connection}
        onCancel={view === "ACTIVE" ? () => setChanging(false) : null}
        onReconnect={connect}
        onSelected={() => {
          setChanging(false)
          setDismissed(true)
          setJustConnected(true)
          refresh()
        }}
      />
    ) : (
      <div className="state">
        <p>
          <strong>Meta Ads is almost connected.</strong> An admin or someone in marketing still has to choose the ad
          account to use.
        </p>
        <p className="muted">{MANAGERS_ONLY}</p>
      </div>
    )
  } else if (view === "ACTIVE") {
    body = (
      <Connected
        connection={connection}
        manager={manager}
        onReconnect={connect}
        onChangeAccount={() => setChanging(true)}
        onDisconnect={() => setConfirming(true)}
        onTested={refresh}
      />
    )
  } else if (view === "ERROR" || view === "EXPIRED") {
    body = (
      <div className="state">
        <p>
          <strong>
            {view === "EXPIRED"
              ? hasExpired(connection.tokenExpiresAt)
                ? `The Meta Ads access token expired on ${formatDateTime(connection.tokenExpiresAt)}.`
                : `Meta's access to your ads data ended on ${formatDateTime(connection.dataAccessExpiresAt)}.`
              : "The connection needs attention."}
          </strong>{" "}
          {view === "EXPIRED"
            ? "Reconnect to keep your ads data up to date."
            : (connection.error ?? "Meta stopped accepting this connection.")}
        </p>
        {manager ? (
          <button type="button" className="button primary" onClick={connect}>
            Reconnect
          </button>
        ) : (
          <p className="muted">{MANAGERS_ONLY}</p>
        )}
      </div>
    )
  } else if (view === "REVOKED") {
    body = (
      <div className="state">
        <p>
          Disconnected{connection.updatedAt ? ` on ${formatDate(connection.updatedAt)}` : ""}. Meta Ads data is no
          longer read for this workspace.
        </p>
        {manager ? (
          <button type="button" className="button primary" onClick={connect}>
            Connect again
          </button>
        ) : (
          <p className="muted">{MANAGERS_ONLY}</p>
        )}
      </div>
    )
  } else {
    body = manager ? (
      <StepOne onConnect={connect} />
    ) : (
      <div className="state">
        <p>Meta Ads is not connected for this workspace.</p>
        <p className="muted">{MANAGERS_ONLY}</p>
      </div>
    )
  }

  return (
    <ChannelCard
      logo={{ className: "ads-logo", svg: LOGO }}
      title="Meta Ads"
      description="Read your ad accounts' campaigns and results from Meta (Facebook and Instagram ads)."
      badge={
        view === null && !busy
          ? null
          : !busy && view === "ACTIVE" && connection?.health.messagingHealthy === false
            ? // Meta says connected, but a check that gates it fails: the badge says so (the panel says why).
              { className: "badge bad", label: "Not working" }
            : {
                className: view === null ? "badge" : badgeClass(view),
                label: busy ? "Connecting…" : view === null ? "" : STATUS_LABEL[view]
              }
      }
      busy={busy}
      notices={
        <>
          {showReturnError ? (
            <div className="notice bad" role="alert">
              <p>{adsReasonMessage(returned.reason)}</p>
              {manager ? <TryAgain onClick={connect} /> : null}
            </div>
          ) : null}
          {showConnected ? (
            <div className="notice ok" role="status">
              <p>Meta Ads is connected.</p>
            </div>
          ) : null}
          {shownError === null ? null : (
            <div className="notice bad" role="alert">
              <p>{shownError}</p>
            </div>
          )}
        </>
      }
      footer={
        viewer.canOperate &&
        connection !== undefined &&
        (view === "ACTIVE" || view === "PENDING" || view === "ERROR" || view === "EXPIRED") ? (
          <TokenDebug />
        ) : null
      }
      dialog={
        confirming ? (
          <ConfirmDisconnect
            channel="Meta Ads"
            consequence="Ads data stops updating for this workspace until you connect again. The app's permissions are removed at Meta where possible."
            busy={disconnectState.fetching}
            onCancel={() => setConfirming(false)}
            onConfirm={confirmDisconnect}
          />
        ) : null
      }
    >
      {body}
    </ChannelCard>
  )
}

const STEPS = ["Connect", "Choose an ad account", "Confirm"] as const

function Steps({ current }: { readonly current: 1 | 2 | 3 }) {
  return (
    <ol className="steps" aria-label={`Step ${current} of ${STEPS.length}`}>
      {STEPS.map((label, index) => {
        const step = index + 1
        return (
          <li
            key={label}
            className={step === current ? "current" : step < current ? "done" : undefined}
            aria-current={step === current ? "step" : undefined}
          >
            <span className="step-number" aria-hidden="true">
              {step < current ? "✓" : step}
            </span>
            <span>{label}</span>
          </li>
        )
      })}
    </ol>
  )
}

function StepOne({ onConnect }: { readonly onConnect: () => void }) {
  const titleId = useId()
  return (
    <div className="state wizard">
      <Steps current={1} />
      <h3 id={titleId} className="step-title">
        Connect Meta Ads
      </h3>
      <p>You will sign in to Meta and allow this app to:</p>
      <ul className="permissions">
        {ADS_PERMISSIONS.map(([scope, what]) => (
          <li key={scope}>
            {what} <span className="muted">({scope})</span>
          </li>
        ))}
      </ul>
      <p className="muted">
        Keep every permission selected in Meta's window. When you come back, you choose the Business Manager and the ad
        account to use, then confirm.
      </p>
      <button type="button" className="button primary" onClick={onConnect}>
        Connect Meta Ads
      </button>
    </div>
  )
}

function Wizard({
  connection,
  onCancel,
  onReconnect,
  onSelected
}: {
  readonly connection: MetaAdsConnection
  /** Leaves the wizard without changing anything (when an account is already chosen). */
  readonly onCancel: (() => void) | null
  readonly onReconnect: () => void
  readonly onSelected: () => void
}) {
  const businesses = connection.businessManagers
  const only = businesses.length === 1 ? businesses[0] : undefined
  const [businessId, setBusinessId] = useState<string | null>(connection.selectedBusinessManagerId ?? only?.id ?? null)
  const [accountId, setAccountId] = useState<string | null>(connection.selectedAdAccountId)
  const [step, setStep] = useState<2 | 3>(2)
  const [error, setError] = useState<string | null>(null)
  const [state, select] = useMutation(SelectMetaAdAccountMutation)
  const businessName = useId()
  const accountName = useId()
  const titleId = useId()

  const business: MetaBusinessManager | undefined = businesses.find((item) => item.id === businessId)
  const account: MetaAdAccount | undefined = business?.adAccounts.find((item) => item.id === accountId)

  if (businesses.length === 0) {
    return (
      <div className="state">
        <p>Meta did not share any ad account. Reconnect and select a Business Manager with at least one ad account.</p>
        <button type="button" className="button primary" onClick={onReconnect}>
          Reconnect
        </button>
      </div>
    )
  }

  if (step === 3 && business !== undefined && account !== undefined) {
    const confirm = async () => {
      setError(null)
      const done = await select({ input: { businessManagerId: business.id, adAccountId: account.id } })
      if (done.data?.selectMetaAdAccount === undefined) {
        setError(refusal(done.error) ?? "Could not save your choice. Try again.")
        return
      }
      onSelected()
    }
    const note = accountStatusNote(account)
    return (
      <div className="state wizard">
        <Steps current={3} />
        <h3 id={titleId} className="step-title">
          Confirm
        </h3>
        <p>This workspace will use this ad account:</p>
        <dl className="facts">
          <div>
            <dt>Business Manager</dt>
            <dd>{business.name}</dd>
          </div>
          <div>
            <dt>Ad account</dt>
            <dd>
              {account.name}
              <span className="fact-detail muted number">{account.id}</span>
            </dd>
          </div>
          <div>
            <dt>Currency</dt>
            <dd>{account.currency ?? "—"}</dd>
          </div>
          <div>
            <dt>Meta user</dt>
            <dd>{connection.user?.name ?? connection.user?.id ?? "—"}</dd>
          </div>
        </dl>
        {note === null ? null : <p className="account-note">{note}</p>}
        <ErrorText error={error} />
        <div className="row">
          <button type="button" className="button primary" onClick={confirm} disabled={state.fetching}>
            {state.fetching ? "Saving…" : "Confirm"}
          </button>
          <button type="button" className="button" onClick={() => setStep(2)} disabled={state.fetching}>
            Back
          </button>
        </div>
      </div>
    )
  }

  const next = (event: FormEvent) => {
    event.preventDefault()
    if (business !== undefined && account !== undefined) setStep(3)
  }

  return (
    <form className="state wizard" onSubmit={next} aria-labelledby={titleId}>
      <Steps current={2} />
      <h3 id={titleId} className="step-title">
        Choose the ad account to use
      </h3>
      <UnreadableBusinesses connection={connection} />
      <fieldset>
        <legend>Choose a Business Manager</legend>
        <ul className="choices">
          {businesses.map((item) => (
            <li key={item.id}>
              <label className="choice">
                <input
                  type="radio"
                  name={businessName}
                  value={item.id}
                  checked={businessId === item.id}
                  onChange={() => {
                    setBusinessId(item.id)
                    setAccountId(item.adAccounts.length === 1 ? (item.adAccounts[0]?.id ?? null) : null)
                  }}
                />
                <span className="choice-name">{item.name}</span>
                <span className="muted">
                  {item.personal ? "not in a Business Manager · " : ""}
                  {item.adAccounts.length === 1 ? "1 ad account" : `${item.adAccounts.length} ad accounts`}
                </span>
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      {business === undefined ? null : (
        <fieldset>
          <legend>Choose an ad account</legend>
          <ul className="choices">
            {business.adAccounts.map((item) => {
              const note = accountStatusNote(item)
              return (
                <li key={item.id}>
                  <label className="choice">
                    <input
                      type="radio"
                      name={accountName}
                      value={item.id}
                      checked={accountId === item.id}
                      onChange={() => setAccountId(item.id)}
                    />
                    <span className="choice-name">{item.name}</span>
                    <span className="muted number">{item.id}</span>
                    {item.currency === null ? null : <span className="tag">{item.currency}</span>}
                    <span className={isActive(item.accountStatus) ? "tag ok" : "tag warn"}>
                      {accountStatusLabel(item.accountStatus)}
                    </span>
                    {note === null ? null : <span className="account-note">{note}</span>}
                  </label>
                </li>
              )
            })}
          </ul>
        </fieldset>
      )}
      <div className="row">
        <button type="submit" className="button primary" disabled={account === undefined}>
          Continue
        </button>
        {onCancel === null ? null : (
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  )
}

function Connected({
  connection,
  manager,
  onReconnect,
  onChangeAccount,
  onDisconnect,
  onTested
}: {
  readonly connection: MetaAdsConnection
  readonly manager: boolean
  readonly onReconnect: () => void
  readonly onChangeAccount: () => void
  readonly onDisconnect: () => void
  readonly onTested: () => void
}) {
  const [test, setTest] = useState<MetaAdsConnectionTest | "failed" | null>(null)
  const [testState, runTest] = useMutation(TestMetaAdsConnectionMutation)
  const business = connection.businessManagers.find((item) => item.id === connection.selectedBusinessManagerId)
  const account = business?.adAccounts.find((item) => item.id === connection.selectedAdAccountId)
  const accounts = connection.businessManagers.reduce((count, item) => count + item.adAccounts.length, 0)
  const note = account === undefined ? null : accountStatusNote(account)

  const testConnection = async () => {
    setTest(null)
    const done = await runTest({})
    const outcome = done.data?.testMetaAdsConnection
    setTest(outcome ?? "failed")
    // A refused token turns the connection to ERROR: show it.
    if (outcome === undefined || !outcome.ok) onTested()
  }

  return (
    <div className="state">
      <UnreadableBusinesses connection={connection} />
      {connection.tokenExpiringSoon ? (
        <div className="notice warn" role="status">
          <p>
            {connection.dataAccessExpiresAt !== null &&
            (connection.tokenExpiresAt === null || connection.dataAccessExpiresAt < connection.tokenExpiresAt)
              ? `Meta's access to your ads data ends on ${formatDateTime(connection.dataAccessExpiresAt)}.`
              : `The Meta Ads access token expires on ${formatDateTime(connection.tokenExpiresAt)}.`}{" "}
            {manager ? "Reconnect to keep your ads data up to date." : "Ask an admin or marketing to reconnect."}
          </p>
          {manager ? (
            <button type="button" className="button" onClick={onReconnect}>
              Reconnect
            </button>
          ) : null}
        </div>
      ) : null}
      <dl className="facts">
        <div>
          <dt>Business Manager</dt>
          <dd>{business?.name ?? connection.selectedBusinessManagerId ?? "—"}</dd>
        </div>
        <div>
          <dt>Ad account</dt>
          <dd>
            {account === undefined ? (connection.selectedAdAccountId ?? "—") : account.name}
            {account === undefined ? null : (
              <span className="fact-detail muted">
                <span className="number">{account.id}</span>
                {account.currency === null ? "" : ` · ${account.currency}`}
              </span>
            )}
          </dd>
        </div>
        <div>
          <dt>Meta user</dt>
          <dd>{connection.user?.name ?? connection.user?.id ?? "—"}</dd>
        </div>
        <TimeFact label="Connected since" iso={connection.updatedAt} />
        <TimeFact label="Access token expires" iso={connection.tokenExpiresAt} empty="Never" />
      </dl>
      {note === null ? null : <p className="account-note">{note}</p>}
      <MetaAdsHealth connection={connection} onChanged={onTested} />
      {test === null ? null : test !== "failed" && test.ok ? (
        <div className="notice ok" role="status">
          <p>
            <strong>Connection OK.</strong> Meta accepts the connection
            {test.user?.name ? ` of ${test.user.name}` : ""}; {test.adAccountCount}{" "}
            {test.adAccountCount === 1 ? "ad account" : "ad accounts"} shared
            {test.tokenExpiresAt ? `; the token expires on ${formatDateTime(test.tokenExpiresAt)}` : ""}.
          </p>
          <TestChecks checks={test.checks} />
        </div>
      ) : (
        <div className="notice bad" role="alert">
          <p>
            <strong>Connection test failed.</strong>{" "}
            {test === "failed" ? "Could not reach the service. Try again." : (test.error ?? "Meta refused the token.")}
            {test !== "failed" && manager ? " Reconnect to grant the access again." : ""}
          </p>
          {test === "failed" ? null : <TestChecks checks={test.checks} />}
        </div>
      )}
      <div className="row">
        <button type="button" className="button" onClick={testConnection} disabled={testState.fetching}>
          {testState.fetching ? "Testing…" : "Test connection"}
        </button>
        {manager && accounts > 1 ? (
          <button type="button" className="button" onClick={onChangeAccount}>
            Change ad account
          </button>
        ) : null}
        {manager ? (
          <button type="button" className="button danger-outline" onClick={onDisconnect}>
            Disconnect
          </button>
        ) : null}
      </div>
      {manager ? null : <p className="muted">{MANAGERS_ONLY}</p>}
    </div>
  )
}

const CHECK_LABEL: Readonly<Record<string, string>> = {
  token: "Access token (valid, issued to this app)",
  permissions: "Ads permissions still granted",
  ad_account: "Selected ad account readable"
}

/** Each check of the connection test, passed or failed, with what was found. */
function TestChecks({ checks }: { readonly checks: MetaAdsConnectionTest["checks"] }) {
  if (checks.length === 0) return null
  return (
    <ul className="checks">
      {checks.map((check) => (
        <li key={check.name}>
          <span className={check.ok ? "tag ok" : "tag warn"}>{check.ok ? "Passed" : "Failed"}</span>{" "}
          {CHECK_LABEL[check.name] ?? check.name}: <span className="muted">{check.detail}</span>
        </li>
      ))}
    </ul>
  )
}

/** Operators only: what Meta's debug_token says of the stored token (validity, expiry, scopes; never the token). */
function TokenDebug() {
  const [open, setOpen] = useState(false)
  const [result, reexecute] = useQuery({ query: MetaAdsTokenDebugQuery, pause: !open, requestPolicy: "network-only" })
  const debug = result.data?.metaAdsTokenDebug
  const titleId = useId()

  if (!open) {
    return (
      <button type="button" className="button subtle" onClick={() => setOpen(true)}>
        Token details (operators)
      </button>
    )
  }
  return (
    <section className="token-debug" aria-labelledby={titleId}>
      <h3 id={titleId} className="step-title">
        Token details
      </h3>
      {result.fetching && debug === undefined ? (
        <Spinner label="Asking Meta…" />
      ) : debug === undefined ? (
        <p className="error-text" role="alert">
          {refusal(result.error) ?? "Could not read the token details. Try again."}
        </p>
      ) : debug.__typename === "MetaAdsTokenDebugSuccess" && "tokenDebug" in debug ? (
        <dl className="facts">
          <div>
            <dt>Valid</dt>
            <dd>
              {debug.tokenDebug.isValid ? "Yes" : `No${debug.tokenDebug.error ? ` (${debug.tokenDebug.error})` : ""}`}
            </dd>
          </div>
          <div>
            <dt>Expires</dt>
            <dd>{debug.tokenDebug.expiresAt ? formatDateTime(debug.tokenDebug.expiresAt) : "Never"}</dd>
          </div>
          <div>
            <dt>Scopes</dt>
            <dd>{debug.tokenDebug.scopes.length === 0 ? "None" : debug.tokenDebug.scopes.join(", ")}</dd>
          </div>
        </dl>
      ) : (
        <p className="error-text" role="alert">
          {"message" in debug ? debug.message : "Could not read the token details."}
        </p>
      )}
      <div className="row">
        <button
          type="button"
          className="button"
          onClick={() => reexecute({ requestPolicy: "network-only" })}
          disabled={result.fetching}
        >
          Check again
        </button>
        <button type="button" className="button subtle" onClick={() => setOpen(false)}>
          Hide
        </button>
      </div>
    </section>
  )
}
