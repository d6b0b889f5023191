import { useState } from "react"
import { type CombinedError, useMutation, useQuery } from "urql"
import type { WebhookDeliveryState } from "../gql/graphql.ts"
import { graphql } from "../gql/index.ts"
import { formatDateTime } from "../shared/format.ts"

/**
 * Families the form offers as one choice each (presentation only: which types they hold comes from the service,
 * `webhookEventTypes`, whose list is the domain's, so a new type shows up here without a change).
 */
const GROUPED_FAMILIES = ["connection.*", "ads.connection.*"] as const

/**
 * The form's choices for the service's event types: each type, except that the members of a grouped family are
 * that one family, in the place of its first member.
 */
export const subscriptionChoices = (types: ReadonlyArray<string>): ReadonlyArray<string> => {
  const choices: Array<string> = []
  for (const type of types) {
    const choice = GROUPED_FAMILIES.find((family) => type.startsWith(family.slice(0, -1))) ?? type
    if (!choices.includes(choice)) choices.push(choice)
  }
  return choices
}

const EndpointFields = graphql(`
  fragment WebhookEndpointFields on WebhookEndpoint {
    id
    url
    events
    enabled
    disabledReason
    consecutiveFailures
    previousSecretExpiresAt
    createdAt
  }
`)

export const WebhookEndpointsQuery = graphql(`
  query WebhookEndpoints {
    webhookEndpoints {
      ...WebhookEndpointFields
    }
    webhookEventTypes
  }
`)

const DeliveriesQuery = graphql(`
  query WebhookDeliveries($endpointId: ID!, $state: WebhookDeliveryState, $eventType: String) {
    webhookDeliveries(endpointId: $endpointId, state: $state, eventType: $eventType, first: 20) {
      id
      eventId
      eventType
      state
      attempts
      nextAttemptAt
      lastStatusCode
      lastError
      occurredAt
      attemptLog {
        attemptedAt
        statusCode
        durationMs
        responseExcerpt
        error
      }
    }
  }
`)

const CreateMutation = graphql(`
  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {
    createWebhookEndpoint(input: $input) {
      secret
      endpoint {
        ...WebhookEndpointFields
      }
    }
  }
`)
const RotateMutation = graphql(`
  mutation RotateWebhookEndpointSecret($id: ID!) {
    rotateWebhookEndpointSecret(id: $id) {
      secret
      endpoint {
        ...WebhookEndpointFields
      }
    }
  }
`)
const EnableMutation = graphql(`
  mutation EnableWebhookEndpoint($id: ID!) {
    enableWebhookEndpoint(id: $id) {
      ...WebhookEndpointFields
    }
  }
`)
const DisableMutation = graphql(`
  mutation DisableWebhookEndpoint($id: ID!) {
    disableWebhookEndpoint(id: $id) {
      ...WebhookEndpointFields
    }
  }
`)
const DeleteMutation = graphql(`
  mutation DeleteWebhookEndpoint($id: ID!) {
    deleteWebhookEndpoint(id: $id)
  }
`)
const TestMutation = graphql(`
  mutation SendWebhookTestEvent($id: ID!) {
    sendWebhookTestEvent(id: $id)
  }
`)
const RetryMutation = graphql(`
  mutation RetryWebhookDelivery($id: ID!) {
    retryWebhookDelivery(id: $id)
  }
`)
const ReplayMutation = graphql(`
  mutation ReplayWebhookEvents($endpointId: ID!, $since: DateTime!) {
    replayWebhookEvents(endpointId: $endpointId, since: $since)
  }
`)

interface Endpoint {
  readonly id: string
  readonly url: string
  readonly events: ReadonlyArray<string>
  readonly enabled: boolean
  readonly disabledReason?: string | null
  readonly consecutiveFailures: number
  readonly previousSecretExpiresAt?: string | null
}

/** The GraphQL error's own message (refusals are written for a person), else a generic one. */
const errorText = (error: CombinedError | undefined): string | null =>
  error === undefined ? null : (error.graphQLErrors[0]?.message ?? "Something went wrong. Try again.")

