import { useState } from "react"
import { useMutation } from "urql"
import type { HealthChecksFieldsFragment } from "../gql/graphql.ts"
import { type FragmentType, graphql, useFragment } from "../gql/index.ts"
import { HealthChecks, HealthChecksFields } from "../shared/HealthChecks.tsx"

/** The connection's health checks, as the panel shows them. */
export const HealthPanelFields = graphql(`
  fragment HealthPanelFields on WhatsAppConnection {
    health {
      ...HealthChecksFields
    }
  }
`)

const CheckMutation = graphql(`
  mutation CheckWhatsAppConnection {
    checkWhatsAppConnection {
      id
      ...HealthPanelFields
    }
  }
`)

const TestMessageMutation = graphql(`
  mutation SendWhatsAppTestMessage($to: String!) {
    sendWhatsAppTestMessage(input: { to: $to }) {
      __typename
      ... on SendWhatsAppTestMessageSuccess {
        connection {
          id
          ...HealthPanelFields
        }
      }
      ... on Error {
        message
      }
    }
  }
`)

/** E.164 as the service accepts it: an optional +, then 8 to 15 digits, the first not 0 (spaces and dashes allowed). */
const E164 = /^\+?[1-9]\d{7,14}$/

type TestState =
  | { readonly kind: "idle" }
  | { readonly kind: "accepted"; readonly to: string }
  | { readonly kind: "refused"; readonly message: string }

/**
 * "Send a test message to my phone": a fixed text to the number the admin types, through the normal send path; the
 * `send` check in the panel then says whether it went out (and later whether Meta reported it failed).
 */
function TestMessageForm({ onChanged }: { readonly onChanged?: (() => void) | undefined }) {
  const [to, setTo] = useState("")
  const [result, setResult] = useState<TestState>({ kind: "idle" })
  const [state, send] = useMutation(TestMessageMutation)
  const submit = async (event: React.FormEvent) => {
    event.preventDefault()
    const typed = to.replace(/[\s().-]/g, "")
    if (!E164.test(typed)) {
      setResult({ kind: "refused", message: "Type the phone number with its country code, for example +15551234567." })
      return
    }
    const answer = await send({ to: typed }, { additionalTypenames: ["WhatsAppConnection"] })
    const data = answer.data?.sendWhatsAppTestMessage
    if (answer.error !== undefined)
      setResult({
        kind: "refused",
        message:
          answer.error.graphQLErrors[0]?.extensions?.["code"] === "RATE_LIMITED"
            ? "Several test messages were sent just now: try again in a few minutes."
            : "The test message could not be sent. Try again in a moment."
      })
    else if (data?.__typename === "SendWhatsAppTestMessageSuccess") setResult({ kind: "accepted", to: typed })
    else if (data !== undefined && "message" in data)
      setResult({ kind: "refused", message: data.message ?? "The test message could not be sent." })
    onChanged?.()
  }
  return (
    <form className="test-message" onSubmit={submit} aria-label="Send a test message">
      <label htmlFor="test-message-to">Send a test message to my phone (number with country code)</label>{" "}
      <input
        id="test-message-to"
        type="tel"
        inputMode="tel"
        placeholder="+15551234567"
        value={to}
        onChange={(event) => setTo(event.target.value)}
      />{" "}
      <button type="submit" className="button" disabled={state.fetching || to.trim() === ""}>
        {state.fetching ? "Sending…" : "Send test message"}
      </button>
      {result.kind === "accepted" ? (
        <p className="notice good" role="status">
          Meta accepted the test message to {result.to}. It should arrive within a minute; the Test message check below
          says if Meta reports it failed.
        </p>
      ) : result.kind === "refused" ? (
        <p className="notice bad" role="alert">
          {result.message}
        </p>
      ) : (
        <p className="muted">A fixed text from your WhatsApp number proves that sending works.</p>
      )}
    </form>
  )
}

type Check = HealthChecksFieldsFragment["checks"][number]

const CHECK_TITLE: Record<string, string> = {
  token: "Access token",
  waba_subscription: "Webhook subscription of the WhatsApp Business Account",
  app_webhook: "App webhook callback",
  number: "Phone number registration",
  display_name: "Display name",
  quality: "Quality rating",
  messaging_limit: "Messaging limit",
  webhooks: "Webhooks received",
  account_review: "Account review",
  send: "Test message"
}

/** Checks that warn the tenant with a badge on the card: quality, display name, no webhook since connect. */
const BADGE_CHECKS = new Set(["quality", "display_name", "webhooks"])

/** The card's warning badge text, or null: the first warning among quality, display name and webhooks. */
export const healthWarning = (checks: ReadonlyArray<Check>): string | null => {
  const warned = checks.filter((c) => c.status === "WARNING" && BADGE_CHECKS.has(c.name))
  if (warned.length === 0) return null
  return warned.map((c) => CHECK_TITLE[c.name] ?? c.name).join(", ")
}

/**
 * The health panel of a WhatsApp connection: the last-checked time with "Check now", each failing or warning check
 * in words with its fix, and the passing ones listed under them.
 */
export function HealthPanel({
  connection: ref,
  onChanged
}: {
  readonly connection: FragmentType<typeof HealthPanelFields>
  readonly onChanged?: () => void
}) {
  const { health } = useFragment(HealthPanelFields, ref)
  const { checks } = useFragment(HealthChecksFields, health)
  const [state, check] = useMutation(CheckMutation)
  const runCheck = async () => {
    await check({}, { additionalTypenames: ["WhatsAppConnection"] })
    onChanged?.()
  }
  return (
    <HealthChecks
      health={health}
      titles={CHECK_TITLE}
      checking={state.fetching}
      error={state.error}
      onCheck={runCheck}
      badge={healthWarning(checks)}
    >
      <TestMessageForm onChanged={onChanged} />
    </HealthChecks>
  )
}
