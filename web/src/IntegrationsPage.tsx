import { useCallback, useEffect, useState } from "react"
import { useQuery } from "urql"
import type { MetaClientConfig } from "./connect/metaSdk.ts"
import { Conversations, InboxConnection } from "./conversations/Conversations.tsx"
import { Templates } from "./conversations/Templates.tsx"
import { graphql, useFragment } from "./gql/index.ts"
import { MetaAdsCard } from "./meta-ads/MetaAdsCard.tsx"
import { isUnauthorized } from "./shared/client.ts"
import { Spinner } from "./shared/Dialog.tsx"
import { ConnectionChangedLive, LiveNotice, useLiveSubscription } from "./shared/LiveUpdates.tsx"
import { cleanReturnQuery, readReturn } from "./shared/reasons.ts"
import { usePolling } from "./shared/usePolling.ts"
import { WebhooksCard } from "./webhooks/WebhooksCard.tsx"
import { WhatsAppCard } from "./whatsapp/WhatsAppCard.tsx"

/** The page's query: each card reads its part through its own fragment (the account line in App.tsx too). */
export const IntegrationsQuery = graphql(`
  query Integrations {
    viewer {
      canOperate
      ...AccountViewer
      ...WhatsAppCardViewer
      ...MetaAdsCardViewer
    }
    whatsappConnection {
      ...ConnectionFields
      ...InboxConnection
    }
  }
`)

/** How often the connection status is refreshed while the page is visible. */
export const CONNECTION_POLL_MS = 15_000

export interface IntegrationsPageProps {
  readonly onUnauthorized: () => void
  readonly navigate?: (url: string) => void
  /** Embedded Signup through the JS SDK popup (from the client config); absent: the redirect only. */
  readonly meta?: MetaClientConfig
  /** The session's bearer token, for the popup flow's completion. */
  readonly token?: string
}

/** `/settings/integrations`: the WhatsApp card, the Meta Ads card and the conversations. */
export function IntegrationsPage({ onUnauthorized, navigate, meta, token }: IntegrationsPageProps) {
  // Read once: the query string is cleaned right after, so a reload does not show the message again.
  const [returned] = useState(() => readReturn(window.location.search))
  const [adsReturned] = useState(() => readReturn(window.location.search, "meta_ads"))
  const [result, refetch] = useQuery({
    query: IntegrationsQuery,
    requestPolicy: returned === null ? "cache-and-network" : "network-only"
  })
  const refresh = useCallback(() => refetch({ requestPolicy: "network-only" }), [refetch])
  // The connection can also change without this page (a webhook, the token health check): refreshed when the
  // service says so, and now and then while that stream is down.
  const live = useLiveSubscription(ConnectionChangedLive, refresh, refresh)
  usePolling(refresh, CONNECTION_POLL_MS, live !== "live")
  // Back from Meta: the card spins until the first fresh status has arrived.
  const [awaiting, setAwaiting] = useState(returned !== null && returned.kind !== "error")

  useEffect(() => {
    cleanReturnQuery()
  }, [])
  useEffect(() => {
    if (isUnauthorized(result.error)) onUnauthorized()
  }, [result.error, onUnauthorized])

  const data = result.data ?? undefined
  const whatsappActive = useFragment(InboxConnection, data?.whatsappConnection)?.status === "ACTIVE"
  useEffect(() => {
    if (data !== undefined && !result.fetching) setAwaiting(false)
  }, [data, result.fetching])

  return (
    <>
      <h1 className="page-title">Integrations</h1>
      <LiveNotice state={live} />
      {data === undefined ? (
        <section className="card" aria-label="WhatsApp">
          {result.error === undefined ? (
            <Spinner
              label={returned !== null && returned.kind !== "error" ? "Finishing the connection…" : "Loading…"}
            />
          ) : (
            <div className="notice bad" role="alert">
              <p>Could not load your integrations. Check your connection and try again.</p>
              <button type="button" className="button" onClick={refresh}>
                Try again
              </button>
            </div>
          )}
        </section>
      ) : (
        <>
          <WhatsAppCard
            connection={data.whatsappConnection}
            viewer={data.viewer}
            returned={returned}
            finishing={awaiting}
            onChanged={refresh}
            {...(navigate === undefined ? {} : { navigate })}
            {...(meta === undefined || token === undefined ? {} : { popup: { meta, token } })}
          />
          <MetaAdsCard
            viewer={data.viewer}
            returned={adsReturned}
            onUnauthorized={onUnauthorized}
            {...(navigate === undefined ? {} : { navigate })}
          />
          <Conversations connection={data.whatsappConnection} />
          <Templates canManage={data.viewer.canOperate} connected={whatsappActive} />
          <WebhooksCard />
        </>
      )}
    </>
  )
}
