/* eslint-disable */
/** Internal type. DO NOT USE DIRECTLY. */
type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
/** Internal type. DO NOT USE DIRECTLY. */
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type ConnectionProvider =
  | 'META_ADS'
  | 'WHATSAPP';

export type ConnectionStatus =
  /** Connected: messages can be sent and received. */
  | 'ACTIVE'
  /** Broken (e.g. the token expired or was revoked): reconnect. */
  | 'ERROR'
  /** There is no connection. */
  | 'NOT_CONNECTED'
  /** Waiting for a step (choose a number, display name review). */
  | 'PENDING'
  /** Disconnected; history is kept. */
  | 'REVOKED';

export type ConversationEventKind =
  /** A sent message failed (its error is on the message). */
  | 'MESSAGE_FAILED'
  /** An inbound message was stored. */
  | 'MESSAGE_RECEIVED'
  /** Meta reported a status of a sent message. */
  | 'MESSAGE_STATUS';

export type CreateWebhookEndpointInput = {
  /** Any of message.received, message.status, message.failed, conversation.window_closing, connection.connected, connection.disconnected, connection.error, connection.health_changed, template.status, ads.connection.connected, ads.connection.disconnected, ads.connection.error, webhook.test, or a.b.*. */
  readonly events: ReadonlyArray<string>;
  /** HTTPS URL resolving to public addresses. */
  readonly url: string;
};

export type CreateWhatsAppTemplateInput = {
  /** An example value per placeholder, in order of first appearance, for Meta's review. */
  readonly bodyExamples?: ReadonlyArray<string> | null | undefined;
  /** The text, with {{1}}, {{2}}… placeholders in order, or named ones ({{first_name}}). */
  readonly bodyText: string;
  /** MARKETING, UTILITY or AUTHENTICATION. */
  readonly category: string;
  readonly footerText?: string | null | undefined;
  /** A text header (no placeholders). */
  readonly headerText?: string | null | undefined;
  /** e.g. en_US. */
  readonly language: string;
  /** Lowercase letters, digits and underscores, e.g. order_ready. */
  readonly name: string;
  /** POSITIONAL ({{1}}, {{2}}…, the default) or NAMED ({{first_name}}…). */
  readonly parameterFormat?: TemplateParameterFormat | null | undefined;
};

export type HealthStatus =
  /** Blocks messages or webhooks (the message says the fix). */
  | 'FAILING'
  /** Fine. */
  | 'OK'
  /** Not known: not checked yet, or Meta could not be asked. */
  | 'UNKNOWN'
  /** Works, but needs attention (the message says what to do). */
  | 'WARNING';

export type ManualConnectInput = {
  /** Stored encrypted; never returned. */
  readonly accessToken: string;
  readonly phoneNumberId: string;
  readonly wabaId: string;
};

export type MediaState =
  /** Stored: `url` serves it. */
  | 'AVAILABLE'
  /** Every fetch failed, or the content was refused (see `error`). */
  | 'FAILED'
  /** Media not yet available: being fetched from WhatsApp. */
  | 'PENDING';

export type MessageDirection =
  | 'INBOUND'
  | 'OUTBOUND';

export type MessageStatus =
  | 'DELIVERED'
  | 'FAILED'
  /** Stored, not yet accepted by Meta. */
  | 'PENDING'
  /** A voice message was played. */
  | 'PLAYED'
  | 'READ'
  /** An inbound message. */
  | 'RECEIVED'
  | 'SENT';

/** The state of an ad account at Meta (its account_status). */
export type MetaAdAccountStatus =
  /** Active: ads can run. */
  | 'ACTIVE'
  /** Active (Meta's aggregate state). */
  | 'ANY_ACTIVE'
  /** Closed (Meta's aggregate state). */
  | 'ANY_CLOSED'
  /** Closed. */
  | 'CLOSED'
  /** Disabled by Meta. */
  | 'DISABLED'
  /** In a grace period (payment). */
  | 'IN_GRACE_PERIOD'
  /** Being closed. */
  | 'PENDING_CLOSURE'
  /** Under Meta's risk review. */
  | 'PENDING_RISK_REVIEW'
  /** A payment is being settled. */
  | 'PENDING_SETTLEMENT'
  /** A state we do not know: check in Ads Manager. */
  | 'UNKNOWN'
  /** Unsettled: a payment is due. */
  | 'UNSETTLED';

export type MetaAdsTokenState =
  /** The token or its data access has ended: Reconnect. */
  | 'EXPIRED'
  /** The token or its data access ends within 7 days: reconnect soon. */
  | 'EXPIRING'
  /** No token is held. */
  | 'NONE'
  /** The token is valid (renewed before it expires). */
  | 'VALID';

export type RegisterWhatsAppNumberInput = {
  /** The number's two-step verification PIN (6 digits), used once to register and kept only encrypted; never returned. Omit it to check an unverified number again. */
  readonly pin?: string | null | undefined;
};

export type Role =
  | 'ADMIN'
  | 'MARKETING'
  | 'MEMBER';

export type SelectAdAccountInput = {
  readonly adAccountId: string;
  readonly businessManagerId: string;
};

export type SendMediaInput = {
  /** The file, base64-encoded (at most 16 MB decoded). */
  readonly base64: string;
  readonly caption?: string | null | undefined;
  readonly filename?: string | null | undefined;
  /** A retried request with the same key never sends twice. */
  readonly idempotencyKey?: string | null | undefined;
  readonly kind: SendableMedia;
  /** The recipient's phone number with country code. */
  readonly to: string;
};

export type SendTemplateInput = {
  /** A retried request with the same key never sends twice. */
  readonly idempotencyKey?: string | null | undefined;
  /** The template's language code, e.g. en_US. */
  readonly language: string;
  readonly name: string;
  readonly parameters?: TemplateParametersInput | null | undefined;
  /** The recipient's phone number with country code. */
  readonly to: string;
};

export type SendTextInput = {
  /** Replying in this conversation: refused (ConversationOnOtherNumberError) when it belongs to a number that is no longer connected. */
  readonly conversationId?: string | number | null | undefined;
  /** A retried request with the same key never sends twice. */
  readonly idempotencyKey?: string | null | undefined;
  readonly text: string;
  /** The recipient's phone number with country code. */
  readonly to: string;
};

export type SendableMedia =
  | 'DOCUMENT'
  | 'IMAGE';

export type TemplateParameterFormat =
  | 'NAMED'
  | 'POSITIONAL';

