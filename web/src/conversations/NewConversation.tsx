import { type FormEvent, useId, useState } from "react"
import { useClient } from "urql"
import { type ConversationSummary, ConversationsQuery } from "./useInbox.tsx"

/**
 * A phone number in E.164 (`+` then the country code and number, 8 to 15 digits, no leading 0), as its digits (the
 * WhatsApp id); spaces, dashes, dots and parentheses people type are ignored. null when it is not one.
 */
export const e164Digits = (text: string): string | null => {
  const compact = text.trim().replace(/[\s().-]/g, "")
  return /^\+[1-9]\d{7,14}$/.test(compact) ? compact.slice(1) : null
}

export const E164_HINT =
  "Enter the number in international format: + then the country code and number, e.g. +15551234567."

/** Why `text` is not a number in E.164, in words, with what to type. */
export const e164Problem = (text: string): string => {
  const compact = text.trim().replace(/[\s().-]/g, "")
  if (compact === "") return `Enter a phone number. ${E164_HINT}`
  if (!compact.startsWith("+") && /^\d+$/.test(compact))
    return `Add + and the country code in front of the number. ${E164_HINT}`
  return `That is not a complete international number. ${E164_HINT}`
}

/**
 * "New conversation": a phone number, then the thread with that contact. An existing conversation with them (on the
 * connected number, else any) opens; otherwise a new, empty one, which starts with an approved template.
 */
export function NewConversation({
  phoneNumberId,
  onOpen,
  onCancel
}: {
  /** The connected number's id: its conversation with the contact is the one to continue. */
  readonly phoneNumberId: string | null
  /** `existing` null: no conversation with `waId` yet. */
  readonly onOpen: (waId: string, existing: ConversationSummary | null) => void
  readonly onCancel: () => void
}) {
  const fieldId = useId()
  const errorId = useId()
  const client = useClient()
  const [text, setText] = useState("")
  const [error, setError] = useState<string | null>(null)
  const [looking, setLooking] = useState(false)

  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const waId = e164Digits(text)
    if (waId === null) {
      setError(e164Problem(text))
      return
    }
    setError(null)
    setLooking(true)
    const result = await client
      .query(ConversationsQuery, { after: null, search: waId }, { requestPolicy: "network-only" })
      .toPromise()
    setLooking(false)
    const found = result.data?.conversations.edges.map((edge) => edge.node).filter((node) => node.waId === waId)
    if (found === undefined) {
      setError("Could not check for an existing conversation with this number. Try again.")
      return
    }
    onOpen(waId, found.find((node) => node.phoneNumberId === phoneNumberId) ?? found[0] ?? null)
  }

  return (
    <div className="messages-pane">
      <h3 className="thread-title">New conversation</h3>
      <form className="new-conversation-form" onSubmit={submit} noValidate>
        <label htmlFor={fieldId} className="field">
          <span>Phone number with country code</span>
        </label>
        <input
          id={fieldId}
          type="tel"
          value={text}
          onChange={(event) => setText(event.target.value)}
          placeholder="+15551234567"
          autoComplete="off"
          aria-invalid={error === null ? undefined : true}
          aria-describedby={error === null ? undefined : errorId}
          // biome-ignore lint/a11y/noAutofocus: the form opens on the reader's click, to type the number
          autoFocus
        />
        {error === null ? (
          <p className="muted">WhatsApp lets a business write first only with an approved template.</p>
        ) : (
          <p id={errorId} className="error-text" role="alert">
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" className="button primary" disabled={looking}>
            {looking ? "Opening…" : "Open conversation"}
          </button>
          <button type="button" className="button" onClick={onCancel}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  )
}
