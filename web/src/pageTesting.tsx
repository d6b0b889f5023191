/** Test helpers of the integrations page: the page rendered with a mock client (no network). */
import { render } from "@testing-library/react"
import { vi } from "vitest"
import type { MetaClientConfig } from "./connect/metaSdk.ts"
import { IntegrationsPage } from "./IntegrationsPage.tsx"
import {
  type Answer,
  adsNotConnected,
  type MetaAdsConnection,
  member,
  mockClient,
  notConnected,
  type Viewer,
  type WhatsAppConnection,
  withClient
} from "./shared/testing.tsx"

/** The `Conversations` answer of an inbox with no conversation. */
export const noConversations = () => ({
  conversations: { edges: [], pageInfo: { hasNextPage: false, endCursor: null } }
})

export interface PageOptions {
  readonly whatsapp?: WhatsAppConnection
  readonly metaAds?: MetaAdsConnection
  readonly viewer?: Viewer
  /** Add or override operations' answers (by operation name). */
  readonly answers?: Record<string, Answer>
  /** The query string the page opens with (`?whatsapp=connected`: back from Meta). */
  readonly search?: string
  readonly meta?: MetaClientConfig
  readonly token?: string
}

/**
 * The integrations page at `/settings/integrations{search}`, answering its three queries (by default: a member,
 * WhatsApp and Meta Ads not connected, an empty inbox); the mock's `calls`, and the page's `navigate` and
 * `onUnauthorized` spies.
 */
export const renderIntegrationsPage = (options: PageOptions = {}) => {
  window.history.replaceState(null, "", `/settings/integrations${options.search ?? ""}`)
  const mock = mockClient({
    Integrations: () => ({ viewer: options.viewer ?? member, whatsappConnection: options.whatsapp ?? notConnected }),
    Conversations: noConversations,
    MetaAds: () => ({ metaAdsConnection: options.metaAds ?? adsNotConnected }),
    ...options.answers
  })
  const navigate = vi.fn()
  const onUnauthorized = vi.fn()
  render(
    withClient(
      mock.client,
      <IntegrationsPage
        onUnauthorized={onUnauthorized}
        navigate={navigate}
        {...(options.meta === undefined ? {} : { meta: options.meta })}
        {...(options.token === undefined ? {} : { token: options.token })}
      />
    )
  )
  return { ...mock, navigate, onUnauthorized }
}
