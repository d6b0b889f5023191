/* eslint-disable */
import * as types from './graphql.ts';
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';

/**
 * Map of all GraphQL operations in the project.
 *
 * This map has several performance disadvantages:
 * 1. It is not tree-shakeable, so it will include all operations in the project.
 * 2. It is not minifiable, so the string of a GraphQL query will be multiple times inside the bundle.
 * 3. It does not support dead code elimination, so it will add unused operations.
 *
 * Therefore it is highly recommended to use the babel or swc plugin for production.
 * Learn more about it here: https://the-guild.dev/graphql/codegen/plugins/presets/preset-client#reducing-bundle-size
 */
type Documents = {
    "\n  fragment AccountViewer on Viewer {\n    tenantId\n    role\n  }\n": typeof types.AccountViewerFragmentDoc,
    "\n  query Integrations {\n    viewer {\n      canOperate\n      ...AccountViewer\n      ...WhatsAppCardViewer\n      ...MetaAdsCardViewer\n    }\n    whatsappConnection {\n      ...ConnectionFields\n      ...InboxConnection\n    }\n  }\n": typeof types.IntegrationsDocument,
    "\n  fragment InboxConnection on WhatsAppConnection {\n    status\n    phoneNumberId\n  }\n": typeof types.InboxConnectionFragmentDoc,
    "\n  fragment MessageItemFields on Message {\n    ...MessageContentFields\n    providerMessageId\n    direction\n    type\n    text\n    status\n    error\n    timestamp\n  }\n": typeof types.MessageItemFieldsFragmentDoc,
    "\n  query ConversationMessages($id: ID!, $messagesAfter: String) {\n    conversation(id: $id) {\n      id\n      messages(first: 12, after: $messagesAfter) {\n        edges {\n          node {\n            id\n            timestamp\n            ...MessageItemFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": typeof types.ConversationMessagesDocument,
    "\n  mutation SendWhatsAppText($input: SendTextInput!) {\n    sendWhatsAppText(input: $input) {\n      __typename\n      ... on SendWhatsAppTextSuccess {\n        sent: message {\n          id\n          timestamp\n          ...MessageItemFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.SendWhatsAppTextDocument,
    "\n  fragment MessageContentFields on Message {\n    id\n    providerMessageId\n    type\n    text\n    media {\n      kind\n      state\n      url\n      caption\n      filename\n    }\n    reaction {\n      targetProviderMessageId\n      emoji\n    }\n    referral {\n      sourceType\n      headline\n      sourceUrl\n    }\n  }\n": typeof types.MessageContentFieldsFragmentDoc,
    "\n  mutation SendWhatsAppMedia($input: SendMediaInput!) {\n    sendWhatsAppMedia(input: $input) {\n      __typename\n      ... on SendWhatsAppMediaSuccess {\n        sent: message {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.SendWhatsAppMediaDocument,
    "\n  query WhatsAppTemplates {\n    whatsappTemplates {\n      id\n      name\n      language\n      category\n      status\n      rejectedReason\n      quality\n      parameterFormat\n      headerKind\n      headerText\n      bodyText\n      footerText\n      headerPlaceholders\n      bodyPlaceholders\n    }\n  }\n": typeof types.WhatsAppTemplatesDocument,
    "\n  mutation SendWhatsAppTemplate($input: SendTemplateInput!) {\n    sendWhatsAppTemplate(input: $input) {\n      __typename\n      ... on SendWhatsAppTemplateSuccess {\n        sent: message {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.SendWhatsAppTemplateDocument,
    "\n  mutation SyncWhatsAppTemplates {\n    syncWhatsAppTemplates {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.SyncWhatsAppTemplatesDocument,
    "\n  mutation CreateWhatsAppTemplate($input: CreateWhatsAppTemplateInput!) {\n    createWhatsAppTemplate(input: $input) {\n      __typename\n      ... on CreateWhatsAppTemplateSuccess {\n        template {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.CreateWhatsAppTemplateDocument,
    "\n  mutation DeleteWhatsAppTemplate($name: String!) {\n    deleteWhatsAppTemplate(name: $name) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.DeleteWhatsAppTemplateDocument,
    "\n  query Conversations($after: String, $search: String) {\n    conversations(first: 20, after: $after, search: $search) {\n      edges {\n        cursor\n        node {\n          id\n          waId\n          contactName\n          lastMessageAt\n          windowClosesAt\n          phoneNumberId\n          displayPhoneNumber\n          unreadCount\n          lastMessage {\n            direction\n            preview\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      numberCount\n    }\n  }\n": typeof types.ConversationsDocument,
    "\n  mutation MarkConversationRead($id: ID!) {\n    markConversationRead(id: $id) {\n      __typename\n      ... on MarkConversationReadSuccess {\n        conversation {\n          id\n          unreadCount\n        }\n      }\n    }\n  }\n": typeof types.MarkConversationReadDocument,
    "\n  fragment MetaAdsCardViewer on Viewer {\n    role\n    canOperate\n  }\n": typeof types.MetaAdsCardViewerFragmentDoc,
    "\n  fragment MetaAdsFields on MetaAdsConnection {\n    id\n    status\n    connected\n    tokenExpiresAt\n    tokenExpiringSoon\n    tokenState\n    dataAccessExpiresAt\n    error\n    pendingReason\n    updatedAt\n    health {\n      messagingHealthy\n      ...HealthChecksFields\n    }\n    selectedBusinessManagerId\n    selectedAdAccountId\n    user {\n      id\n      name\n    }\n    unreadableBusinessManagers {\n      id\n      name\n      kind\n      reason\n    }\n    businessManagers {\n      id\n      name\n      personal\n      adAccounts {\n        id\n        name\n        currency\n        accountStatus\n      }\n    }\n  }\n": typeof types.MetaAdsFieldsFragmentDoc,
    "\n  query MetaAds {\n    metaAdsConnection {\n      ...MetaAdsFields\n    }\n  }\n": typeof types.MetaAdsDocument,
    "\n  mutation StartMetaAdsConnect {\n    startMetaAdsConnect {\n      authUrl\n      state\n    }\n  }\n": typeof types.StartMetaAdsConnectDocument,
    "\n  mutation SelectMetaAdAccount($input: SelectAdAccountInput!) {\n    selectMetaAdAccount(input: $input) {\n      ...MetaAdsFields\n    }\n  }\n": typeof types.SelectMetaAdAccountDocument,
    "\n  mutation DisconnectMetaAds {\n    disconnectMetaAds {\n      ...MetaAdsFields\n    }\n  }\n": typeof types.DisconnectMetaAdsDocument,
    "\n  mutation TestMetaAdsConnection {\n    testMetaAdsConnection {\n      ok\n      user {\n        id\n        name\n      }\n      tokenExpiresAt\n      adAccountCount\n      error\n      checks {\n        name\n        ok\n        detail\n      }\n    }\n  }\n": typeof types.TestMetaAdsConnectionDocument,
    "\n  query MetaAdsTokenDebug {\n    metaAdsTokenDebug {\n      __typename\n      ... on MetaAdsTokenDebugSuccess {\n        tokenDebug {\n          isValid\n          expiresAt\n          scopes\n          error\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.MetaAdsTokenDebugDocument,
    "\n  mutation CheckMetaAdsConnection {\n    checkMetaAdsConnection {\n      id\n      ...MetaAdsFields\n    }\n  }\n": typeof types.CheckMetaAdsConnectionDocument,
    "\n  fragment HealthChecksFields on ConnectionHealth {\n    checkedAt\n    checks {\n      name\n      status\n      message\n    }\n  }\n": typeof types.HealthChecksFieldsFragmentDoc,
    "\n  subscription ConversationEvents {\n    conversationEvents {\n      kind\n      conversationId\n      messageId\n      status\n    }\n  }\n": typeof types.ConversationEventsDocument,
    "\n  subscription ConnectionChanged {\n    connectionChanged {\n      connectionId\n      provider\n      status\n    }\n  }\n": typeof types.ConnectionChangedDocument,
    "\n  fragment WebhookEndpointFields on WebhookEndpoint {\n    id\n    url\n    events\n    enabled\n    disabledReason\n    consecutiveFailures\n    previousSecretExpiresAt\n    createdAt\n  }\n": typeof types.WebhookEndpointFieldsFragmentDoc,
    "\n  query WebhookEndpoints {\n    webhookEndpoints {\n      ...WebhookEndpointFields\n    }\n    webhookEventTypes\n  }\n": typeof types.WebhookEndpointsDocument,
    "\n  query WebhookDeliveries($endpointId: ID!, $state: WebhookDeliveryState, $eventType: String) {\n    webhookDeliveries(endpointId: $endpointId, state: $state, eventType: $eventType, first: 20) {\n      id\n      eventId\n      eventType\n      state\n      attempts\n      nextAttemptAt\n      lastStatusCode\n      lastError\n      occurredAt\n      attemptLog {\n        attemptedAt\n        statusCode\n        durationMs\n        responseExcerpt\n        error\n      }\n    }\n  }\n": typeof types.WebhookDeliveriesDocument,
    "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n": typeof types.CreateWebhookEndpointDocument,
    "\n  mutation RotateWebhookEndpointSecret($id: ID!) {\n    rotateWebhookEndpointSecret(id: $id) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n": typeof types.RotateWebhookEndpointSecretDocument,
    "\n  mutation EnableWebhookEndpoint($id: ID!) {\n    enableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n": typeof types.EnableWebhookEndpointDocument,
    "\n  mutation DisableWebhookEndpoint($id: ID!) {\n    disableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n": typeof types.DisableWebhookEndpointDocument,
    "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n": typeof types.DeleteWebhookEndpointDocument,
    "\n  mutation SendWebhookTestEvent($id: ID!) {\n    sendWebhookTestEvent(id: $id)\n  }\n": typeof types.SendWebhookTestEventDocument,
    "\n  mutation RetryWebhookDelivery($id: ID!) {\n    retryWebhookDelivery(id: $id)\n  }\n": typeof types.RetryWebhookDeliveryDocument,
    "\n  mutation ReplayWebhookEvents($endpointId: ID!, $since: DateTime!) {\n    replayWebhookEvents(endpointId: $endpointId, since: $since)\n  }\n": typeof types.ReplayWebhookEventsDocument,
    "\n  fragment HealthPanelFields on WhatsAppConnection {\n    health {\n      ...HealthChecksFields\n    }\n  }\n": typeof types.HealthPanelFieldsFragmentDoc,
    "\n  mutation CheckWhatsAppConnection {\n    checkWhatsAppConnection {\n      id\n      ...HealthPanelFields\n    }\n  }\n": typeof types.CheckWhatsAppConnectionDocument,
    "\n  mutation SendWhatsAppTestMessage($to: String!) {\n    sendWhatsAppTestMessage(input: { to: $to }) {\n      __typename\n      ... on SendWhatsAppTestMessageSuccess {\n        connection {\n          id\n          ...HealthPanelFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.SendWhatsAppTestMessageDocument,
    "\n  mutation ConnectWhatsAppManually($input: ManualConnectInput!) {\n    connectWhatsAppManually(input: $input) {\n      __typename\n      ... on ConnectWhatsAppManuallySuccess {\n        connection {\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.ConnectWhatsAppManuallyDocument,
    "\n  fragment ConnectionFields on WhatsAppConnection {\n    id\n    status\n    connected\n    phoneNumberE164\n    displayName\n    wabaId\n    phoneNumberId\n    tokenExpiresAt\n    error\n    pendingReason\n    warning\n    displayNameStatus\n    updatedAt\n    health {\n      messagingHealthy\n    }\n    ...HealthPanelFields\n    choices {\n      id\n      displayPhoneNumber\n      verifiedName\n      heldByAnotherWorkspace\n    }\n  }\n": typeof types.ConnectionFieldsFragmentDoc,
    "\n  fragment WhatsAppCardViewer on Viewer {\n    canOperate\n  }\n": typeof types.WhatsAppCardViewerFragmentDoc,
    "\n  mutation StartWhatsAppConnect {\n    startWhatsAppConnect {\n      authUrl\n      state\n    }\n  }\n": typeof types.StartWhatsAppConnectDocument,
    "\n  mutation DisconnectWhatsApp {\n    disconnectWhatsApp {\n      ...ConnectionFields\n    }\n  }\n": typeof types.DisconnectWhatsAppDocument,
    "\n  mutation ChooseWhatsAppNumber($phoneNumberId: String!) {\n    chooseWhatsAppNumber(phoneNumberId: $phoneNumberId) {\n      __typename\n      ... on ChooseWhatsAppNumberSuccess {\n        connection {\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.ChooseWhatsAppNumberDocument,
    "\n  mutation RegisterWhatsAppNumber($input: RegisterWhatsAppNumberInput!) {\n    registerWhatsAppNumber(input: $input) {\n      __typename\n      ... on RegisterWhatsAppNumberSuccess {\n        connection {\n          pendingReason\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": typeof types.RegisterWhatsAppNumberDocument,
};
const documents: Documents = {
    "\n  fragment AccountViewer on Viewer {\n    tenantId\n    role\n  }\n": types.AccountViewerFragmentDoc,
    "\n  query Integrations {\n    viewer {\n      canOperate\n      ...AccountViewer\n      ...WhatsAppCardViewer\n      ...MetaAdsCardViewer\n    }\n    whatsappConnection {\n      ...ConnectionFields\n      ...InboxConnection\n    }\n  }\n": types.IntegrationsDocument,
    "\n  fragment InboxConnection on WhatsAppConnection {\n    status\n    phoneNumberId\n  }\n": types.InboxConnectionFragmentDoc,
    "\n  fragment MessageItemFields on Message {\n    ...MessageContentFields\n    providerMessageId\n    direction\n    type\n    text\n    status\n    error\n    timestamp\n  }\n": types.MessageItemFieldsFragmentDoc,
    "\n  query ConversationMessages($id: ID!, $messagesAfter: String) {\n    conversation(id: $id) {\n      id\n      messages(first: 12, after: $messagesAfter) {\n        edges {\n          node {\n            id\n            timestamp\n            ...MessageItemFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n": types.ConversationMessagesDocument,
    "\n  mutation SendWhatsAppText($input: SendTextInput!) {\n    sendWhatsAppText(input: $input) {\n      __typename\n      ... on SendWhatsAppTextSuccess {\n        sent: message {\n          id\n          timestamp\n          ...MessageItemFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.SendWhatsAppTextDocument,
    "\n  fragment MessageContentFields on Message {\n    id\n    providerMessageId\n    type\n    text\n    media {\n      kind\n      state\n      url\n      caption\n      filename\n    }\n    reaction {\n      targetProviderMessageId\n      emoji\n    }\n    referral {\n      sourceType\n      headline\n      sourceUrl\n    }\n  }\n": types.MessageContentFieldsFragmentDoc,
    "\n  mutation SendWhatsAppMedia($input: SendMediaInput!) {\n    sendWhatsAppMedia(input: $input) {\n      __typename\n      ... on SendWhatsAppMediaSuccess {\n        sent: message {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.SendWhatsAppMediaDocument,
    "\n  query WhatsAppTemplates {\n    whatsappTemplates {\n      id\n      name\n      language\n      category\n      status\n      rejectedReason\n      quality\n      parameterFormat\n      headerKind\n      headerText\n      bodyText\n      footerText\n      headerPlaceholders\n      bodyPlaceholders\n    }\n  }\n": types.WhatsAppTemplatesDocument,
    "\n  mutation SendWhatsAppTemplate($input: SendTemplateInput!) {\n    sendWhatsAppTemplate(input: $input) {\n      __typename\n      ... on SendWhatsAppTemplateSuccess {\n        sent: message {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.SendWhatsAppTemplateDocument,
    "\n  mutation SyncWhatsAppTemplates {\n    syncWhatsAppTemplates {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.SyncWhatsAppTemplatesDocument,
    "\n  mutation CreateWhatsAppTemplate($input: CreateWhatsAppTemplateInput!) {\n    createWhatsAppTemplate(input: $input) {\n      __typename\n      ... on CreateWhatsAppTemplateSuccess {\n        template {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.CreateWhatsAppTemplateDocument,
    "\n  mutation DeleteWhatsAppTemplate($name: String!) {\n    deleteWhatsAppTemplate(name: $name) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.DeleteWhatsAppTemplateDocument,
    "\n  query Conversations($after: String, $search: String) {\n    conversations(first: 20, after: $after, search: $search) {\n      edges {\n        cursor\n        node {\n          id\n          waId\n          contactName\n          lastMessageAt\n          windowClosesAt\n          phoneNumberId\n          displayPhoneNumber\n          unreadCount\n          lastMessage {\n            direction\n            preview\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      numberCount\n    }\n  }\n": types.ConversationsDocument,
    "\n  mutation MarkConversationRead($id: ID!) {\n    markConversationRead(id: $id) {\n      __typename\n      ... on MarkConversationReadSuccess {\n        conversation {\n          id\n          unreadCount\n        }\n      }\n    }\n  }\n": types.MarkConversationReadDocument,
    "\n  fragment MetaAdsCardViewer on Viewer {\n    role\n    canOperate\n  }\n": types.MetaAdsCardViewerFragmentDoc,
    "\n  fragment MetaAdsFields on MetaAdsConnection {\n    id\n    status\n    connected\n    tokenExpiresAt\n    tokenExpiringSoon\n    tokenState\n    dataAccessExpiresAt\n    error\n    pendingReason\n    updatedAt\n    health {\n      messagingHealthy\n      ...HealthChecksFields\n    }\n    selectedBusinessManagerId\n    selectedAdAccountId\n    user {\n      id\n      name\n    }\n    unreadableBusinessManagers {\n      id\n      name\n      kind\n      reason\n    }\n    businessManagers {\n      id\n      name\n      personal\n      adAccounts {\n        id\n        name\n        currency\n        accountStatus\n      }\n    }\n  }\n": types.MetaAdsFieldsFragmentDoc,
    "\n  query MetaAds {\n    metaAdsConnection {\n      ...MetaAdsFields\n    }\n  }\n": types.MetaAdsDocument,
    "\n  mutation StartMetaAdsConnect {\n    startMetaAdsConnect {\n      authUrl\n      state\n    }\n  }\n": types.StartMetaAdsConnectDocument,
    "\n  mutation SelectMetaAdAccount($input: SelectAdAccountInput!) {\n    selectMetaAdAccount(input: $input) {\n      ...MetaAdsFields\n    }\n  }\n": types.SelectMetaAdAccountDocument,
    "\n  mutation DisconnectMetaAds {\n    disconnectMetaAds {\n      ...MetaAdsFields\n    }\n  }\n": types.DisconnectMetaAdsDocument,
    "\n  mutation TestMetaAdsConnection {\n    testMetaAdsConnection {\n      ok\n      user {\n        id\n        name\n      }\n      tokenExpiresAt\n      adAccountCount\n      error\n      checks {\n        name\n        ok\n        detail\n      }\n    }\n  }\n": types.TestMetaAdsConnectionDocument,
    "\n  query MetaAdsTokenDebug {\n    metaAdsTokenDebug {\n      __typename\n      ... on MetaAdsTokenDebugSuccess {\n        tokenDebug {\n          isValid\n          expiresAt\n          scopes\n          error\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.MetaAdsTokenDebugDocument,
    "\n  mutation CheckMetaAdsConnection {\n    checkMetaAdsConnection {\n      id\n      ...MetaAdsFields\n    }\n  }\n": types.CheckMetaAdsConnectionDocument,
    "\n  fragment HealthChecksFields on ConnectionHealth {\n    checkedAt\n    checks {\n      name\n      status\n      message\n    }\n  }\n": types.HealthChecksFieldsFragmentDoc,
    "\n  subscription ConversationEvents {\n    conversationEvents {\n      kind\n      conversationId\n      messageId\n      status\n    }\n  }\n": types.ConversationEventsDocument,
    "\n  subscription ConnectionChanged {\n    connectionChanged {\n      connectionId\n      provider\n      status\n    }\n  }\n": types.ConnectionChangedDocument,
    "\n  fragment WebhookEndpointFields on WebhookEndpoint {\n    id\n    url\n    events\n    enabled\n    disabledReason\n    consecutiveFailures\n    previousSecretExpiresAt\n    createdAt\n  }\n": types.WebhookEndpointFieldsFragmentDoc,
    "\n  query WebhookEndpoints {\n    webhookEndpoints {\n      ...WebhookEndpointFields\n    }\n    webhookEventTypes\n  }\n": types.WebhookEndpointsDocument,
    "\n  query WebhookDeliveries($endpointId: ID!, $state: WebhookDeliveryState, $eventType: String) {\n    webhookDeliveries(endpointId: $endpointId, state: $state, eventType: $eventType, first: 20) {\n      id\n      eventId\n      eventType\n      state\n      attempts\n      nextAttemptAt\n      lastStatusCode\n      lastError\n      occurredAt\n      attemptLog {\n        attemptedAt\n        statusCode\n        durationMs\n        responseExcerpt\n        error\n      }\n    }\n  }\n": types.WebhookDeliveriesDocument,
    "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n": types.CreateWebhookEndpointDocument,
    "\n  mutation RotateWebhookEndpointSecret($id: ID!) {\n    rotateWebhookEndpointSecret(id: $id) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n": types.RotateWebhookEndpointSecretDocument,
    "\n  mutation EnableWebhookEndpoint($id: ID!) {\n    enableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n": types.EnableWebhookEndpointDocument,
    "\n  mutation DisableWebhookEndpoint($id: ID!) {\n    disableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n": types.DisableWebhookEndpointDocument,
    "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n": types.DeleteWebhookEndpointDocument,
    "\n  mutation SendWebhookTestEvent($id: ID!) {\n    sendWebhookTestEvent(id: $id)\n  }\n": types.SendWebhookTestEventDocument,
    "\n  mutation RetryWebhookDelivery($id: ID!) {\n    retryWebhookDelivery(id: $id)\n  }\n": types.RetryWebhookDeliveryDocument,
    "\n  mutation ReplayWebhookEvents($endpointId: ID!, $since: DateTime!) {\n    replayWebhookEvents(endpointId: $endpointId, since: $since)\n  }\n": types.ReplayWebhookEventsDocument,
    "\n  fragment HealthPanelFields on WhatsAppConnection {\n    health {\n      ...HealthChecksFields\n    }\n  }\n": types.HealthPanelFieldsFragmentDoc,
    "\n  mutation CheckWhatsAppConnection {\n    checkWhatsAppConnection {\n      id\n      ...HealthPanelFields\n    }\n  }\n": types.CheckWhatsAppConnectionDocument,
    "\n  mutation SendWhatsAppTestMessage($to: String!) {\n    sendWhatsAppTestMessage(input: { to: $to }) {\n      __typename\n      ... on SendWhatsAppTestMessageSuccess {\n        connection {\n          id\n          ...HealthPanelFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.SendWhatsAppTestMessageDocument,
    "\n  mutation ConnectWhatsAppManually($input: ManualConnectInput!) {\n    connectWhatsAppManually(input: $input) {\n      __typename\n      ... on ConnectWhatsAppManuallySuccess {\n        connection {\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.ConnectWhatsAppManuallyDocument,
    "\n  fragment ConnectionFields on WhatsAppConnection {\n    id\n    status\n    connected\n    phoneNumberE164\n    displayName\n    wabaId\n    phoneNumberId\n    tokenExpiresAt\n    error\n    pendingReason\n    warning\n    displayNameStatus\n    updatedAt\n    health {\n      messagingHealthy\n    }\n    ...HealthPanelFields\n    choices {\n      id\n      displayPhoneNumber\n      verifiedName\n      heldByAnotherWorkspace\n    }\n  }\n": types.ConnectionFieldsFragmentDoc,
    "\n  fragment WhatsAppCardViewer on Viewer {\n    canOperate\n  }\n": types.WhatsAppCardViewerFragmentDoc,
    "\n  mutation StartWhatsAppConnect {\n    startWhatsAppConnect {\n      authUrl\n      state\n    }\n  }\n": types.StartWhatsAppConnectDocument,
    "\n  mutation DisconnectWhatsApp {\n    disconnectWhatsApp {\n      ...ConnectionFields\n    }\n  }\n": types.DisconnectWhatsAppDocument,
    "\n  mutation ChooseWhatsAppNumber($phoneNumberId: String!) {\n    chooseWhatsAppNumber(phoneNumberId: $phoneNumberId) {\n      __typename\n      ... on ChooseWhatsAppNumberSuccess {\n        connection {\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.ChooseWhatsAppNumberDocument,
    "\n  mutation RegisterWhatsAppNumber($input: RegisterWhatsAppNumberInput!) {\n    registerWhatsAppNumber(input: $input) {\n      __typename\n      ... on RegisterWhatsAppNumberSuccess {\n        connection {\n          pendingReason\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n": types.RegisterWhatsAppNumberDocument,
};

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 *
 *
 * @example
 * ```ts
 * const query = graphql(`query GetUser($id: ID!) { user(id: $id) { name } }`);
 * ```
 *
 * The query argument is unknown!
 * Please regenerate the types.
 */
