import { type FormEvent, type ReactNode, useId, useState } from "react"
import { type OperationResult, useMutation } from "urql"
import { type ConnectState, isBusy, nextActions, redirectUrl } from "../connect/connectFlow.ts"
import type { MetaClientConfig } from "../connect/metaSdk.ts"
import { useConnectFlow } from "../connect/useConnectFlow.ts"
import type { RegisterWhatsAppNumberMutation, ConnectionFieldsFragment as WhatsAppConnection } from "../gql/graphql.ts"
import { type FragmentType, graphql, useFragment } from "../gql/index.ts"
import { ChannelCard, ErrorText, TimeFact, TryAgain } from "../shared/Card.tsx"
import { isRateLimited } from "../shared/client.ts"
import { ConfirmDisconnect, Spinner } from "../shared/Dialog.tsx"
import { expiresSoon, formatDate, formatDateTime, formatPhoneNumber } from "../shared/format.ts"
import {
  connectedMessage,
  pendingMessage,
  type ReturnFromMeta,
  reasonMessage,
  startFailureMessage,
  TOO_MANY_ATTEMPTS
} from "../shared/reasons.ts"
import { completeWhatsApp } from "./completeWhatsApp.ts"
import { HealthPanel } from "./HealthPanel.tsx"
import { ManualConnect } from "./ManualConnect.tsx"

/** What the card says when Meta shows the number connected but a check that gates messaging fails. */
const NOT_WORKING_TEXT = "WhatsApp is connected, but messages may not arrive: see the failing check below."

/** The WhatsApp connection as the card shows it (also the result of the mutations that change it). */
const ConnectionFields = graphql(`
  fragment ConnectionFields on WhatsAppConnection {
    id
    status
    connected
    phoneNumberE164
    displayName
    wabaId
    phoneNumberId
    tokenExpiresAt
    error
    pendingReason
    warning
    displayNameStatus
    updatedAt
    health {
      messagingHealthy
    }
    ...HealthPanelFields
    choices {
      id
      displayPhoneNumber
      verifiedName
      heldByAnotherWorkspace
    }
  }
`)

const WhatsAppCardViewer = graphql(`
  fragment WhatsAppCardViewer on Viewer {
    canOperate
  }
`)

const StartConnectMutation = graphql(`
  mutation StartWhatsAppConnect {
    startWhatsAppConnect {
      authUrl
      state
    }
  }
`)

const DisconnectMutation = graphql(`
  mutation DisconnectWhatsApp {
    disconnectWhatsApp {
      ...ConnectionFields
    }
  }
`)

const ChooseNumberMutation = graphql(`
  mutation ChooseWhatsAppNumber($phoneNumberId: String!) {
    chooseWhatsAppNumber(phoneNumberId: $phoneNumberId) {
      __typename
      ... on ChooseWhatsAppNumberSuccess {
        connection {
          ...ConnectionFields
        }
      }
      ... on Error {
        message
      }
    }
  }
`)

const RegisterNumberMutation = graphql(`
  mutation RegisterWhatsAppNumber($input: RegisterWhatsAppNumberInput!) {
    registerWhatsAppNumber(input: $input) {
      __typename
      ... on RegisterWhatsAppNumberSuccess {
        connection {
          pendingReason
          ...ConnectionFields
        }
      }
      ... on Error {
        message
      }
    }
  }
`)

export interface WhatsAppCardProps {
  readonly connection: FragmentType<typeof ConnectionFields>
  readonly viewer: FragmentType<typeof WhatsAppCardViewer>
  /** Where the OAuth callback sent us back, read once from the query string. */
  readonly returned: ReturnFromMeta | null
  /** True while the status is being refreshed after coming back from Meta. */
  readonly finishing: boolean
  readonly onChanged: () => void
  /** Full-page navigation to Meta's dialog (a prop so tests can watch it). */
  readonly navigate?: (url: string) => void
  /** Embedded Signup through Meta's JS SDK popup (the default when given); else the full-page redirect. */
  readonly popup?: { readonly meta: MetaClientConfig; readonly token: string }
}

/**
 * What the connect flow ended with, for a person; null while nothing is to say. A `bad` notice is an error: the card
 * offers exactly one "Try again" with it (`nextActions`).
 */