export type TemplateParametersInput = {
  /** One value per body placeholder. */
  readonly body: ReadonlyArray<TemplateValueInput>;
  /** One value per header text placeholder. */
  readonly header?: ReadonlyArray<TemplateValueInput> | null | undefined;
  /** An image, video or document header: an uploaded media id. */
  readonly headerMediaId?: string | null | undefined;
  /** An image, video or document header: its https link. */
  readonly headerMediaLink?: string | null | undefined;
};

export type TemplateValueInput = {
  /** The placeholder's name, for a NAMED template; omit for a POSITIONAL one. */
  readonly name?: string | null | undefined;
  readonly text: string;
};

export type WebhookDeliveryState =
  /** The endpoint answered 2xx. */
  | 'DELIVERED'
  /** Every attempt failed: Retry now or replay it. */
  | 'FAILED'
  /** Waiting for its next attempt. */
  | 'PENDING';

export type WhatsAppTemplateStatus =
  /** Approved by Meta: it can be sent. */
  | 'APPROVED'
  /** Disabled by Meta. */
  | 'DISABLED'
  /** Another status of Meta's (e.g. in appeal, pending deletion). */
  | 'OTHER'
  /** Paused by Meta for its quality. */
  | 'PAUSED'
  /** In Meta's review. */
  | 'PENDING'
  /** Rejected by Meta (see `rejectedReason`). */
  | 'REJECTED';

export type AccountViewerFragment = { readonly tenantId: string, readonly role: Role } & { ' $fragmentName'?: 'AccountViewerFragment' };

export type IntegrationsQueryVariables = Exact<{ [key: string]: never; }>;


export type IntegrationsQuery = { readonly viewer: (
    { readonly canOperate: boolean }
    & { ' $fragmentRefs'?: { 'AccountViewerFragment': AccountViewerFragment;'WhatsAppCardViewerFragment': WhatsAppCardViewerFragment;'MetaAdsCardViewerFragment': MetaAdsCardViewerFragment } }
  ), readonly whatsappConnection: { ' $fragmentRefs'?: { 'ConnectionFieldsFragment': ConnectionFieldsFragment;'InboxConnectionFragment': InboxConnectionFragment } } };

export type InboxConnectionFragment = { readonly status: ConnectionStatus, readonly phoneNumberId: string | null } & { ' $fragmentName'?: 'InboxConnectionFragment' };

export type MessageItemFieldsFragment = (
  { readonly providerMessageId: string | null, readonly direction: MessageDirection, readonly type: string, readonly text: string | null, readonly status: MessageStatus, readonly error: string | null, readonly timestamp: string }
  & { ' $fragmentRefs'?: { 'MessageContentFieldsFragment': MessageContentFieldsFragment } }
) & { ' $fragmentName'?: 'MessageItemFieldsFragment' };

export type ConversationMessagesQueryVariables = Exact<{
  id: string | number;
  messagesAfter?: string | null | undefined;
}>;


export type ConversationMessagesQuery = { readonly conversation: { readonly id: string, readonly messages: { readonly edges: ReadonlyArray<{ readonly node: (
          { readonly id: string, readonly timestamp: string }
          & { ' $fragmentRefs'?: { 'MessageItemFieldsFragment': MessageItemFieldsFragment } }
        ) }>, readonly pageInfo: { readonly hasNextPage: boolean, readonly endCursor: string | null } } } | null };

export type SendWhatsAppTextMutationVariables = Exact<{
  input: SendTextInput;
}>;


export type SendWhatsAppTextMutation = { readonly sendWhatsAppText:
    | { readonly __typename: 'ConversationOnOtherNumberError', readonly message: string }
    | { readonly __typename: 'InvalidMessageError', readonly message: string }
    | { readonly __typename: 'MessageRejectedError', readonly message: string }
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaTokenInvalidError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'NotConnectedError', readonly message: string }
    | { readonly __typename: 'OutsideCustomerServiceWindow', readonly message: string }
    | { readonly __typename: 'SendWhatsAppTextSuccess', readonly sent: (
        { readonly id: string, readonly timestamp: string }
        & { ' $fragmentRefs'?: { 'MessageItemFieldsFragment': MessageItemFieldsFragment } }
      ) }
    | { readonly __typename: 'SendingRestrictedError', readonly message: string }
    | { readonly __typename: 'TokenUnreadableError', readonly message: string }
   };

export type MessageContentFieldsFragment = { readonly id: string, readonly providerMessageId: string | null, readonly type: string, readonly text: string | null, readonly media: { readonly kind: string, readonly state: MediaState, readonly url: string | null, readonly caption: string | null, readonly filename: string | null } | null, readonly reaction: { readonly targetProviderMessageId: string, readonly emoji: string | null } | null, readonly referral: { readonly sourceType: string, readonly headline: string | null, readonly sourceUrl: string | null } | null } & { ' $fragmentName'?: 'MessageContentFieldsFragment' };

export type SendWhatsAppMediaMutationVariables = Exact<{
  input: SendMediaInput;
}>;


export type SendWhatsAppMediaMutation = { readonly sendWhatsAppMedia:
    | { readonly __typename: 'InvalidMessageError', readonly message: string }
    | { readonly __typename: 'MessageRejectedError', readonly message: string }
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaTokenInvalidError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'NotConnectedError', readonly message: string }
    | { readonly __typename: 'OutsideCustomerServiceWindow', readonly message: string }
    | { readonly __typename: 'SendWhatsAppMediaSuccess', readonly sent: { readonly id: string } }
    | { readonly __typename: 'SendingRestrictedError', readonly message: string }
    | { readonly __typename: 'TokenUnreadableError', readonly message: string }
   };

export type WhatsAppTemplatesQueryVariables = Exact<{ [key: string]: never; }>;


export type WhatsAppTemplatesQuery = { readonly whatsappTemplates: ReadonlyArray<{ readonly id: string, readonly name: string, readonly language: string, readonly category: string, readonly status: WhatsAppTemplateStatus, readonly rejectedReason: string | null, readonly quality: string | null, readonly parameterFormat: string, readonly headerKind: string, readonly headerText: string | null, readonly bodyText: string, readonly footerText: string | null, readonly headerPlaceholders: ReadonlyArray<string>, readonly bodyPlaceholders: ReadonlyArray<string> }> };

export type SendWhatsAppTemplateMutationVariables = Exact<{
  input: SendTemplateInput;
}>;


export type SendWhatsAppTemplateMutation = { readonly sendWhatsAppTemplate:
    | { readonly __typename: 'InvalidMessageError', readonly message: string }
    | { readonly __typename: 'MessageRejectedError', readonly message: string }
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaTokenInvalidError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'NotConnectedError', readonly message: string }
    | { readonly __typename: 'OutsideCustomerServiceWindow', readonly message: string }
    | { readonly __typename: 'SendWhatsAppTemplateSuccess', readonly sent: { readonly id: string } }
    | { readonly __typename: 'SendingRestrictedError', readonly message: string }
    | { readonly __typename: 'TemplateNotApproved', readonly message: string }
    | { readonly __typename: 'TemplateParametersInvalid', readonly message: string }
    | { readonly __typename: 'TokenUnreadableError', readonly message: string }
   };