export function graphql(source: string): unknown;

/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment AccountViewer on Viewer {\n    tenantId\n    role\n  }\n"): (typeof documents)["\n  fragment AccountViewer on Viewer {\n    tenantId\n    role\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Integrations {\n    viewer {\n      canOperate\n      ...AccountViewer\n      ...WhatsAppCardViewer\n      ...MetaAdsCardViewer\n    }\n    whatsappConnection {\n      ...ConnectionFields\n      ...InboxConnection\n    }\n  }\n"): (typeof documents)["\n  query Integrations {\n    viewer {\n      canOperate\n      ...AccountViewer\n      ...WhatsAppCardViewer\n      ...MetaAdsCardViewer\n    }\n    whatsappConnection {\n      ...ConnectionFields\n      ...InboxConnection\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment InboxConnection on WhatsAppConnection {\n    status\n    phoneNumberId\n  }\n"): (typeof documents)["\n  fragment InboxConnection on WhatsAppConnection {\n    status\n    phoneNumberId\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MessageItemFields on Message {\n    ...MessageContentFields\n    providerMessageId\n    direction\n    type\n    text\n    status\n    error\n    timestamp\n  }\n"): (typeof documents)["\n  fragment MessageItemFields on Message {\n    ...MessageContentFields\n    providerMessageId\n    direction\n    type\n    text\n    status\n    error\n    timestamp\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query ConversationMessages($id: ID!, $messagesAfter: String) {\n    conversation(id: $id) {\n      id\n      messages(first: 12, after: $messagesAfter) {\n        edges {\n          node {\n            id\n            timestamp\n            ...MessageItemFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  query ConversationMessages($id: ID!, $messagesAfter: String) {\n    conversation(id: $id) {\n      id\n      messages(first: 12, after: $messagesAfter) {\n        edges {\n          node {\n            id\n            timestamp\n            ...MessageItemFields\n          }\n        }\n        pageInfo {\n          hasNextPage\n          endCursor\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendWhatsAppText($input: SendTextInput!) {\n    sendWhatsAppText(input: $input) {\n      __typename\n      ... on SendWhatsAppTextSuccess {\n        sent: message {\n          id\n          timestamp\n          ...MessageItemFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SendWhatsAppText($input: SendTextInput!) {\n    sendWhatsAppText(input: $input) {\n      __typename\n      ... on SendWhatsAppTextSuccess {\n        sent: message {\n          id\n          timestamp\n          ...MessageItemFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MessageContentFields on Message {\n    id\n    providerMessageId\n    type\n    text\n    media {\n      kind\n      state\n      url\n      caption\n      filename\n    }\n    reaction {\n      targetProviderMessageId\n      emoji\n    }\n    referral {\n      sourceType\n      headline\n      sourceUrl\n    }\n  }\n"): (typeof documents)["\n  fragment MessageContentFields on Message {\n    id\n    providerMessageId\n    type\n    text\n    media {\n      kind\n      state\n      url\n      caption\n      filename\n    }\n    reaction {\n      targetProviderMessageId\n      emoji\n    }\n    referral {\n      sourceType\n      headline\n      sourceUrl\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendWhatsAppMedia($input: SendMediaInput!) {\n    sendWhatsAppMedia(input: $input) {\n      __typename\n      ... on SendWhatsAppMediaSuccess {\n        sent: message {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SendWhatsAppMedia($input: SendMediaInput!) {\n    sendWhatsAppMedia(input: $input) {\n      __typename\n      ... on SendWhatsAppMediaSuccess {\n        sent: message {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WhatsAppTemplates {\n    whatsappTemplates {\n      id\n      name\n      language\n      category\n      status\n      rejectedReason\n      quality\n      parameterFormat\n      headerKind\n      headerText\n      bodyText\n      footerText\n      headerPlaceholders\n      bodyPlaceholders\n    }\n  }\n"): (typeof documents)["\n  query WhatsAppTemplates {\n    whatsappTemplates {\n      id\n      name\n      language\n      category\n      status\n      rejectedReason\n      quality\n      parameterFormat\n      headerKind\n      headerText\n      bodyText\n      footerText\n      headerPlaceholders\n      bodyPlaceholders\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendWhatsAppTemplate($input: SendTemplateInput!) {\n    sendWhatsAppTemplate(input: $input) {\n      __typename\n      ... on SendWhatsAppTemplateSuccess {\n        sent: message {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SendWhatsAppTemplate($input: SendTemplateInput!) {\n    sendWhatsAppTemplate(input: $input) {\n      __typename\n      ... on SendWhatsAppTemplateSuccess {\n        sent: message {\n          id\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SyncWhatsAppTemplates {\n    syncWhatsAppTemplates {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SyncWhatsAppTemplates {\n    syncWhatsAppTemplates {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWhatsAppTemplate($input: CreateWhatsAppTemplateInput!) {\n    createWhatsAppTemplate(input: $input) {\n      __typename\n      ... on CreateWhatsAppTemplateSuccess {\n        template {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWhatsAppTemplate($input: CreateWhatsAppTemplateInput!) {\n    createWhatsAppTemplate(input: $input) {\n      __typename\n      ... on CreateWhatsAppTemplateSuccess {\n        template {\n          id\n          status\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWhatsAppTemplate($name: String!) {\n    deleteWhatsAppTemplate(name: $name) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation DeleteWhatsAppTemplate($name: String!) {\n    deleteWhatsAppTemplate(name: $name) {\n      __typename\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query Conversations($after: String, $search: String) {\n    conversations(first: 20, after: $after, search: $search) {\n      edges {\n        cursor\n        node {\n          id\n          waId\n          contactName\n          lastMessageAt\n          windowClosesAt\n          phoneNumberId\n          displayPhoneNumber\n          unreadCount\n          lastMessage {\n            direction\n            preview\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      numberCount\n    }\n  }\n"): (typeof documents)["\n  query Conversations($after: String, $search: String) {\n    conversations(first: 20, after: $after, search: $search) {\n      edges {\n        cursor\n        node {\n          id\n          waId\n          contactName\n          lastMessageAt\n          windowClosesAt\n          phoneNumberId\n          displayPhoneNumber\n          unreadCount\n          lastMessage {\n            direction\n            preview\n          }\n        }\n      }\n      pageInfo {\n        hasNextPage\n        endCursor\n      }\n      numberCount\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation MarkConversationRead($id: ID!) {\n    markConversationRead(id: $id) {\n      __typename\n      ... on MarkConversationReadSuccess {\n        conversation {\n          id\n          unreadCount\n        }\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation MarkConversationRead($id: ID!) {\n    markConversationRead(id: $id) {\n      __typename\n      ... on MarkConversationReadSuccess {\n        conversation {\n          id\n          unreadCount\n        }\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MetaAdsCardViewer on Viewer {\n    role\n    canOperate\n  }\n"): (typeof documents)["\n  fragment MetaAdsCardViewer on Viewer {\n    role\n    canOperate\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment MetaAdsFields on MetaAdsConnection {\n    id\n    status\n    connected\n    tokenExpiresAt\n    tokenExpiringSoon\n    tokenState\n    dataAccessExpiresAt\n    error\n    pendingReason\n    updatedAt\n    health {\n      messagingHealthy\n      ...HealthChecksFields\n    }\n    selectedBusinessManagerId\n    selectedAdAccountId\n    user {\n      id\n      name\n    }\n    unreadableBusinessManagers {\n      id\n      name\n      kind\n      reason\n    }\n    businessManagers {\n      id\n      name\n      personal\n      adAccounts {\n        id\n        name\n        currency\n        accountStatus\n      }\n    }\n  }\n"): (typeof documents)["\n  fragment MetaAdsFields on MetaAdsConnection {\n    id\n    status\n    connected\n    tokenExpiresAt\n    tokenExpiringSoon\n    tokenState\n    dataAccessExpiresAt\n    error\n    pendingReason\n    updatedAt\n    health {\n      messagingHealthy\n      ...HealthChecksFields\n    }\n    selectedBusinessManagerId\n    selectedAdAccountId\n    user {\n      id\n      name\n    }\n    unreadableBusinessManagers {\n      id\n      name\n      kind\n      reason\n    }\n    businessManagers {\n      id\n      name\n      personal\n      adAccounts {\n        id\n        name\n        currency\n        accountStatus\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MetaAds {\n    metaAdsConnection {\n      ...MetaAdsFields\n    }\n  }\n"): (typeof documents)["\n  query MetaAds {\n    metaAdsConnection {\n      ...MetaAdsFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartMetaAdsConnect {\n    startMetaAdsConnect {\n      authUrl\n      state\n    }\n  }\n"): (typeof documents)["\n  mutation StartMetaAdsConnect {\n    startMetaAdsConnect {\n      authUrl\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SelectMetaAdAccount($input: SelectAdAccountInput!) {\n    selectMetaAdAccount(input: $input) {\n      ...MetaAdsFields\n    }\n  }\n"): (typeof documents)["\n  mutation SelectMetaAdAccount($input: SelectAdAccountInput!) {\n    selectMetaAdAccount(input: $input) {\n      ...MetaAdsFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisconnectMetaAds {\n    disconnectMetaAds {\n      ...MetaAdsFields\n    }\n  }\n"): (typeof documents)["\n  mutation DisconnectMetaAds {\n    disconnectMetaAds {\n      ...MetaAdsFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation TestMetaAdsConnection {\n    testMetaAdsConnection {\n      ok\n      user {\n        id\n        name\n      }\n      tokenExpiresAt\n      adAccountCount\n      error\n      checks {\n        name\n        ok\n        detail\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation TestMetaAdsConnection {\n    testMetaAdsConnection {\n      ok\n      user {\n        id\n        name\n      }\n      tokenExpiresAt\n      adAccountCount\n      error\n      checks {\n        name\n        ok\n        detail\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query MetaAdsTokenDebug {\n    metaAdsTokenDebug {\n      __typename\n      ... on MetaAdsTokenDebugSuccess {\n        tokenDebug {\n          isValid\n          expiresAt\n          scopes\n          error\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  query MetaAdsTokenDebug {\n    metaAdsTokenDebug {\n      __typename\n      ... on MetaAdsTokenDebugSuccess {\n        tokenDebug {\n          isValid\n          expiresAt\n          scopes\n          error\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CheckMetaAdsConnection {\n    checkMetaAdsConnection {\n      id\n      ...MetaAdsFields\n    }\n  }\n"): (typeof documents)["\n  mutation CheckMetaAdsConnection {\n    checkMetaAdsConnection {\n      id\n      ...MetaAdsFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment HealthChecksFields on ConnectionHealth {\n    checkedAt\n    checks {\n      name\n      status\n      message\n    }\n  }\n"): (typeof documents)["\n  fragment HealthChecksFields on ConnectionHealth {\n    checkedAt\n    checks {\n      name\n      status\n      message\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConversationEvents {\n    conversationEvents {\n      kind\n      conversationId\n      messageId\n      status\n    }\n  }\n"): (typeof documents)["\n  subscription ConversationEvents {\n    conversationEvents {\n      kind\n      conversationId\n      messageId\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  subscription ConnectionChanged {\n    connectionChanged {\n      connectionId\n      provider\n      status\n    }\n  }\n"): (typeof documents)["\n  subscription ConnectionChanged {\n    connectionChanged {\n      connectionId\n      provider\n      status\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WebhookEndpointFields on WebhookEndpoint {\n    id\n    url\n    events\n    enabled\n    disabledReason\n    consecutiveFailures\n    previousSecretExpiresAt\n    createdAt\n  }\n"): (typeof documents)["\n  fragment WebhookEndpointFields on WebhookEndpoint {\n    id\n    url\n    events\n    enabled\n    disabledReason\n    consecutiveFailures\n    previousSecretExpiresAt\n    createdAt\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookEndpoints {\n    webhookEndpoints {\n      ...WebhookEndpointFields\n    }\n    webhookEventTypes\n  }\n"): (typeof documents)["\n  query WebhookEndpoints {\n    webhookEndpoints {\n      ...WebhookEndpointFields\n    }\n    webhookEventTypes\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  query WebhookDeliveries($endpointId: ID!, $state: WebhookDeliveryState, $eventType: String) {\n    webhookDeliveries(endpointId: $endpointId, state: $state, eventType: $eventType, first: 20) {\n      id\n      eventId\n      eventType\n      state\n      attempts\n      nextAttemptAt\n      lastStatusCode\n      lastError\n      occurredAt\n      attemptLog {\n        attemptedAt\n        statusCode\n        durationMs\n        responseExcerpt\n        error\n      }\n    }\n  }\n"): (typeof documents)["\n  query WebhookDeliveries($endpointId: ID!, $state: WebhookDeliveryState, $eventType: String) {\n    webhookDeliveries(endpointId: $endpointId, state: $state, eventType: $eventType, first: 20) {\n      id\n      eventId\n      eventType\n      state\n      attempts\n      nextAttemptAt\n      lastStatusCode\n      lastError\n      occurredAt\n      attemptLog {\n        attemptedAt\n        statusCode\n        durationMs\n        responseExcerpt\n        error\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation CreateWebhookEndpoint($input: CreateWebhookEndpointInput!) {\n    createWebhookEndpoint(input: $input) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RotateWebhookEndpointSecret($id: ID!) {\n    rotateWebhookEndpointSecret(id: $id) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RotateWebhookEndpointSecret($id: ID!) {\n    rotateWebhookEndpointSecret(id: $id) {\n      secret\n      endpoint {\n        ...WebhookEndpointFields\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation EnableWebhookEndpoint($id: ID!) {\n    enableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n"): (typeof documents)["\n  mutation EnableWebhookEndpoint($id: ID!) {\n    enableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisableWebhookEndpoint($id: ID!) {\n    disableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n"): (typeof documents)["\n  mutation DisableWebhookEndpoint($id: ID!) {\n    disableWebhookEndpoint(id: $id) {\n      ...WebhookEndpointFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n"): (typeof documents)["\n  mutation DeleteWebhookEndpoint($id: ID!) {\n    deleteWebhookEndpoint(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendWebhookTestEvent($id: ID!) {\n    sendWebhookTestEvent(id: $id)\n  }\n"): (typeof documents)["\n  mutation SendWebhookTestEvent($id: ID!) {\n    sendWebhookTestEvent(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RetryWebhookDelivery($id: ID!) {\n    retryWebhookDelivery(id: $id)\n  }\n"): (typeof documents)["\n  mutation RetryWebhookDelivery($id: ID!) {\n    retryWebhookDelivery(id: $id)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ReplayWebhookEvents($endpointId: ID!, $since: DateTime!) {\n    replayWebhookEvents(endpointId: $endpointId, since: $since)\n  }\n"): (typeof documents)["\n  mutation ReplayWebhookEvents($endpointId: ID!, $since: DateTime!) {\n    replayWebhookEvents(endpointId: $endpointId, since: $since)\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment HealthPanelFields on WhatsAppConnection {\n    health {\n      ...HealthChecksFields\n    }\n  }\n"): (typeof documents)["\n  fragment HealthPanelFields on WhatsAppConnection {\n    health {\n      ...HealthChecksFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation CheckWhatsAppConnection {\n    checkWhatsAppConnection {\n      id\n      ...HealthPanelFields\n    }\n  }\n"): (typeof documents)["\n  mutation CheckWhatsAppConnection {\n    checkWhatsAppConnection {\n      id\n      ...HealthPanelFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation SendWhatsAppTestMessage($to: String!) {\n    sendWhatsAppTestMessage(input: { to: $to }) {\n      __typename\n      ... on SendWhatsAppTestMessageSuccess {\n        connection {\n          id\n          ...HealthPanelFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation SendWhatsAppTestMessage($to: String!) {\n    sendWhatsAppTestMessage(input: { to: $to }) {\n      __typename\n      ... on SendWhatsAppTestMessageSuccess {\n        connection {\n          id\n          ...HealthPanelFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ConnectWhatsAppManually($input: ManualConnectInput!) {\n    connectWhatsAppManually(input: $input) {\n      __typename\n      ... on ConnectWhatsAppManuallySuccess {\n        connection {\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ConnectWhatsAppManually($input: ManualConnectInput!) {\n    connectWhatsAppManually(input: $input) {\n      __typename\n      ... on ConnectWhatsAppManuallySuccess {\n        connection {\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment ConnectionFields on WhatsAppConnection {\n    id\n    status\n    connected\n    phoneNumberE164\n    displayName\n    wabaId\n    phoneNumberId\n    tokenExpiresAt\n    error\n    pendingReason\n    warning\n    displayNameStatus\n    updatedAt\n    health {\n      messagingHealthy\n    }\n    ...HealthPanelFields\n    choices {\n      id\n      displayPhoneNumber\n      verifiedName\n      heldByAnotherWorkspace\n    }\n  }\n"): (typeof documents)["\n  fragment ConnectionFields on WhatsAppConnection {\n    id\n    status\n    connected\n    phoneNumberE164\n    displayName\n    wabaId\n    phoneNumberId\n    tokenExpiresAt\n    error\n    pendingReason\n    warning\n    displayNameStatus\n    updatedAt\n    health {\n      messagingHealthy\n    }\n    ...HealthPanelFields\n    choices {\n      id\n      displayPhoneNumber\n      verifiedName\n      heldByAnotherWorkspace\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  fragment WhatsAppCardViewer on Viewer {\n    canOperate\n  }\n"): (typeof documents)["\n  fragment WhatsAppCardViewer on Viewer {\n    canOperate\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation StartWhatsAppConnect {\n    startWhatsAppConnect {\n      authUrl\n      state\n    }\n  }\n"): (typeof documents)["\n  mutation StartWhatsAppConnect {\n    startWhatsAppConnect {\n      authUrl\n      state\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation DisconnectWhatsApp {\n    disconnectWhatsApp {\n      ...ConnectionFields\n    }\n  }\n"): (typeof documents)["\n  mutation DisconnectWhatsApp {\n    disconnectWhatsApp {\n      ...ConnectionFields\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation ChooseWhatsAppNumber($phoneNumberId: String!) {\n    chooseWhatsAppNumber(phoneNumberId: $phoneNumberId) {\n      __typename\n      ... on ChooseWhatsAppNumberSuccess {\n        connection {\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation ChooseWhatsAppNumber($phoneNumberId: String!) {\n    chooseWhatsAppNumber(phoneNumberId: $phoneNumberId) {\n      __typename\n      ... on ChooseWhatsAppNumberSuccess {\n        connection {\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];
/**
 * The graphql function is used to parse GraphQL queries into a document that can be used by GraphQL clients.
 */
export function graphql(source: "\n  mutation RegisterWhatsAppNumber($input: RegisterWhatsAppNumberInput!) {\n    registerWhatsAppNumber(input: $input) {\n      __typename\n      ... on RegisterWhatsAppNumberSuccess {\n        connection {\n          pendingReason\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"): (typeof documents)["\n  mutation RegisterWhatsAppNumber($input: RegisterWhatsAppNumberInput!) {\n    registerWhatsAppNumber(input: $input) {\n      __typename\n      ... on RegisterWhatsAppNumberSuccess {\n        connection {\n          pendingReason\n          ...ConnectionFields\n        }\n      }\n      ... on Error {\n        message\n      }\n    }\n  }\n"];

export function graphql(source: string) {
  return (documents as any)[source] ?? {};
}

export type DocumentType<TDocumentNode extends DocumentNode<any, any>> = TDocumentNode extends DocumentNode<  infer TType,  any>  ? TType  : never;