const flowNotice = (state: ConnectState): { readonly tone: "ok" | "bad" | "warn"; readonly text: string } | null => {
  switch (state.phase) {
    case "done":
      return state.answer.outcome === "connected"
        ? { tone: "ok", text: connectedMessage(state.answer.reason) }
        : state.answer.outcome === "pending"
          ? { tone: "warn", text: pendingMessage(state.answer.reason) }
          : { tone: "bad", text: reasonMessage(state.answer.reason ?? null) }
    case "cancelled":
      return {
        tone: "bad",
        text:
          state.errorMessage === null
            ? reasonMessage("cancelled")
            : `Meta said: ${state.errorMessage}${state.sessionId === null ? "" : ` If you contact support, give them this session id: ${state.sessionId}.`}`
      }
    case "blocked":
      return {
        tone: "warn",
        text:
          state.why === "iframe"
            ? "Meta's window cannot open inside this embedded page."
            : "Meta's window did not open (a popup blocker may have stopped it)."
      }
    case "failed":
      return { tone: "bad", text: state.message }
    default:
      return null
  }
}

/**
 * The state the card shows. A workspace that never connected (an error row with no number: the last attempt failed)
 * is not connected, with that attempt's error; it is not an "Error" badge.
 */
export const shownStatus = (connection: WhatsAppConnection): WhatsAppConnection["status"] =>
  connection.status === "ERROR" && connection.phoneNumberE164 == null ? "NOT_CONNECTED" : connection.status

/**
 * Errors of a login that cannot matter once the connection is active: the same login replayed (Back to Meta's
 * page and approving again), or one opened in another browser. Back after a successful connect shows it connected.
 */
const STALE_WHEN_ACTIVE = new Set(["state_used", "state_invalid", "state_expired"])

const STATUS_LABEL: Record<WhatsAppConnection["status"], string> = {
  NOT_CONNECTED: "Not connected",
  PENDING: "Action needed",
  ACTIVE: "Connected",
  ERROR: "Error",
  REVOKED: "Disconnected"
}

/** The display-name review state in words. */
const displayNameLabel = (status: string | null | undefined): string =>
  status === "DECLINED"
    ? "declined by Meta"
    : status === "EXPIRED"
      ? "approval expired"
      : status === "NONE"
        ? "not set"
        : "in review at Meta"

const badgeClass = (status: WhatsAppConnection["status"]) =>
  status === "ACTIVE" ? "badge ok" : status === "ERROR" ? "badge bad" : status === "PENDING" ? "badge warn" : "badge"

const assign = (url: string) => window.location.assign(url)

const LOGO = (
  <svg viewBox="0 0 24 24" width="28" height="28" focusable="false">
    <title>WhatsApp</title>
    <path
      fill="currentColor"
      d="M12 2a10 10 0 0 0-8.6 15.1L2 22l5-1.3A10 10 0 1 0 12 2Zm0 18.2a8.2 8.2 0 0 1-4.2-1.2l-.3-.2-3 .8.8-2.9-.2-.3A8.2 8.2 0 1 1 12 20.2Zm4.5-6.1c-.2-.1-1.5-.7-1.7-.8-.2-.1-.4-.1-.6.1l-.8 1c-.1.2-.3.2-.5.1a6.7 6.7 0 0 1-3.3-2.9c-.2-.4.3-.4.8-1.3.1-.2 0-.3 0-.4l-.8-1.8c-.2-.5-.4-.4-.6-.4h-.5a1 1 0 0 0-.7.3 3 3 0 0 0-.9 2.2 5.2 5.2 0 0 0 1.1 2.8 11.9 11.9 0 0 0 4.6 4c1.7.7 2.4.8 3.2.7.5-.1 1.5-.6 1.8-1.2.2-.6.2-1.1.1-1.2l-.5-.3Z"
    />
  </svg>
)