export type SyncWhatsAppTemplatesMutationVariables = Exact<{ [key: string]: never; }>;


export type SyncWhatsAppTemplatesMutation = { readonly syncWhatsAppTemplates:
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaTokenInvalidError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'NotConnectedError', readonly message: string }
    | { readonly __typename: 'RateLimited', readonly message: string }
    | { readonly __typename: 'SyncWhatsAppTemplatesSuccess' }
    | { readonly __typename: 'TokenUnreadableError', readonly message: string }
   };

export type CreateWhatsAppTemplateMutationVariables = Exact<{
  input: CreateWhatsAppTemplateInput;
}>;


export type CreateWhatsAppTemplateMutation = { readonly createWhatsAppTemplate:
    | { readonly __typename: 'CreateWhatsAppTemplateSuccess', readonly template: { readonly id: string, readonly status: WhatsAppTemplateStatus } }
    | { readonly __typename: 'ForbiddenError', readonly message: string }
    | { readonly __typename: 'InvalidMessageError', readonly message: string }
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaTokenInvalidError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'NotConnectedError', readonly message: string }
    | { readonly __typename: 'TokenUnreadableError', readonly message: string }
   };

export type DeleteWhatsAppTemplateMutationVariables = Exact<{
  name: string;
}>;


export type DeleteWhatsAppTemplateMutation = { readonly deleteWhatsAppTemplate:
    | { readonly __typename: 'DeleteWhatsAppTemplateSuccess' }
    | { readonly __typename: 'ForbiddenError', readonly message: string }
    | { readonly __typename: 'InvalidMessageError', readonly message: string }
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaTokenInvalidError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'NotConnectedError', readonly message: string }
    | { readonly __typename: 'TokenUnreadableError', readonly message: string }
   };

export type ConversationsQueryVariables = Exact<{
  after?: string | null | undefined;
  search?: string | null | undefined;
}>;


export type ConversationsQuery = { readonly conversations: { readonly numberCount: number, readonly edges: ReadonlyArray<{ readonly cursor: string, readonly node: { readonly id: string, readonly waId: string, readonly contactName: string | null, readonly lastMessageAt: string | null, readonly windowClosesAt: string | null, readonly phoneNumberId: string, readonly displayPhoneNumber: string | null, readonly unreadCount: number, readonly lastMessage: { readonly direction: MessageDirection, readonly preview: string } | null } }>, readonly pageInfo: { readonly hasNextPage: boolean, readonly endCursor: string | null } } };

export type MarkConversationReadMutationVariables = Exact<{
  id: string | number;
}>;


export type MarkConversationReadMutation = { readonly markConversationRead:
    | { readonly __typename: 'ConversationNotFoundError' }
    | { readonly __typename: 'MarkConversationReadSuccess', readonly conversation: { readonly id: string, readonly unreadCount: number } }
   };

export type MetaAdsCardViewerFragment = { readonly role: Role, readonly canOperate: boolean } & { ' $fragmentName'?: 'MetaAdsCardViewerFragment' };

export type MetaAdsFieldsFragment = { readonly id: string | null, readonly status: ConnectionStatus, readonly connected: boolean, readonly tokenExpiresAt: string | null, readonly tokenExpiringSoon: boolean, readonly tokenState: MetaAdsTokenState, readonly dataAccessExpiresAt: string | null, readonly error: string | null, readonly pendingReason: string | null, readonly updatedAt: string | null, readonly selectedBusinessManagerId: string | null, readonly selectedAdAccountId: string | null, readonly health: (
    { readonly messagingHealthy: boolean }
    & { ' $fragmentRefs'?: { 'HealthChecksFieldsFragment': HealthChecksFieldsFragment } }
  ), readonly user: { readonly id: string, readonly name: string | null } | null, readonly unreadableBusinessManagers: ReadonlyArray<{ readonly id: string, readonly name: string, readonly kind: string, readonly reason: string }>, readonly businessManagers: ReadonlyArray<{ readonly id: string, readonly name: string, readonly personal: boolean, readonly adAccounts: ReadonlyArray<{ readonly id: string, readonly name: string, readonly currency: string | null, readonly accountStatus: MetaAdAccountStatus | null }> }> } & { ' $fragmentName'?: 'MetaAdsFieldsFragment' };

export type MetaAdsQueryVariables = Exact<{ [key: string]: never; }>;


export type MetaAdsQuery = { readonly metaAdsConnection: { ' $fragmentRefs'?: { 'MetaAdsFieldsFragment': MetaAdsFieldsFragment } } };

export type StartMetaAdsConnectMutationVariables = Exact<{ [key: string]: never; }>;


export type StartMetaAdsConnectMutation = { readonly startMetaAdsConnect: { readonly authUrl: string, readonly state: string } };

export type SelectMetaAdAccountMutationVariables = Exact<{
  input: SelectAdAccountInput;
}>;


export type SelectMetaAdAccountMutation = { readonly selectMetaAdAccount: { ' $fragmentRefs'?: { 'MetaAdsFieldsFragment': MetaAdsFieldsFragment } } };

export type DisconnectMetaAdsMutationVariables = Exact<{ [key: string]: never; }>;


export type DisconnectMetaAdsMutation = { readonly disconnectMetaAds: { ' $fragmentRefs'?: { 'MetaAdsFieldsFragment': MetaAdsFieldsFragment } } };

export type TestMetaAdsConnectionMutationVariables = Exact<{ [key: string]: never; }>;


export type TestMetaAdsConnectionMutation = { readonly testMetaAdsConnection: { readonly ok: boolean, readonly tokenExpiresAt: string | null, readonly adAccountCount: number, readonly error: string | null, readonly user: { readonly id: string, readonly name: string | null } | null, readonly checks: ReadonlyArray<{ readonly name: string, readonly ok: boolean, readonly detail: string }> } };

export type MetaAdsTokenDebugQueryVariables = Exact<{ [key: string]: never; }>;


export type MetaAdsTokenDebugQuery = { readonly metaAdsTokenDebug:
    | { readonly __typename: 'ForbiddenError', readonly message: string }
    | { readonly __typename: 'MetaAdsNotConnectedError', readonly message: string }
    | { readonly __typename: 'MetaAdsTokenDebugSuccess', readonly tokenDebug: { readonly isValid: boolean, readonly expiresAt: string | null, readonly scopes: ReadonlyArray<string>, readonly error: string | null } }
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'RateLimited', readonly message: string }
   };