/** An endpoint's state in words, with the next action. */
export const endpointState = (endpoint: Endpoint): { readonly label: string; readonly detail: string } => {
  if (endpoint.enabled)
    return endpoint.consecutiveFailures === 0
      ? { label: "Active", detail: "Events are delivered as they happen." }
      : {
          label: "Active",
          detail: `The last ${endpoint.consecutiveFailures} attempts failed; they are retried. Check the receiver.`
        }
  return endpoint.disabledReason === "failures"
    ? {
        label: "Disabled",
        detail: `Disabled after ${endpoint.consecutiveFailures} failed attempts in a row. Fix the receiver, then Enable; Replay since… sends what it missed.`
      }
    : { label: "Disabled", detail: "Disabled by an admin: nothing is sent. Enable to receive events again." }
}

function SecretOnce({ secret, onDone }: { readonly secret: string; readonly onDone: () => void }) {
  const [copied, setCopied] = useState(false)
  return (
    <div className="notice ok" role="status">
      <p>
        The signing secret, shown <strong>once</strong>: store it in your backend now to verify each delivery.
      </p>
      <p>
        <code className="secret">{secret}</code>{" "}
        <button
          type="button"
          className="button"
          onClick={() => {
            void navigator.clipboard?.writeText(secret)
            setCopied(true)
          }}
        >
          {copied ? "Copied" : "Copy"}
        </button>{" "}
        <button type="button" className="button" onClick={onDone}>
          Done
        </button>
      </p>
    </div>
  )
}

function DeliveryLog({
  endpointId,
  eventTypes
}: {
  readonly endpointId: string
  readonly eventTypes: ReadonlyArray<string>
}) {
  const [state, setState] = useState<WebhookDeliveryState | "">("")
  const [eventType, setEventType] = useState("")
  const [since, setSince] = useState("")
  const [replayed, setReplayed] = useState<string | null>(null)
  const [result, refetch] = useQuery({
    query: DeliveriesQuery,
    variables: { endpointId, state: state === "" ? null : state, eventType: eventType === "" ? null : eventType },
    requestPolicy: "cache-and-network"
  })
  const [retried, retry] = useMutation(RetryMutation)
  const [replay, doReplay] = useMutation(ReplayMutation)
  const refresh = () => refetch({ requestPolicy: "network-only" })
  const deliveries = result.data?.webhookDeliveries ?? []
  return (
    <section className="delivery-log" aria-label="Delivery log">
      <div className="filters">
        <label>
          State{" "}
          <select value={state} onChange={(e) => setState(e.target.value as WebhookDeliveryState | "")}>
            <option value="">All</option>
            <option value={"PENDING"}>Pending</option>
            <option value={"DELIVERED"}>Delivered</option>
            <option value={"FAILED"}>Failed</option>
          </select>
        </label>{" "}
        <label>
          Event{" "}
          <select value={eventType} onChange={(e) => setEventType(e.target.value)}>
            <option value="">All</option>
            {eventTypes.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>{" "}
        <button type="button" className="button" onClick={refresh}>
          Refresh
        </button>
      </div>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault()
          if (since === "") return
          void doReplay({ endpointId, since: new Date(since).toISOString() }).then((r) => {
            if (r.data !== undefined) {
              setReplayed(`${r.data.replayWebhookEvents} events are being sent again (same event ids).`)
              refresh()
            }
          })
        }}
      >
        <label>
          Replay since <input type="datetime-local" value={since} onChange={(e) => setSince(e.target.value)} required />
        </label>{" "}
        <button type="submit" className="button" disabled={replay.fetching}>
          Replay
        </button>
        {replayed === null ? null : <span role="status"> {replayed}</span>}
        {errorText(replay.error) === null ? null : <span role="alert"> {errorText(replay.error)}</span>}
      </form>
      {errorText(retried.error) === null ? null : (
        <div className="notice bad" role="alert">
          {errorText(retried.error)}
        </div>
      )}
      {deliveries.length === 0 ? (
        <p className="muted">
          {result.fetching ? "Loading…" : "No deliveries yet. Send a test event to try the endpoint."}
        </p>
      ) : (
        <table className="deliveries">
          <thead>
            <tr>
              <th>Event</th>
              <th>State</th>
              <th>Attempts</th>
              <th>Last answer</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {deliveries.map((delivery) => {
              const last = delivery.attemptLog.at(-1)
              return (
                <tr key={delivery.id}>
                  <td>
                    <strong>{delivery.eventType}</strong>
                    <br />
                    <span className="muted">{formatDateTime(delivery.occurredAt)}</span>
                  </td>
                  <td>
                    {delivery.state === "DELIVERED"
                      ? "Delivered"
                      : delivery.state === "FAILED"
                        ? "Failed: every attempt failed. Retry now or replay."
                        : delivery.nextAttemptAt == null
                          ? "Pending"
                          : `Pending: next attempt ${formatDateTime(delivery.nextAttemptAt)}`}
                  </td>
                  <td>{delivery.attempts}</td>
                  <td>
                    {last === undefined
                      ? "—"
                      : `${last.statusCode === null || last.statusCode === undefined ? (last.error ?? "no answer") : `HTTP ${last.statusCode}`} in ${last.durationMs} ms`}
                    {last?.responseExcerpt ? (
                      <>
                        <br />
                        <code className="muted">{last.responseExcerpt.slice(0, 120)}</code>
                      </>
                    ) : null}
                  </td>
                  <td>
                    <button
                      type="button"
                      className="button"
                      disabled={retried.fetching}
                      onClick={() => void retry({ id: delivery.id }).then(refresh)}
                    >
                      Retry now
                    </button>
                  </td>
                </tr>
              )
            })}
          </tbody>
        </table>
      )}
    </section>
  )
}