export function WhatsAppCard({
  connection: connectionRef,
  viewer: viewerRef,
  returned,
  finishing,
  onChanged,
  navigate = assign,
  popup
}: WhatsAppCardProps) {
  const connection = useFragment(ConnectionFields, connectionRef)
  const viewer = useFragment(WhatsAppCardViewer, viewerRef)
  /** A failed disconnect, and its "Try again" (a failed connect is the flow's `failed` state). */
  const [actionError, setActionError] = useState<string | null>(null)
  const [dismissed, setDismissed] = useState(false)
  const [confirming, setConfirming] = useState(false)
  const [, startConnect] = useMutation(StartConnectMutation)
  const [disconnectState, disconnect] = useMutation(DisconnectMutation)
  const flow = useConnectFlow({
    config: popup?.meta ?? null,
    start: async () => {
      const result = await startConnect({})
      const started = result.data?.startWhatsAppConnect
      if (started === undefined) return startFailureMessage(isRateLimited(result.error))
      return started
    },
    complete: (body) => completeWhatsApp(popup?.token ?? "")(body),
    reportCancel: (body) => completeWhatsApp(popup?.token ?? "")(body),
    onDone: () => onChanged(),
    navigate,
    // Back from Meta's dialog: ask for the status again (the connection may have been made meanwhile, in this tab
    // or another).
    onBack: onChanged
  })

  const connect = async () => {
    setActionError(null)
    setDismissed(true)
    return flow.connect()
  }

  const confirmDisconnect = async () => {
    const result = await disconnect({})
    setConfirming(false)
    setDismissed(true)
    if (result.error !== undefined) {
      flow.reset()
      setActionError("Could not disconnect.")
    }
    onChanged()
  }

  const status = shownStatus(connection)
  const busy = finishing || isBusy(flow.state)
  // Connected at Meta, but a check that gates messaging fails: the card's words agree with the health panel.
  const notWorking = status === "ACTIVE" && !connection.health.messagingHealthy
  const flowed = flowNotice(flow.state)
  const notice = flowed?.tone === "ok" && notWorking ? { tone: "warn" as const, text: NOT_WORKING_TEXT } : flowed
  const actions = nextActions(flow.state)
  const redirect = redirectUrl(flow.state)
  const staleReturn = returned?.kind === "error" && status === "ACTIVE" && STALE_WHEN_ACTIVE.has(returned.reason ?? "")
  const showReturnError = returned?.kind === "error" && !dismissed && !busy && !staleReturn
  const showConnected = (returned?.kind === "connected" || staleReturn) && !dismissed && !busy && status === "ACTIVE"
  // Each error is shown once, with one "Try again"; the state below then does not repeat the connect button.
  const errorShown = showReturnError || (!busy && notice?.tone === "bad")
  /** The last attempt's error a never-connected workspace keeps (its error row has no number). */
  const lastAttempt = connection.status === "ERROR" && status === "NOT_CONNECTED" ? connection.error : null

  return (
    <ChannelCard
      logo={{
        className: "wa-logo",
        svg: LOGO
      }}
      title="WhatsApp"
      description="Receive and send WhatsApp messages through your own business number."
      badge={
        // Connected only while the checks that gate messaging pass: the health panel says what fails.
        notWorking && !busy
          ? { className: "badge bad", label: "Not working" }
          : { className: badgeClass(status), label: busy ? "Connecting…" : STATUS_LABEL[status] }
      }
      busy={busy}
      notices={
        <>
          {showReturnError ? (
            <div className="notice bad" role="alert">
              <p>{reasonMessage(returned.reason)}</p>
              <TryAgain onClick={connect} />
            </div>
          ) : null}
          {showConnected ? (
            <div className={`notice ${notWorking ? "warn" : "ok"}`} role="status">
              <p>{notWorking ? NOT_WORKING_TEXT : "WhatsApp is connected."}</p>
            </div>
          ) : null}
          {notice === null || busy ? null : (
            <div className={`notice ${notice.tone}`} role={notice.tone === "ok" ? "status" : "alert"}>
              <p>{notice.text}</p>
              {redirect === null || !actions.includes("redirect") ? null : (
                <button type="button" className="button primary" onClick={() => navigate(redirect)}>
                  Continue in this window
                </button>
              )}
              {actions.includes("retry") ? <TryAgain onClick={connect} /> : null}
            </div>
          )}
          {actionError === null || busy ? null : (
            <div className="notice bad" role="alert">
              <p>{actionError}</p>
              <TryAgain onClick={() => setConfirming(true)} />
            </div>
          )}
        </>
      }
      footer={viewer.canOperate ? <ManualConnect onConnected={onChanged} /> : null}
      dialog={
        confirming ? (
          <ConfirmDisconnect
            channel="WhatsApp"
            consequence="Messages will stop arriving and you will not be able to send until you connect again. Your message history is kept."
            busy={disconnectState.fetching}
            onCancel={() => setConfirming(false)}
            onConfirm={confirmDisconnect}
          />
        ) : null
      }
    >
      {busy ? (
        <Spinner
          label={
            flow.state.phase === "starting" || flow.state.phase === "awaiting"
              ? "Waiting for Meta… finish the steps in the Meta window."
              : "Finishing the connection…"
          }
        />
      ) : status === "ACTIVE" ? (
        <Connected connection={connection} onReconnect={connect} onDisconnect={() => setConfirming(true)} />
      ) : status === "PENDING" ? (
        <Pending connection={connection} onReconnect={connect} onChanged={onChanged} />
      ) : status === "ERROR" ? (
        <div className="state">
          <p>
            <strong>The connection needs attention.</strong>{" "}
            {connection.error ?? "WhatsApp stopped accepting this connection."}
          </p>
          <NumberFacts connection={connection} />
          <div className="row">
            <button type="button" className="button primary" onClick={connect}>
              Reconnect
            </button>
            <button type="button" className="button danger-outline" onClick={() => setConfirming(true)}>
              Disconnect
            </button>
          </div>
        </div>
      ) : (
        <div className="state">
          <p>
            {status === "REVOKED"
              ? `Disconnected${connection.updatedAt ? ` on ${formatDate(connection.updatedAt)}` : ""}. Your message history is kept.`
              : "Connect your WhatsApp Business number to receive and reply to customers here."}
          </p>
          {lastAttempt === null || errorShown ? null : (
            <div className="notice bad" role="alert">
              <p>
                <strong>The last attempt failed.</strong> {lastAttempt}
              </p>
              <TryAgain onClick={connect} />
            </div>
          )}
          {errorShown || lastAttempt !== null ? null : (
            <button type="button" className="button primary" onClick={connect}>
              Connect WhatsApp
            </button>
          )}
        </div>
      )}
    </ChannelCard>
  )
}