export type CheckMetaAdsConnectionMutationVariables = Exact<{ [key: string]: never; }>;


export type CheckMetaAdsConnectionMutation = { readonly checkMetaAdsConnection: (
    { readonly id: string | null }
    & { ' $fragmentRefs'?: { 'MetaAdsFieldsFragment': MetaAdsFieldsFragment } }
  ) };

export type HealthChecksFieldsFragment = { readonly checkedAt: string | null, readonly checks: ReadonlyArray<{ readonly name: string, readonly status: HealthStatus, readonly message: string }> } & { ' $fragmentName'?: 'HealthChecksFieldsFragment' };

export type ConversationEventsSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ConversationEventsSubscription = { readonly conversationEvents: { readonly kind: ConversationEventKind, readonly conversationId: string | null, readonly messageId: string | null, readonly status: MessageStatus | null } };

export type ConnectionChangedSubscriptionVariables = Exact<{ [key: string]: never; }>;


export type ConnectionChangedSubscription = { readonly connectionChanged: { readonly connectionId: string | null, readonly provider: ConnectionProvider | null, readonly status: ConnectionStatus | null } };

export type WebhookEndpointFieldsFragment = { readonly id: string, readonly url: string, readonly events: ReadonlyArray<string>, readonly enabled: boolean, readonly disabledReason: string | null, readonly consecutiveFailures: number, readonly previousSecretExpiresAt: string | null, readonly createdAt: string } & { ' $fragmentName'?: 'WebhookEndpointFieldsFragment' };

export type WebhookEndpointsQueryVariables = Exact<{ [key: string]: never; }>;


export type WebhookEndpointsQuery = { readonly webhookEventTypes: ReadonlyArray<string>, readonly webhookEndpoints: ReadonlyArray<{ ' $fragmentRefs'?: { 'WebhookEndpointFieldsFragment': WebhookEndpointFieldsFragment } }> };

export type WebhookDeliveriesQueryVariables = Exact<{
  endpointId: string | number;
  state?: WebhookDeliveryState | null | undefined;
  eventType?: string | null | undefined;
}>;


export type WebhookDeliveriesQuery = { readonly webhookDeliveries: ReadonlyArray<{ readonly id: string, readonly eventId: string, readonly eventType: string, readonly state: WebhookDeliveryState, readonly attempts: number, readonly nextAttemptAt: string | null, readonly lastStatusCode: number | null, readonly lastError: string | null, readonly occurredAt: string, readonly attemptLog: ReadonlyArray<{ readonly attemptedAt: string, readonly statusCode: number | null, readonly durationMs: number, readonly responseExcerpt: string | null, readonly error: string | null }> }> };

export type CreateWebhookEndpointMutationVariables = Exact<{
  input: CreateWebhookEndpointInput;
}>;


export type CreateWebhookEndpointMutation = { readonly createWebhookEndpoint: { readonly secret: string, readonly endpoint: { ' $fragmentRefs'?: { 'WebhookEndpointFieldsFragment': WebhookEndpointFieldsFragment } } } };

export type RotateWebhookEndpointSecretMutationVariables = Exact<{
  id: string | number;
}>;


export type RotateWebhookEndpointSecretMutation = { readonly rotateWebhookEndpointSecret: { readonly secret: string, readonly endpoint: { ' $fragmentRefs'?: { 'WebhookEndpointFieldsFragment': WebhookEndpointFieldsFragment } } } };

export type EnableWebhookEndpointMutationVariables = Exact<{
  id: string | number;
}>;


export type EnableWebhookEndpointMutation = { readonly enableWebhookEndpoint: { ' $fragmentRefs'?: { 'WebhookEndpointFieldsFragment': WebhookEndpointFieldsFragment } } };

export type DisableWebhookEndpointMutationVariables = Exact<{
  id: string | number;
}>;


export type DisableWebhookEndpointMutation = { readonly disableWebhookEndpoint: { ' $fragmentRefs'?: { 'WebhookEndpointFieldsFragment': WebhookEndpointFieldsFragment } } };

export type DeleteWebhookEndpointMutationVariables = Exact<{
  id: string | number;
}>;


export type DeleteWebhookEndpointMutation = { readonly deleteWebhookEndpoint: boolean };

export type SendWebhookTestEventMutationVariables = Exact<{
  id: string | number;
}>;


export type SendWebhookTestEventMutation = { readonly sendWebhookTestEvent: string };

export type RetryWebhookDeliveryMutationVariables = Exact<{
  id: string | number;
}>;


export type RetryWebhookDeliveryMutation = { readonly retryWebhookDelivery: boolean };

export type ReplayWebhookEventsMutationVariables = Exact<{
  endpointId: string | number;
  since: string;
}>;


export type ReplayWebhookEventsMutation = { readonly replayWebhookEvents: number };

export type HealthPanelFieldsFragment = { readonly health: { ' $fragmentRefs'?: { 'HealthChecksFieldsFragment': HealthChecksFieldsFragment } } } & { ' $fragmentName'?: 'HealthPanelFieldsFragment' };

export type CheckWhatsAppConnectionMutationVariables = Exact<{ [key: string]: never; }>;


export type CheckWhatsAppConnectionMutation = { readonly checkWhatsAppConnection: (
    { readonly id: string | null }
    & { ' $fragmentRefs'?: { 'HealthPanelFieldsFragment': HealthPanelFieldsFragment } }
  ) };

export type SendWhatsAppTestMessageMutationVariables = Exact<{
  to: string;
}>;


export type SendWhatsAppTestMessageMutation = { readonly sendWhatsAppTestMessage:
    | { readonly __typename: 'InvalidMessageError', readonly message: string }
    | { readonly __typename: 'NotConnectedError', readonly message: string }
    | { readonly __typename: 'SendWhatsAppTestMessageSuccess', readonly connection: (
        { readonly id: string | null }
        & { ' $fragmentRefs'?: { 'HealthPanelFieldsFragment': HealthPanelFieldsFragment } }
      ) }
   };

export type ConnectWhatsAppManuallyMutationVariables = Exact<{
  input: ManualConnectInput;
}>;


