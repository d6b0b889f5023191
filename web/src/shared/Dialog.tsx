import { type ReactNode, useEffect, useId, useRef } from "react"

interface DialogProps {
  readonly title: string
  readonly onClose: () => void
  readonly children: ReactNode
  /** `alertdialog` for confirmations. */
  readonly role?: "dialog" | "alertdialog"
  readonly description?: string
}

const FOCUSABLE =
  'button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select, a[href], [tabindex="0"]'

/**
 * A modal dialog: focus moves into it and comes back to the opener when it closes; Tab stays inside; Escape
 * or a click on the backdrop closes it.
 */
export function Dialog({ title, onClose, children, role = "dialog", description }: DialogProps) {
  const titleId = useId()
  const descriptionId = useId()
  const panel = useRef<HTMLDivElement>(null)
  const close = useRef(onClose)
  useEffect(() => {
    close.current = onClose
  }, [onClose])

  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null
    const first = panel.current?.querySelector<HTMLElement>(FOCUSABLE)
    ;(first ?? panel.current)?.focus()
    return () => opener?.focus()
  }, [])

  // Keys are handled on the document while the dialog is open: Escape closes, Tab cycles inside.
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (event.key === "Escape") {
        event.stopPropagation()
        close.current()
        return
      }
      if (event.key !== "Tab" || panel.current === null) return
      const items = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)]
      const first = items[0]
      const last = items.at(-1)
      if (first === undefined || last === undefined) return
      if (!panel.current.contains(document.activeElement)) {
        event.preventDefault()
        first.focus()
      } else if (event.shiftKey && document.activeElement === first) {
        event.preventDefault()
        last.focus()
      } else if (!event.shiftKey && document.activeElement === last) {
        event.preventDefault()
        first.focus()
      }
    }
    document.addEventListener("keydown", onKeyDown)
    return () => document.removeEventListener("keydown", onKeyDown)
  }, [])

  const describedBy = description === undefined ? undefined : descriptionId
  const body = (
    <>
      <h2 id={titleId} className="dialog-title">
        {title}
      </h2>
      {description === undefined ? null : (
        <p id={descriptionId} className="muted">
          {description}
        </p>
      )}
      {children}
    </>
  )

  const panelProps = {
    ref: panel,
    className: "dialog",
    "aria-modal": true,
    "aria-labelledby": titleId,
    "aria-describedby": describedBy,
    tabIndex: -1
  } as const

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a click on the backdrop closes; so do Escape and Cancel
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape is handled on the document while the dialog is open
    <div
      className="backdrop"
      onClick={(event) => {
        if (event.target === event.currentTarget) close.current()
      }}
    >
      {/* `role` is written out in each branch: biome's a11y rules check ARIA attributes against a static role. */}
      {role === "alertdialog" ? (
        <div role="alertdialog" {...panelProps}>
          {body}
        </div>
      ) : (
        <div role="dialog" {...panelProps}>
          {body}
        </div>
      )}
    </div>
  )
}

export function Spinner({ label }: { readonly label: string }) {
  return (
    <span className="spinner-row" role="status">
      <span className="spinner" aria-hidden="true" />
      <span>{label}</span>
    </span>
  )
}

/** The confirmation before disconnecting a channel: Cancel first (focused), then the destructive action. */
export function ConfirmDisconnect(props: {
  readonly channel: string
  readonly consequence: string
  readonly busy: boolean
  readonly onCancel: () => void
  readonly onConfirm: () => void
}) {
  return (
    <Dialog
      role="alertdialog"
      title={`Disconnect ${props.channel}?`}
      description={props.consequence}
      onClose={props.onCancel}
    >
      <div className="dialog-actions">
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
        <button type="button" className="button danger" onClick={props.onConfirm} disabled={props.busy}>
          {props.busy ? "Disconnecting…" : "Disconnect"}
        </button>
      </div>
    </Dialog>
  )
}