/** The Reconnect every PENDING step offers besides its own action. */
function ReconnectButton({ onClick }: { readonly onClick: () => void }) {
  return (
    <button type="button" className="button" onClick={onClick}>
      Reconnect
    </button>
  )
}

/** The number and its display name, as every state that knows them shows them. */
function NumberFacts({
  connection,
  children
}: {
  readonly connection: WhatsAppConnection
  readonly children?: ReactNode
}) {
  if (connection.phoneNumberE164 == null && connection.displayName == null && children === undefined) return null
  return (
    <dl className="facts">
      <div>
        <dt>Phone number</dt>
        <dd className="number">{connection.phoneNumberE164 ? formatPhoneNumber(connection.phoneNumberE164) : "—"}</dd>
      </div>
      <div>
        <dt>Display name</dt>
        <dd>{connection.displayName ?? "—"}</dd>
      </div>
      {children}
    </dl>
  )
}

/** Meta's review of the display name, in words, with what to do next. */
const DISPLAY_NAME_REVIEW: Readonly<Record<string, string>> = {
  PENDING_REVIEW:
    "Meta is reviewing the display name of this number. You can send messages once Meta accepts it, which usually takes one to two days; then press Reconnect.",
  DECLINED:
    "Meta declined the display name of this number. Change it in WhatsApp Manager, wait for Meta to accept it, then press Reconnect.",
  EXPIRED:
    "Meta's approval of the display name of this number expired. Submit the name again in WhatsApp Manager, then press Reconnect once Meta accepts it.",
  NONE: "This number has no display name yet. Set one in WhatsApp Manager, then press Reconnect once Meta accepts it."
}

export const displayNameReviewText = (status: string | null | undefined): string =>
  (status != null && Object.hasOwn(DISPLAY_NAME_REVIEW, status) ? DISPLAY_NAME_REVIEW[status] : undefined) ??
  "Meta is reviewing the display name of this number. You can send messages once Meta accepts it, which usually takes one to two days. If Meta declines the name, change it in WhatsApp Manager, then reconnect."