export type ConnectWhatsAppManuallyMutation = { readonly connectWhatsAppManually:
    | { readonly __typename: 'ConnectWhatsAppManuallySuccess', readonly connection: { ' $fragmentRefs'?: { 'ConnectionFieldsFragment': ConnectionFieldsFragment } } }
    | { readonly __typename: 'ForbiddenError', readonly message: string }
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaTokenAppMismatchError', readonly message: string }
    | { readonly __typename: 'MetaTokenInvalidError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'NoPhoneNumberGrantedError', readonly message: string }
    | { readonly __typename: 'NumberAlreadyConnectedError', readonly message: string }
    | { readonly __typename: 'TokenUnreadableError', readonly message: string }
   };

export type ConnectionFieldsFragment = (
  { readonly id: string | null, readonly status: ConnectionStatus, readonly connected: boolean, readonly phoneNumberE164: string | null, readonly displayName: string | null, readonly wabaId: string | null, readonly phoneNumberId: string | null, readonly tokenExpiresAt: string | null, readonly error: string | null, readonly pendingReason: string | null, readonly warning: string | null, readonly displayNameStatus: string | null, readonly updatedAt: string | null, readonly health: { readonly messagingHealthy: boolean }, readonly choices: ReadonlyArray<{ readonly id: string, readonly displayPhoneNumber: string, readonly verifiedName: string | null, readonly heldByAnotherWorkspace: boolean }> }
  & { ' $fragmentRefs'?: { 'HealthPanelFieldsFragment': HealthPanelFieldsFragment } }
) & { ' $fragmentName'?: 'ConnectionFieldsFragment' };

export type WhatsAppCardViewerFragment = { readonly canOperate: boolean } & { ' $fragmentName'?: 'WhatsAppCardViewerFragment' };

export type StartWhatsAppConnectMutationVariables = Exact<{ [key: string]: never; }>;


export type StartWhatsAppConnectMutation = { readonly startWhatsAppConnect: { readonly authUrl: string, readonly state: string } };

export type DisconnectWhatsAppMutationVariables = Exact<{ [key: string]: never; }>;


export type DisconnectWhatsAppMutation = { readonly disconnectWhatsApp: { ' $fragmentRefs'?: { 'ConnectionFieldsFragment': ConnectionFieldsFragment } } };

export type ChooseWhatsAppNumberMutationVariables = Exact<{
  phoneNumberId: string;
}>;


export type ChooseWhatsAppNumberMutation = { readonly chooseWhatsAppNumber:
    | { readonly __typename: 'ChooseWhatsAppNumberSuccess', readonly connection: { ' $fragmentRefs'?: { 'ConnectionFieldsFragment': ConnectionFieldsFragment } } }
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaTokenInvalidError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'NoPhoneNumberGrantedError', readonly message: string }
    | { readonly __typename: 'NumberAlreadyConnectedError', readonly message: string }
    | { readonly __typename: 'TokenUnreadableError', readonly message: string }
   };

export type RegisterWhatsAppNumberMutationVariables = Exact<{
  input: RegisterWhatsAppNumberInput;
}>;


export type RegisterWhatsAppNumberMutation = { readonly registerWhatsAppNumber:
    | { readonly __typename: 'InvalidPinError', readonly message: string }
    | { readonly __typename: 'MetaPermissionMissingError', readonly message: string }
    | { readonly __typename: 'MetaRateLimitedError', readonly message: string }
    | { readonly __typename: 'MetaTokenInvalidError', readonly message: string }
    | { readonly __typename: 'MetaUnavailableError', readonly message: string }
    | { readonly __typename: 'NoPhoneNumberGrantedError', readonly message: string }
    | { readonly __typename: 'NoRegistrationPendingError', readonly message: string }
    | { readonly __typename: 'NumberAlreadyConnectedError', readonly message: string }
    | { readonly __typename: 'RateLimited', readonly message: string }
    | { readonly __typename: 'RegisterWhatsAppNumberSuccess', readonly connection: (
        { readonly pendingReason: string | null }
        & { ' $fragmentRefs'?: { 'ConnectionFieldsFragment': ConnectionFieldsFragment } }
      ) }
    | { readonly __typename: 'RegistrationPinMismatchError', readonly message: string }
    | { readonly __typename: 'TokenUnreadableError', readonly message: string }
   };

