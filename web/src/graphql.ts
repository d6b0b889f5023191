/**
 * Every GraphQL document the app sends, with hand-written result types (DESIGN section 6 names). Business errors
 * arrive in `data` as `__typename`-discriminated unions whose error members implement `Error { message }`.
 */
import { gql } from "urql"

export type ConnectionStatus = "NOT_CONNECTED" | "PENDING" | "ACTIVE" | "ERROR" | "REVOKED"
export type Role = "ADMIN" | "MARKETING" | "MEMBER"
export type MessageDirection = "INBOUND" | "OUTBOUND"
export type MessageStatus = "RECEIVED" | "PENDING" | "SENT" | "DELIVERED" | "READ" | "PLAYED" | "FAILED"

export interface NumberChoice {
  readonly id: string
  readonly displayPhoneNumber: string
  readonly verifiedName: string | null
}

export interface WhatsAppConnection {
  readonly id: string | null
  readonly status: ConnectionStatus
  readonly connected: boolean
  readonly phoneNumberE164: string | null
  readonly displayName: string | null
  readonly wabaId: string | null
  readonly phoneNumberId: string | null
  readonly tokenExpiresAt: string | null
  readonly error: string | null
  readonly pendingReason: string | null
  readonly updatedAt: string | null
  readonly choices: ReadonlyArray<NumberChoice>
}

export interface Viewer {
  readonly userId: string
  readonly tenantId: string
  readonly role: Role
  readonly canOperate: boolean
}

export interface ConversationSummary {
  readonly id: string
  readonly waId: string
  readonly contactName: string | null
  readonly lastMessageAt: string | null
}

export interface Message {
  readonly id: string
  readonly providerMessageId: string | null
  readonly direction: MessageDirection
  readonly type: string
  readonly text: string | null
  readonly status: MessageStatus
  readonly error: string | null
  readonly timestamp: string
}

export interface PageInfo {
  readonly hasNextPage: boolean
  readonly endCursor: string | null
}

/** An expected failure, explained for a person (any member of a result union implementing `Error`). */
export interface ErrorResult {
  readonly __typename: string
  readonly message: string
}

const ConnectionFields = gql`
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
    updatedAt
    choices {
      id
      displayPhoneNumber
      verifiedName
    }
  }
`

const MessageFields = gql`
  fragment MessageFields on Message {
    id
    providerMessageId
    direction
    type
    text
    status
    error
    timestamp
  }
`

export interface IntegrationsData {
  readonly viewer: Viewer
  readonly whatsappConnection: WhatsAppConnection
}
export const IntegrationsQuery = gql<IntegrationsData, Record<string, never>>`
  query Integrations {
    viewer {
      userId
      tenantId
      role
      canOperate
    }
    whatsappConnection {
      ...ConnectionFields
    }
  }
  ${ConnectionFields}
`

export interface StartConnectData {
  readonly startWhatsAppConnect: { readonly authUrl: string; readonly state: string }
}
export const StartConnectMutation = gql<StartConnectData, Record<string, never>>`
  mutation StartWhatsAppConnect {
    startWhatsAppConnect {
      authUrl
      state
    }
  }
`

export interface DisconnectData {
  readonly disconnectWhatsApp: WhatsAppConnection
}
export const DisconnectMutation = gql<DisconnectData, Record<string, never>>`
  mutation DisconnectWhatsApp {
    disconnectWhatsApp {
      ...ConnectionFields
    }
  }
  ${ConnectionFields}
`

export type ConnectResult =
  | {
      readonly __typename: "ChooseWhatsAppNumberSuccess" | "ConnectWhatsAppManuallySuccess"
      readonly connection: WhatsAppConnection
    }
  | ErrorResult

export interface ChooseNumberData {
  readonly chooseWhatsAppNumber: ConnectResult
}
export const ChooseNumberMutation = gql<ChooseNumberData, { phoneNumberId: string }>`
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
  ${ConnectionFields}
`

