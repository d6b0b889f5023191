/**
 * What every integration card is made of: the card (logo, title, one line of what it does, the status badge), its
 * notices, its body, an optional footer (operators' tools), and the disconnect confirmation. A card adds a part (a
 * health panel, say) as a child of the body or as its footer.
 */
import { type ReactNode, useId } from "react"
import { formatDateTime } from "./format.ts"

export interface ChannelCardProps {
  /** The logo's class (`wa-logo`, `ads-logo`) and its SVG. */
  readonly logo: { readonly className: string; readonly svg: ReactNode }
  readonly title: string
  readonly description: string
  /** The status badge; null shows none. */
  readonly badge: { readonly className: string; readonly label: string } | null
  readonly busy: boolean
  /** The notices above the body (outcomes, errors with their next action). */
  readonly notices?: ReactNode
  readonly children: ReactNode
  readonly footer?: ReactNode
  /** The open disconnect confirmation, if any. */
  readonly dialog?: ReactNode
}

export function ChannelCard({
  logo,
  title,
  description,
  badge,
  busy,
  notices,
  children,
  footer,
  dialog
}: ChannelCardProps) {
  const titleId = useId()
  return (
    <section className="card" aria-labelledby={titleId} aria-busy={busy}>
      <header className="card-header">
        <span className={logo.className} aria-hidden="true">
          {logo.svg}
        </span>
        <div className="card-heading">
          <h2 id={titleId}>{title}</h2>
          <p className="muted">{description}</p>
        </div>
        {badge === null ? null : <span className={badge.className}>{badge.label}</span>}
      </header>

      {notices}

      <div className="card-body">{children}</div>

      {footer === undefined || footer === null ? null : <footer className="card-footer">{footer}</footer>}

      {dialog}
    </section>
  )
}

/** A line of an error under a form (`role="alert"`); nothing when there is none. */
export function ErrorText({ error }: { readonly error: string | null }) {
  return error === null ? null : (
    <p className="error-text" role="alert">
      {error}
    </p>
  )
}

/** One fact of a `<dl className="facts">` that is a date and time (`empty` when there is none). */
export function TimeFact({
  label,
  iso,
  empty = "—"
}: {
  readonly label: string
  readonly iso: string | null | undefined
  readonly empty?: string
}) {
  return (
    <div>
      <dt>{label}</dt>
      <dd>{iso ? <time dateTime={iso}>{formatDateTime(iso)}</time> : empty}</dd>
    </div>
  )
}

/** The one "Try again" an error offers. */
export function TryAgain({ onClick }: { readonly onClick: () => void }) {
  return (
    <button type="button" className="button" onClick={onClick}>
      Try again
    </button>
  )
}