export const AccountViewerFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AccountViewer"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tenantId"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}}]} as unknown as DocumentNode<AccountViewerFragment, unknown>;
export const InboxConnectionFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InboxConnection"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberId"}}]}}]} as unknown as DocumentNode<InboxConnectionFragment, unknown>;
export const MessageContentFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageContentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"providerMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"media"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"caption"}},{"kind":"Field","name":{"kind":"Name","value":"filename"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reaction"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"targetProviderMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"emoji"}}]}},{"kind":"Field","name":{"kind":"Name","value":"referral"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sourceType"}},{"kind":"Field","name":{"kind":"Name","value":"headline"}},{"kind":"Field","name":{"kind":"Name","value":"sourceUrl"}}]}}]}}]} as unknown as DocumentNode<MessageContentFieldsFragment, unknown>;
export const MessageItemFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageItemFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MessageContentFields"}},{"kind":"Field","name":{"kind":"Name","value":"providerMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageContentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"providerMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"media"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"caption"}},{"kind":"Field","name":{"kind":"Name","value":"filename"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reaction"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"targetProviderMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"emoji"}}]}},{"kind":"Field","name":{"kind":"Name","value":"referral"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sourceType"}},{"kind":"Field","name":{"kind":"Name","value":"headline"}},{"kind":"Field","name":{"kind":"Name","value":"sourceUrl"}}]}}]}}]} as unknown as DocumentNode<MessageItemFieldsFragment, unknown>;
export const MetaAdsCardViewerFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MetaAdsCardViewer"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"canOperate"}}]}}]} as unknown as DocumentNode<MetaAdsCardViewerFragment, unknown>;
export const HealthChecksFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<HealthChecksFieldsFragment, unknown>;
export const MetaAdsFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MetaAdsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MetaAdsConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiringSoon"}},{"kind":"Field","name":{"kind":"Name","value":"tokenState"}},{"kind":"Field","name":{"kind":"Name","value":"dataAccessExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"selectedBusinessManagerId"}},{"kind":"Field","name":{"kind":"Name","value":"selectedAdAccountId"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unreadableBusinessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"Field","name":{"kind":"Name","value":"businessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"personal"}},{"kind":"Field","name":{"kind":"Name","value":"adAccounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"accountStatus"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<MetaAdsFieldsFragment, unknown>;
export const WebhookEndpointFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"events"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"consecutiveFailures"}},{"kind":"Field","name":{"kind":"Name","value":"previousSecretExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<WebhookEndpointFieldsFragment, unknown>;
export const HealthPanelFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthPanelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]} as unknown as DocumentNode<HealthPanelFieldsFragment, unknown>;
export const ConnectionFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberE164"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"wabaId"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberId"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"warning"}},{"kind":"Field","name":{"kind":"Name","value":"displayNameStatus"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthPanelFields"}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayPhoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedName"}},{"kind":"Field","name":{"kind":"Name","value":"heldByAnotherWorkspace"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthPanelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}}]}}]} as unknown as DocumentNode<ConnectionFieldsFragment, unknown>;
export const WhatsAppCardViewerFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WhatsAppCardViewer"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"canOperate"}}]}}]} as unknown as DocumentNode<WhatsAppCardViewerFragment, unknown>;
export const IntegrationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Integrations"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"viewer"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"canOperate"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"AccountViewer"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"WhatsAppCardViewer"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"MetaAdsCardViewer"}}]}},{"kind":"Field","name":{"kind":"Name","value":"whatsappConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConnectionFields"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"InboxConnection"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthPanelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"AccountViewer"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tenantId"}},{"kind":"Field","name":{"kind":"Name","value":"role"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WhatsAppCardViewer"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"canOperate"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MetaAdsCardViewer"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Viewer"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"role"}},{"kind":"Field","name":{"kind":"Name","value":"canOperate"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberE164"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"wabaId"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberId"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"warning"}},{"kind":"Field","name":{"kind":"Name","value":"displayNameStatus"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthPanelFields"}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayPhoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedName"}},{"kind":"Field","name":{"kind":"Name","value":"heldByAnotherWorkspace"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"InboxConnection"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberId"}}]}}]} as unknown as DocumentNode<IntegrationsQuery, IntegrationsQueryVariables>;
export const ConversationMessagesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"ConversationMessages"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"messagesAfter"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"conversation"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"messages"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"12"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"messagesAfter"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"MessageItemFields"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageContentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"providerMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"media"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"caption"}},{"kind":"Field","name":{"kind":"Name","value":"filename"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reaction"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"targetProviderMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"emoji"}}]}},{"kind":"Field","name":{"kind":"Name","value":"referral"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sourceType"}},{"kind":"Field","name":{"kind":"Name","value":"headline"}},{"kind":"Field","name":{"kind":"Name","value":"sourceUrl"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageItemFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MessageContentFields"}},{"kind":"Field","name":{"kind":"Name","value":"providerMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}}]}}]} as unknown as DocumentNode<ConversationMessagesQuery, ConversationMessagesQueryVariables>;
export const SendWhatsAppTextDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SendWhatsAppText"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SendTextInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sendWhatsAppText"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SendWhatsAppTextSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"sent"},"name":{"kind":"Name","value":"message"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"MessageItemFields"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageContentFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"providerMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"media"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"caption"}},{"kind":"Field","name":{"kind":"Name","value":"filename"}}]}},{"kind":"Field","name":{"kind":"Name","value":"reaction"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"targetProviderMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"emoji"}}]}},{"kind":"Field","name":{"kind":"Name","value":"referral"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sourceType"}},{"kind":"Field","name":{"kind":"Name","value":"headline"}},{"kind":"Field","name":{"kind":"Name","value":"sourceUrl"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MessageItemFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Message"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MessageContentFields"}},{"kind":"Field","name":{"kind":"Name","value":"providerMessageId"}},{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"text"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"timestamp"}}]}}]} as unknown as DocumentNode<SendWhatsAppTextMutation, SendWhatsAppTextMutationVariables>;
export const SendWhatsAppMediaDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SendWhatsAppMedia"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SendMediaInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sendWhatsAppMedia"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SendWhatsAppMediaSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"sent"},"name":{"kind":"Name","value":"message"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<SendWhatsAppMediaMutation, SendWhatsAppMediaMutationVariables>;
export const WhatsAppTemplatesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WhatsAppTemplates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"whatsappTemplates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"language"}},{"kind":"Field","name":{"kind":"Name","value":"category"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"rejectedReason"}},{"kind":"Field","name":{"kind":"Name","value":"quality"}},{"kind":"Field","name":{"kind":"Name","value":"parameterFormat"}},{"kind":"Field","name":{"kind":"Name","value":"headerKind"}},{"kind":"Field","name":{"kind":"Name","value":"headerText"}},{"kind":"Field","name":{"kind":"Name","value":"bodyText"}},{"kind":"Field","name":{"kind":"Name","value":"footerText"}},{"kind":"Field","name":{"kind":"Name","value":"headerPlaceholders"}},{"kind":"Field","name":{"kind":"Name","value":"bodyPlaceholders"}}]}}]}}]} as unknown as DocumentNode<WhatsAppTemplatesQuery, WhatsAppTemplatesQueryVariables>;
export const SendWhatsAppTemplateDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SendWhatsAppTemplate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SendTemplateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sendWhatsAppTemplate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SendWhatsAppTemplateSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","alias":{"kind":"Name","value":"sent"},"name":{"kind":"Name","value":"message"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<SendWhatsAppTemplateMutation, SendWhatsAppTemplateMutationVariables>;
export const SyncWhatsAppTemplatesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SyncWhatsAppTemplates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"syncWhatsAppTemplates"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<SyncWhatsAppTemplatesMutation, SyncWhatsAppTemplatesMutationVariables>;
export const CreateWhatsAppTemplateDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateWhatsAppTemplate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateWhatsAppTemplateInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createWhatsAppTemplate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"CreateWhatsAppTemplateSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"template"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<CreateWhatsAppTemplateMutation, CreateWhatsAppTemplateMutationVariables>;
export const DeleteWhatsAppTemplateDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteWhatsAppTemplate"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"name"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteWhatsAppTemplate"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"name"},"value":{"kind":"Variable","name":{"kind":"Name","value":"name"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<DeleteWhatsAppTemplateMutation, DeleteWhatsAppTemplateMutationVariables>;
export const ConversationsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Conversations"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"conversations"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}},{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"waId"}},{"kind":"Field","name":{"kind":"Name","value":"contactName"}},{"kind":"Field","name":{"kind":"Name","value":"lastMessageAt"}},{"kind":"Field","name":{"kind":"Name","value":"windowClosesAt"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberId"}},{"kind":"Field","name":{"kind":"Name","value":"displayPhoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"unreadCount"}},{"kind":"Field","name":{"kind":"Name","value":"lastMessage"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"direction"}},{"kind":"Field","name":{"kind":"Name","value":"preview"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}},{"kind":"Field","name":{"kind":"Name","value":"numberCount"}}]}}]}}]} as unknown as DocumentNode<ConversationsQuery, ConversationsQueryVariables>;
export const MarkConversationReadDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"MarkConversationRead"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"markConversationRead"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MarkConversationReadSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"conversation"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"unreadCount"}}]}}]}}]}}]}}]} as unknown as DocumentNode<MarkConversationReadMutation, MarkConversationReadMutationVariables>;
export const MetaAdsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MetaAds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metaAdsConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MetaAdsFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MetaAdsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MetaAdsConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiringSoon"}},{"kind":"Field","name":{"kind":"Name","value":"tokenState"}},{"kind":"Field","name":{"kind":"Name","value":"dataAccessExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"selectedBusinessManagerId"}},{"kind":"Field","name":{"kind":"Name","value":"selectedAdAccountId"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unreadableBusinessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"Field","name":{"kind":"Name","value":"businessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"personal"}},{"kind":"Field","name":{"kind":"Name","value":"adAccounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"accountStatus"}}]}}]}}]}}]} as unknown as DocumentNode<MetaAdsQuery, MetaAdsQueryVariables>;
export const StartMetaAdsConnectDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StartMetaAdsConnect"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"startMetaAdsConnect"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"authUrl"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]} as unknown as DocumentNode<StartMetaAdsConnectMutation, StartMetaAdsConnectMutationVariables>;
export const SelectMetaAdAccountDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SelectMetaAdAccount"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"SelectAdAccountInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"selectMetaAdAccount"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MetaAdsFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MetaAdsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MetaAdsConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiringSoon"}},{"kind":"Field","name":{"kind":"Name","value":"tokenState"}},{"kind":"Field","name":{"kind":"Name","value":"dataAccessExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"selectedBusinessManagerId"}},{"kind":"Field","name":{"kind":"Name","value":"selectedAdAccountId"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unreadableBusinessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"Field","name":{"kind":"Name","value":"businessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"personal"}},{"kind":"Field","name":{"kind":"Name","value":"adAccounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"accountStatus"}}]}}]}}]}}]} as unknown as DocumentNode<SelectMetaAdAccountMutation, SelectMetaAdAccountMutationVariables>;
export const DisconnectMetaAdsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DisconnectMetaAds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"disconnectMetaAds"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"MetaAdsFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MetaAdsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MetaAdsConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiringSoon"}},{"kind":"Field","name":{"kind":"Name","value":"tokenState"}},{"kind":"Field","name":{"kind":"Name","value":"dataAccessExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"selectedBusinessManagerId"}},{"kind":"Field","name":{"kind":"Name","value":"selectedAdAccountId"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unreadableBusinessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"Field","name":{"kind":"Name","value":"businessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"personal"}},{"kind":"Field","name":{"kind":"Name","value":"adAccounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"accountStatus"}}]}}]}}]}}]} as unknown as DocumentNode<DisconnectMetaAdsMutation, DisconnectMetaAdsMutationVariables>;
export const TestMetaAdsConnectionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"TestMetaAdsConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"testMetaAdsConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"ok"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"adAccountCount"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"ok"}},{"kind":"Field","name":{"kind":"Name","value":"detail"}}]}}]}}]}}]} as unknown as DocumentNode<TestMetaAdsConnectionMutation, TestMetaAdsConnectionMutationVariables>;
export const MetaAdsTokenDebugDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"MetaAdsTokenDebug"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"metaAdsTokenDebug"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MetaAdsTokenDebugSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"tokenDebug"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"isValid"}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}}]} as unknown as DocumentNode<MetaAdsTokenDebugQuery, MetaAdsTokenDebugQueryVariables>;
export const CheckMetaAdsConnectionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CheckMetaAdsConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkMetaAdsConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"MetaAdsFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"MetaAdsFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"MetaAdsConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiringSoon"}},{"kind":"Field","name":{"kind":"Name","value":"tokenState"}},{"kind":"Field","name":{"kind":"Name","value":"dataAccessExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"selectedBusinessManagerId"}},{"kind":"Field","name":{"kind":"Name","value":"selectedAdAccountId"}},{"kind":"Field","name":{"kind":"Name","value":"user"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}}]}},{"kind":"Field","name":{"kind":"Name","value":"unreadableBusinessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"reason"}}]}},{"kind":"Field","name":{"kind":"Name","value":"businessManagers"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"personal"}},{"kind":"Field","name":{"kind":"Name","value":"adAccounts"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"accountStatus"}}]}}]}}]}}]} as unknown as DocumentNode<CheckMetaAdsConnectionMutation, CheckMetaAdsConnectionMutationVariables>;
export const ConversationEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ConversationEvents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"conversationEvents"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"kind"}},{"kind":"Field","name":{"kind":"Name","value":"conversationId"}},{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<ConversationEventsSubscription, ConversationEventsSubscriptionVariables>;
export const ConnectionChangedDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"subscription","name":{"kind":"Name","value":"ConnectionChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connectionChanged"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connectionId"}},{"kind":"Field","name":{"kind":"Name","value":"provider"}},{"kind":"Field","name":{"kind":"Name","value":"status"}}]}}]}}]} as unknown as DocumentNode<ConnectionChangedSubscription, ConnectionChangedSubscriptionVariables>;
export const WebhookEndpointsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WebhookEndpoints"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"webhookEndpoints"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"webhookEventTypes"}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"events"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"consecutiveFailures"}},{"kind":"Field","name":{"kind":"Name","value":"previousSecretExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>;
export const WebhookDeliveriesDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WebhookDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"state"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookDeliveryState"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"eventType"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"webhookDeliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"endpointId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}}},{"kind":"Argument","name":{"kind":"Name","value":"state"},"value":{"kind":"Variable","name":{"kind":"Name","value":"state"}}},{"kind":"Argument","name":{"kind":"Name","value":"eventType"},"value":{"kind":"Variable","name":{"kind":"Name","value":"eventType"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"20"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"eventId"}},{"kind":"Field","name":{"kind":"Name","value":"eventType"}},{"kind":"Field","name":{"kind":"Name","value":"state"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"nextAttemptAt"}},{"kind":"Field","name":{"kind":"Name","value":"lastStatusCode"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}},{"kind":"Field","name":{"kind":"Name","value":"occurredAt"}},{"kind":"Field","name":{"kind":"Name","value":"attemptLog"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"attemptedAt"}},{"kind":"Field","name":{"kind":"Name","value":"statusCode"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}},{"kind":"Field","name":{"kind":"Name","value":"responseExcerpt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}}]}}]}}]}}]} as unknown as DocumentNode<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>;
export const CreateWebhookEndpointDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateWebhookEndpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateWebhookEndpointInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"endpoint"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"events"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"consecutiveFailures"}},{"kind":"Field","name":{"kind":"Name","value":"previousSecretExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<CreateWebhookEndpointMutation, CreateWebhookEndpointMutationVariables>;
export const RotateWebhookEndpointSecretDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RotateWebhookEndpointSecret"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rotateWebhookEndpointSecret"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"secret"}},{"kind":"Field","name":{"kind":"Name","value":"endpoint"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"events"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"consecutiveFailures"}},{"kind":"Field","name":{"kind":"Name","value":"previousSecretExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<RotateWebhookEndpointSecretMutation, RotateWebhookEndpointSecretMutationVariables>;
export const EnableWebhookEndpointDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"EnableWebhookEndpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"enableWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"events"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"consecutiveFailures"}},{"kind":"Field","name":{"kind":"Name","value":"previousSecretExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<EnableWebhookEndpointMutation, EnableWebhookEndpointMutationVariables>;
export const DisableWebhookEndpointDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DisableWebhookEndpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"disableWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"events"}},{"kind":"Field","name":{"kind":"Name","value":"enabled"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"consecutiveFailures"}},{"kind":"Field","name":{"kind":"Name","value":"previousSecretExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<DisableWebhookEndpointMutation, DisableWebhookEndpointMutationVariables>;
export const DeleteWebhookEndpointDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DeleteWebhookEndpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"deleteWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<DeleteWebhookEndpointMutation, DeleteWebhookEndpointMutationVariables>;
export const SendWebhookTestEventDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SendWebhookTestEvent"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sendWebhookTestEvent"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<SendWebhookTestEventMutation, SendWebhookTestEventMutationVariables>;
export const RetryWebhookDeliveryDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RetryWebhookDelivery"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"retryWebhookDelivery"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<RetryWebhookDeliveryMutation, RetryWebhookDeliveryMutationVariables>;
export const ReplayWebhookEventsDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReplayWebhookEvents"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"since"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"DateTime"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"replayWebhookEvents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"endpointId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}}},{"kind":"Argument","name":{"kind":"Name","value":"since"},"value":{"kind":"Variable","name":{"kind":"Name","value":"since"}}}]}]}}]} as unknown as DocumentNode<ReplayWebhookEventsMutation, ReplayWebhookEventsMutationVariables>;
export const CheckWhatsAppConnectionDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CheckWhatsAppConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkWhatsAppConnection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthPanelFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthPanelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}}]}}]} as unknown as DocumentNode<CheckWhatsAppConnectionMutation, CheckWhatsAppConnectionMutationVariables>;
export const SendWhatsAppTestMessageDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SendWhatsAppTestMessage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"to"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sendWhatsAppTestMessage"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"ObjectValue","fields":[{"kind":"ObjectField","name":{"kind":"Name","value":"to"},"value":{"kind":"Variable","name":{"kind":"Name","value":"to"}}}]}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"SendWhatsAppTestMessageSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthPanelFields"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthPanelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}}]}}]} as unknown as DocumentNode<SendWhatsAppTestMessageMutation, SendWhatsAppTestMessageMutationVariables>;
export const ConnectWhatsAppManuallyDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConnectWhatsAppManually"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ManualConnectInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connectWhatsAppManually"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectWhatsAppManuallySuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConnectionFields"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthPanelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberE164"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"wabaId"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberId"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"warning"}},{"kind":"Field","name":{"kind":"Name","value":"displayNameStatus"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthPanelFields"}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayPhoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedName"}},{"kind":"Field","name":{"kind":"Name","value":"heldByAnotherWorkspace"}}]}}]}}]} as unknown as DocumentNode<ConnectWhatsAppManuallyMutation, ConnectWhatsAppManuallyMutationVariables>;
export const StartWhatsAppConnectDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"StartWhatsAppConnect"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"startWhatsAppConnect"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"authUrl"}},{"kind":"Field","name":{"kind":"Name","value":"state"}}]}}]}}]} as unknown as DocumentNode<StartWhatsAppConnectMutation, StartWhatsAppConnectMutationVariables>;
export const DisconnectWhatsAppDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DisconnectWhatsApp"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"disconnectWhatsApp"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConnectionFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthPanelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberE164"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"wabaId"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberId"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"warning"}},{"kind":"Field","name":{"kind":"Name","value":"displayNameStatus"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthPanelFields"}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayPhoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedName"}},{"kind":"Field","name":{"kind":"Name","value":"heldByAnotherWorkspace"}}]}}]}}]} as unknown as DocumentNode<DisconnectWhatsAppMutation, DisconnectWhatsAppMutationVariables>;
export const ChooseWhatsAppNumberDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ChooseWhatsAppNumber"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"phoneNumberId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"chooseWhatsAppNumber"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"phoneNumberId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"phoneNumberId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ChooseWhatsAppNumberSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConnectionFields"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthPanelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberE164"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"wabaId"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberId"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"warning"}},{"kind":"Field","name":{"kind":"Name","value":"displayNameStatus"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthPanelFields"}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayPhoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedName"}},{"kind":"Field","name":{"kind":"Name","value":"heldByAnotherWorkspace"}}]}}]}}]} as unknown as DocumentNode<ChooseWhatsAppNumberMutation, ChooseWhatsAppNumberMutationVariables>;
export const RegisterWhatsAppNumberDocument = {"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RegisterWhatsAppNumber"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RegisterWhatsAppNumberInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"registerWhatsAppNumber"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"__typename"}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"RegisterWhatsAppNumberSuccess"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"connection"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"ConnectionFields"}}]}}]}},{"kind":"InlineFragment","typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"Error"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthChecksFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"ConnectionHealth"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"checkedAt"}},{"kind":"Field","name":{"kind":"Name","value":"checks"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"message"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"HealthPanelFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthChecksFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"ConnectionFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WhatsAppConnection"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"connected"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberE164"}},{"kind":"Field","name":{"kind":"Name","value":"displayName"}},{"kind":"Field","name":{"kind":"Name","value":"wabaId"}},{"kind":"Field","name":{"kind":"Name","value":"phoneNumberId"}},{"kind":"Field","name":{"kind":"Name","value":"tokenExpiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"pendingReason"}},{"kind":"Field","name":{"kind":"Name","value":"warning"}},{"kind":"Field","name":{"kind":"Name","value":"displayNameStatus"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"health"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messagingHealthy"}}]}},{"kind":"FragmentSpread","name":{"kind":"Name","value":"HealthPanelFields"}},{"kind":"Field","name":{"kind":"Name","value":"choices"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"displayPhoneNumber"}},{"kind":"Field","name":{"kind":"Name","value":"verifiedName"}},{"kind":"Field","name":{"kind":"Name","value":"heldByAnotherWorkspace"}}]}}]}}]} as unknown as DocumentNode<RegisterWhatsAppNumberMutation, RegisterWhatsAppNumberMutationVariables>;