function Connected({
  connection,
  onReconnect,
  onDisconnect
}: {
  readonly connection: WhatsAppConnection
  readonly onReconnect: () => void
  readonly onDisconnect: () => void
}) {
  const expiring = expiresSoon(connection.tokenExpiresAt)
  return (
    <div className="state">
      {connection.warning == null ? null : (
        <p className="notice warn" role="status">
          {connection.warning}
        </p>
      )}
      {expiring ? (
        <div className="notice warn" role="status">
          <p>
            The WhatsApp access token expires on {formatDateTime(connection.tokenExpiresAt)}. Reconnect to keep messages
            flowing.
          </p>
          <ReconnectButton onClick={onReconnect} />
        </div>
      ) : null}
      <NumberFacts connection={connection}>
        <TimeFact label="Connected since" iso={connection.updatedAt} />
      </NumberFacts>
      <HealthPanel connection={connection} />
      <button type="button" className="button danger-outline" onClick={onDisconnect}>
        Disconnect
      </button>
    </div>
  )
}

/** What each PENDING step is given: the connection, Reconnect, and a way to refresh it after an action. */
interface PendingStepProps {
  readonly connection: WhatsAppConnection
  readonly onReconnect: () => void
  readonly onChanged: () => void
}

function Pending({ connection, onReconnect, onChanged }: PendingStepProps) {
  const [choice, setChoice] = useState<string | null>(null)
  const [error, setError] = useState<string | null>(null)
  const [state, choose] = useMutation(ChooseNumberMutation)
  const name = useId()

  // One branch per pending reason; each says what is awaited and offers the next action.
  switch (connection.pendingReason) {
    case "choose_number":
      break
    case "pin_required":
      return <PinRequired connection={connection} onReconnect={onReconnect} onChanged={onChanged} />
    case "number_not_verified":
      return <NotVerified connection={connection} onReconnect={onReconnect} onChanged={onChanged} />
    case "display_name_review":
      return (
        <div className="state">
          <p>
            <strong>Display name: {displayNameLabel(connection.displayNameStatus)}.</strong>{" "}
            {displayNameReviewText(connection.displayNameStatus)}
          </p>
          {connection.error ? <p role="alert">{connection.error}</p> : null}
          <NumberFacts connection={connection} />
          <ReconnectButton onClick={onReconnect} />
        </div>
      )
    case "add_phone_number":
      return (
        <div className="state">
          <p>
            <strong>No phone number yet.</strong> Your WhatsApp Business account is shared, but no phone number was
            added. Add and verify a number in WhatsApp Manager, then press Reconnect.
          </p>
          <ReconnectButton onClick={onReconnect} />
        </div>
      )
    default:
      return (
        <div className="state">
          <p>
            <strong>One more step is needed at Meta.</strong> Reconnect to finish connecting this number.
          </p>
          <NumberFacts connection={connection} />
          <ReconnectButton onClick={onReconnect} />
        </div>
      )
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (choice === null) return
    setError(null)
    const result = await choose({ phoneNumberId: choice })
    const data = result.data?.chooseWhatsAppNumber
    if (data === undefined) setError("Could not connect this number. Try again.")
    else if ("message" in data) setError(data.message)
    else onChanged()
  }

  return (
    <form className="state" onSubmit={submit}>
      <fieldset>
        <legend>Meta shared several numbers. Choose the one to connect:</legend>
        <ul className="choices">
          {connection.choices.map((item) => (
            <li key={item.id}>
              <label className={item.heldByAnotherWorkspace ? "choice taken" : "choice"}>
                <input
                  type="radio"
                  name={name}
                  value={item.id}
                  checked={choice === item.id}
                  disabled={item.heldByAnotherWorkspace}
                  onChange={() => setChoice(item.id)}
                />
                <span className="number">{formatPhoneNumber(item.displayPhoneNumber)}</span>
                {item.verifiedName ? <span className="muted">{item.verifiedName}</span> : null}
                {item.heldByAnotherWorkspace ? (
                  <span className="muted">Connected to another workspace: it cannot be used here.</span>
                ) : null}
              </label>
            </li>
          ))}
        </ul>
      </fieldset>
      <ErrorText error={error} />
      <div className="row">
        <button type="submit" className="button primary" disabled={choice === null || state.fetching}>
          {state.fetching ? "Connecting…" : "Use this number"}
        </button>
        <ReconnectButton onClick={onReconnect} />
      </div>
    </form>
  )
}