export interface ManualConnectData {
  readonly connectWhatsAppManually: ConnectResult
}
export interface ManualConnectVariables {
  input: { wabaId: string; phoneNumberId: string; accessToken: string }
}
export const ManualConnectMutation = gql<ManualConnectData, ManualConnectVariables>`
  mutation ConnectWhatsAppManually($input: ManualConnectInput!) {
    connectWhatsAppManually(input: $input) {
      __typename
      ... on ConnectWhatsAppManuallySuccess {
        connection {
          ...ConnectionFields
        }
      }
      ... on Error {
        message
      }
    }
  }
  ${ConnectionFields}
`

/** The page size of the conversation list (the query's cost stays well under the server's limit of 500). */
export const CONVERSATIONS_PAGE = 25
export interface ConversationsData {
  readonly conversations: {
    readonly edges: ReadonlyArray<{ readonly cursor: string; readonly node: ConversationSummary }>
    readonly pageInfo: PageInfo
  }
}
export const ConversationsQuery = gql<ConversationsData, Record<string, never>>`
  query Conversations {
    conversations(first: 25) {
      edges {
        cursor
        node {
          id
          waId
          contactName
          lastMessageAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`

/**
 * The messages of one conversation, oldest first, 20 at a time. There is no field to fetch one conversation by
 * id, so this asks for the single conversation after the previous one's cursor (`after: null` for the first) and
 * the caller checks the id it got back. 20 a page: with the `__typename` urql adds to every selection, the
 * query costs about 360 of the 500 the server allows.
 */
export const MESSAGES_PAGE = 20
export interface ConversationMessagesData {
  readonly conversations: {
    readonly edges: ReadonlyArray<{
      readonly node: {
        readonly id: string
        readonly messages: {
          readonly edges: ReadonlyArray<{ readonly node: Message }>
          readonly pageInfo: PageInfo
        }
      }
    }>
  }
}
export interface ConversationMessagesVariables {
  after: string | null
  messagesAfter: string | null
}
export const ConversationMessagesQuery = gql<ConversationMessagesData, ConversationMessagesVariables>`
  query ConversationMessages($after: String, $messagesAfter: String) {
    conversations(first: 1, after: $after) {
      edges {
        node {
          id
          messages(first: 20, after: $messagesAfter) {
            edges {
              node {
                ...MessageFields
              }
            }
            pageInfo {
              hasNextPage
              endCursor
            }
          }
        }
      }
    }
  }
  ${MessageFields}
`

export type SendTextResult = { readonly __typename: "SendWhatsAppTextSuccess"; readonly sent: Message } | ErrorResult
export interface SendTextData {
  readonly sendWhatsAppText: SendTextResult
}
export interface SendTextVariables {
  input: { to: string; text: string; idempotencyKey: string }
}
export const SendTextMutation = gql<SendTextData, SendTextVariables>`
  mutation SendWhatsAppText($input: SendTextInput!) {
    sendWhatsAppText(input: $input) {
      __typename
      ... on SendWhatsAppTextSuccess {
        sent: message {
          ...MessageFields
        }
      }
      ... on Error {
        message
      }
    }
  }
  ${MessageFields}
`

// Meta Ads (Marketing API). Refusals of these mutations (FORBIDDEN, NOT_CONNECTED, AD_ACCOUNT_NOT_GRANTED) arrive as
// GraphQL errors with `extensions.code` and a message for a person, not in `data`.

export interface MetaAdAccount {
  readonly id: string
  readonly name: string
  readonly currency: string | null
  /** Meta's account_status: 1 active, 2 disabled, 3 unsettled, 7 pending risk review, 101 closed… */
  readonly accountStatus: number | null
}

export interface MetaBusinessManager {
  readonly id: string
  readonly name: string
  readonly adAccounts: ReadonlyArray<MetaAdAccount>
}

export interface MetaAdsUser {
  readonly id: string
  readonly name: string | null
}

