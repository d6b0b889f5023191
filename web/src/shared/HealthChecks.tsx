import type { ReactNode } from "react"
import type { CombinedError } from "urql"
import { type FragmentType, graphql, useFragment } from "../gql/index.ts"
import { formatDateTime } from "./format.ts"

/** What the panel shows of a connection's health (the same GraphQL type for WhatsApp and Meta Ads). */
export const HealthChecksFields = graphql(`
  fragment HealthChecksFields on ConnectionHealth {
    checkedAt
    checks {
      name
      status
      message
    }
  }
`)

/**
 * A connection's health panel, for WhatsApp and Meta Ads alike: the last-checked time with "Check now", each failing
 * or warning check in words with its fix, `children` (a card's own action) and the passing ones under them.
 */
export function HealthChecks({
  health,
  titles,
  checking,
  error,
  onCheck,
  badge,
  children
}: {
  readonly health: FragmentType<typeof HealthChecksFields>
  readonly titles: Readonly<Record<string, string>>
  readonly checking: boolean
  readonly error: CombinedError | undefined
  readonly onCheck: () => void
  readonly badge?: string | null | undefined
  readonly children?: ReactNode
}) {
  const { checkedAt, checks } = useFragment(HealthChecksFields, health)
  const problems = checks.filter((c) => c.status === "FAILING" || c.status === "WARNING")
  const passing = checks.filter((c) => c.status === "OK" || c.status === "UNKNOWN")
  return (
    <section className="health" aria-label="Connection health">
      <p className="muted">
        {checkedAt === null || checkedAt === undefined ? (
          "Not checked yet."
        ) : (
          <>
            Last checked <time dateTime={checkedAt}>{formatDateTime(checkedAt)}</time>.
          </>
        )}{" "}
        <button type="button" className="button" onClick={onCheck} disabled={checking}>
          {checking ? "Checking…" : "Check now"}
        </button>
      </p>
      {error === undefined ? null : (
        <p className="notice bad" role="alert">
          {error.graphQLErrors[0]?.extensions?.["code"] === "RATE_LIMITED"
            ? "Checked a moment ago: try again in a minute."
            : "The check could not run. Try again in a moment."}
        </p>
      )}
      {badge === null || badge === undefined ? null : <span className="badge warn">Warning: {badge}</span>}
      {problems.length === 0 ? null : (
        <ul className="checks">
          {problems.map((c) => (
            <li key={c.name} className={c.status === "FAILING" ? "health-failing" : "health-warning"}>
              <strong>
                {titles[c.name] ?? c.name}: {c.status === "FAILING" ? "failing" : "warning"}.
              </strong>{" "}
              {c.message}
            </li>
          ))}
        </ul>
      )}
      {children}
      {passing.length === 0 ? null : (
        <details>
          <summary>Other checks ({passing.length})</summary>
          <ul className="checks">
            {passing.map((c) => (
              <li key={c.name}>
                {titles[c.name] ?? c.name}: {c.status === "OK" ? "ok" : "unknown"}. {c.message}
              </li>
            ))}
          </ul>
        </details>
      )}
    </section>
  )
}