/** What a registration attempt answered, for a person: null when it went through. */
const registerOutcome = (result: OperationResult<RegisterWhatsAppNumberMutation>): string | null => {
  const data = result.data?.registerWhatsAppNumber
  if (data === undefined) {
    return isRateLimited(result.error)
      ? TOO_MANY_ATTEMPTS
      : "Could not reach the service. Check your network and try again."
  }
  if (data.__typename === "RateLimited") return TOO_MANY_ATTEMPTS
  return "message" in data && typeof data.message === "string" ? data.message : null
}

/** The number has a two-step verification PIN set before it came here: an admin enters it once. */
function PinRequired({ connection, onReconnect, onChanged }: PendingStepProps) {
  const [pin, setPin] = useState("")
  const [error, setError] = useState<string | null>(null)
  const [state, register] = useMutation(RegisterNumberMutation)
  const field = useId()
  const valid = /^\d{6}$/.test(pin)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    if (!valid) return
    setError(null)
    const result = await register({ input: { pin } })
    // The PIN is used once: it does not stay in the page.
    setPin("")
    const problem = registerOutcome(result)
    if (problem === null) onChanged()
    else setError(problem)
  }

  return (
    <form className="state" onSubmit={submit}>
      <p>
        <strong>This number already has a two-step verification PIN.</strong> Enter it to finish connecting. You set it
        in WhatsApp Manager (Phone numbers, Two-step verification) or with your previous provider; if nobody knows it,
        turn two-step verification off there, then reconnect.
      </p>
      {connection.phoneNumberE164 ? <p className="number">{formatPhoneNumber(connection.phoneNumberE164)}</p> : null}
      <label htmlFor={field}>Two-step verification PIN (6 digits)</label>
      <input
        id={field}
        type="password"
        inputMode="numeric"
        autoComplete="off"
        maxLength={6}
        pattern="\d{6}"
        value={pin}
        onChange={(event) => setPin(event.target.value.replace(/\D/g, "").slice(0, 6))}
      />
      <ErrorText error={error} />
      <div className="row">
        <button type="submit" className="button primary" disabled={!valid || state.fetching}>
          {state.fetching ? "Registering…" : "Register number"}
        </button>
        <ReconnectButton onClick={onReconnect} />
      </div>
    </form>
  )
}

/** The number's owner has not verified it at Meta yet: nothing is registered until they do. */
function NotVerified({ connection, onReconnect, onChanged }: PendingStepProps) {
  const [message, setMessage] = useState<string | null>(null)
  const [state, register] = useMutation(RegisterNumberMutation)

  const check = async () => {
    setMessage(null)
    const result = await register({ input: {} })
    const problem = registerOutcome(result)
    const data = result.data?.registerWhatsAppNumber
    const after = data?.__typename === "RegisterWhatsAppNumberSuccess" ? data.connection : null
    if (problem !== null) setMessage(problem)
    else if (after?.pendingReason === "number_not_verified")
      setMessage("Meta still reports this number as not verified. Verify it in WhatsApp Manager, then check again.")
    onChanged()
  }

  return (
    <div className="state">
      <p>
        <strong>This phone number is not verified yet.</strong> Verify it in WhatsApp Manager (Phone numbers, then
        Verify, with the code Meta sends by text message or call), then press Check again. If you added the wrong
        number, reconnect and pick another.
      </p>
      {connection.phoneNumberE164 ? <p className="number">{formatPhoneNumber(connection.phoneNumberE164)}</p> : null}
      {message === null ? null : (
        <p className="notice warn" role="status">
          {message}
        </p>
      )}
      <div className="row">
        <button type="button" className="button primary" onClick={check} disabled={state.fetching}>
          {state.fetching ? "Checking…" : "Check again"}
        </button>
        <ReconnectButton onClick={onReconnect} />
      </div>
    </div>
  )
}