export interface MetaAdsConnection {
  readonly id: string | null
  readonly status: ConnectionStatus
  readonly connected: boolean
  readonly tokenExpiresAt: string | null
  /** The token expires within 7 days: show the reconnect banner. */
  readonly tokenExpiringSoon: boolean
  readonly error: string | null
  /** Why the connection is PENDING: `choose_ad_account`. */
  readonly pendingReason: string | null
  readonly updatedAt: string | null
  readonly selectedBusinessManagerId: string | null
  readonly selectedAdAccountId: string | null
  readonly user: MetaAdsUser | null
  readonly businessManagers: ReadonlyArray<MetaBusinessManager>
}

const MetaAdsFields = gql`
  fragment MetaAdsFields on MetaAdsConnection {
    id
    status
    connected
    tokenExpiresAt
    tokenExpiringSoon
    error
    pendingReason
    updatedAt
    selectedBusinessManagerId
    selectedAdAccountId
    user {
      id
      name
    }
    businessManagers {
      id
      name
      adAccounts {
        id
        name
        currency
        accountStatus
      }
    }
  }
`

export interface MetaAdsData {
  readonly metaAdsConnection: MetaAdsConnection
}
export const MetaAdsQuery = gql<MetaAdsData, Record<string, never>>`
  query MetaAds {
    metaAdsConnection {
      ...MetaAdsFields
    }
  }
  ${MetaAdsFields}
`

export interface StartMetaAdsConnectData {
  readonly startMetaAdsConnect: { readonly authUrl: string; readonly state: string }
}
export const StartMetaAdsConnectMutation = gql<StartMetaAdsConnectData, Record<string, never>>`
  mutation StartMetaAdsConnect {
    startMetaAdsConnect {
      authUrl
      state
    }
  }
`

export interface SelectMetaAdAccountData {
  readonly selectMetaAdAccount: MetaAdsConnection
}
export interface SelectMetaAdAccountVariables {
  input: { businessManagerId: string; adAccountId: string }
}
export const SelectMetaAdAccountMutation = gql<SelectMetaAdAccountData, SelectMetaAdAccountVariables>`
  mutation SelectMetaAdAccount($input: SelectAdAccountInput!) {
    selectMetaAdAccount(input: $input) {
      ...MetaAdsFields
    }
  }
  ${MetaAdsFields}
`

export interface DisconnectMetaAdsData {
  readonly disconnectMetaAds: MetaAdsConnection
}
export const DisconnectMetaAdsMutation = gql<DisconnectMetaAdsData, Record<string, never>>`
  mutation DisconnectMetaAds {
    disconnectMetaAds {
      ...MetaAdsFields
    }
  }
  ${MetaAdsFields}
`

export interface MetaAdsConnectionTest {
  readonly ok: boolean
  readonly user: MetaAdsUser | null
  readonly tokenExpiresAt: string | null
  readonly adAccountCount: number
  readonly error: string | null
}
export interface TestMetaAdsConnectionData {
  readonly testMetaAdsConnection: MetaAdsConnectionTest
}
export const TestMetaAdsConnectionMutation = gql<TestMetaAdsConnectionData, Record<string, never>>`
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
    }
  }
`

/** What Meta's debug_token says of the stored token: validity, expiry, scopes (never the token). */
export interface MetaAdsTokenDebug {
  readonly isValid: boolean
  readonly expiresAt: string | null
  readonly scopes: ReadonlyArray<string>
  readonly error: string | null
}
export type MetaAdsTokenDebugResult =
  | { readonly __typename: "MetaAdsTokenDebugSuccess"; readonly tokenDebug: MetaAdsTokenDebug }
  | ErrorResult
export interface MetaAdsTokenDebugData {
  readonly metaAdsTokenDebug: MetaAdsTokenDebugResult
}
export const MetaAdsTokenDebugQuery = gql<MetaAdsTokenDebugData, Record<string, never>>`
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
`