function EndpointRow({
  endpoint,
  eventTypes,
  onChanged
}: {
  readonly endpoint: Endpoint
  readonly eventTypes: ReadonlyArray<string>
  readonly onChanged: () => void
}) {
  const [open, setOpen] = useState(false)
  const [secret, setSecret] = useState<string | null>(null)
  const [tested, setTested] = useState(false)
  const [enabled, enable] = useMutation(EnableMutation)
  const [disabled, disable] = useMutation(DisableMutation)
  const [deleted, remove] = useMutation(DeleteMutation)
  const [rotated, rotate] = useMutation(RotateMutation)
  const [test, sendTest] = useMutation(TestMutation)
  const state = endpointState(endpoint)
  const error = [enabled, disabled, deleted, rotated, test].map((m) => errorText(m.error)).find((e) => e !== null)
  return (
    <li className="endpoint" aria-label={endpoint.url}>
      <div className="endpoint-head">
        <code>{endpoint.url}</code> <span className={`badge ${endpoint.enabled ? "ok" : "bad"}`}>{state.label}</span>
      </div>
      <p className="muted">
        {state.detail} Events: {endpoint.events.join(", ")}.
        {endpoint.previousSecretExpiresAt
          ? ` The previous secret also signs until ${formatDateTime(endpoint.previousSecretExpiresAt)}.`
          : ""}
      </p>
      {error == null ? null : (
        <div className="notice bad" role="alert">
          {error}
        </div>
      )}
      {secret === null ? null : <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
      {tested ? <p role="status">A test event is on its way; it appears in the delivery log.</p> : null}
      <div className="actions">
        <button
          type="button"
          className="button"
          disabled={test.fetching || !endpoint.enabled}
          onClick={() =>
            void sendTest({ id: endpoint.id }).then((r) => {
              if (r.data !== undefined) {
                setTested(true)
                setOpen(true)
              }
            })
          }
        >
          Send test event
        </button>
        <button type="button" className="button" onClick={() => setOpen(!open)} aria-expanded={open}>
          {open ? "Hide deliveries" : "Deliveries"}
        </button>
        {endpoint.enabled ? (
          <button type="button" className="button" onClick={() => void disable({ id: endpoint.id }).then(onChanged)}>
            Disable
          </button>
        ) : (
          <button type="button" className="button" onClick={() => void enable({ id: endpoint.id }).then(onChanged)}>
            Enable
          </button>
        )}
        <button
          type="button"
          className="button"
          onClick={() =>
            void rotate({ id: endpoint.id }).then((r) => {
              if (r.data !== undefined) setSecret(r.data.rotateWebhookEndpointSecret.secret)
              onChanged()
            })
          }
        >
          Rotate secret
        </button>
        <button
          type="button"
          className="button danger"
          onClick={() => void remove({ id: endpoint.id }).then(onChanged)}
        >
          Delete
        </button>
      </div>
      {open ? <DeliveryLog endpointId={endpoint.id} eventTypes={eventTypes} /> : null}
    </li>
  )
}

/** The tenant's webhook endpoints: create (secret shown once), their state, delivery log, test, retry, replay. */
export function WebhooksCard() {
  const [result, refetch] = useQuery({ query: WebhookEndpointsQuery, requestPolicy: "cache-and-network" })
  const [created, create] = useMutation(CreateMutation)
  const [url, setUrl] = useState("")
  const [events, setEvents] = useState<ReadonlyArray<string>>(["message.received", "message.status"])
  const [secret, setSecret] = useState<string | null>(null)
  const refresh = () => refetch({ requestPolicy: "network-only" })
  const forbidden = result.error?.graphQLErrors.some((e) => e.extensions["code"] === "FORBIDDEN") ?? false
  const endpoints = (result.data?.webhookEndpoints ?? []) as ReadonlyArray<Endpoint>
  const eventTypes = result.data?.webhookEventTypes ?? []
  return (
    <section className="card" aria-label="Webhook endpoints">
      <header className="card-header">
        <div>
          <h2>Webhook endpoints</h2>
          <p className="muted">
            Your backend hears every message, status and connection change: signed (Standard Webhooks), retried for
            about 3 days.
          </p>
        </div>
      </header>
      {forbidden ? (
        <p className="muted">Only admins manage webhook endpoints.</p>
      ) : (
        <>
          {secret === null ? null : <SecretOnce secret={secret} onDone={() => setSecret(null)} />}
          <form
            className="endpoint-form"
            onSubmit={(event) => {
              event.preventDefault()
              void create({ input: { url, events: [...events] } }).then((r) => {
                if (r.data !== undefined) {
                  setSecret(r.data.createWebhookEndpoint.secret)
                  setUrl("")
                  refresh()
                }
              })
            }}
          >
            <label>
              Endpoint URL{" "}
              <input
                type="url"
                value={url}
                placeholder="https://api.example.com/webhooks/meta"
                onChange={(e) => setUrl(e.target.value)}
                required
              />
            </label>
            <fieldset>
              <legend>Events</legend>
              {subscriptionChoices(eventTypes).map((type) => (
                <label key={type}>
                  <input
                    type="checkbox"
                    checked={events.includes(type)}
                    onChange={(e) => setEvents(e.target.checked ? [...events, type] : events.filter((t) => t !== type))}
                  />{" "}
                  {type}
                </label>
              ))}
            </fieldset>
            <button type="submit" className="button primary" disabled={created.fetching || events.length === 0}>
              Add endpoint
            </button>
            {errorText(created.error) === null ? null : (
              <div className="notice bad" role="alert">
                {errorText(created.error)}
              </div>
            )}
          </form>
          {endpoints.length === 0 ? (
            <p className="muted">No endpoint yet: add your backend's HTTPS URL above.</p>
          ) : (
            <ul className="endpoints">
              {endpoints.map((endpoint) => (
                <EndpointRow key={endpoint.id} endpoint={endpoint} eventTypes={eventTypes} onChanged={refresh} />
              ))}
            </ul>
          )}
        </>
      )}
    </section>
  )
}

export { EndpointFields }
