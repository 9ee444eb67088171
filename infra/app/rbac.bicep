@description('Name of the storage account the roles are granted on.')
param storageAccountName string

@description('Name of the Key Vault that holds the OpenRouter key.')
param keyVaultName string

@description('Name of the Key Vault secret the app reads.')
param openRouterSecretName string

@description('Whether the webhook signing secret exists (a webhook is configured).')
param provisionNoticeWebhookSecret bool

@description('Name of the Key Vault secret that signs webhook notices.')
param noticeWebhookSecretName string

@description('Name of the Application Insights component the app sends telemetry to.')
param applicationInsightsName string

@description('Name of the app\'s user-assigned managed identity, which receives the app roles.')
param appIdentityName string

@description('Object id of the deploying user or service principal; empty grants nothing.')
param developerPrincipalId string

@description('Kind of principal developerPrincipalId is.')
@allowed([
  'User'
  'ServicePrincipal'
  'Group'
])
param developerPrincipalType string

@description('Grant developerPrincipalId the same storage data roles as the app, to run the worker locally against this account.')
param grantDeveloperDataAccess bool

// Built-in role definition ids: https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
var roles = {
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
  storageQueueDataContributor: '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6'
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb'
}

// Storage Queue Data Message Processor (8a0f0c08-...) is deliberately NOT assigned: it only peeks, reads and deletes
// messages, and Queue Data Contributor below is a superset of it. The app also sends messages (re-enqueue with a
// delay, results queue) and the host creates `<queue>-poison` on demand, which need Contributor anyway.

var grantDeveloper = grantDeveloperDataAccess && !empty(developerPrincipalId)

resource appIdentity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' existing = {
  name: appIdentityName
}

var appPrincipalId = appIdentity.properties.principalId

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' existing = {
  name: storageAccountName
}

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' existing = {
  name: keyVaultName

  resource openRouterSecret 'secrets' existing = {
    name: openRouterSecretName
  }

  resource noticeWebhookSecret 'secrets' existing = {
    name: noticeWebhookSecretName
  }
}

resource applicationInsights 'Microsoft.Insights/components@2020-02-02' existing = {
  name: applicationInsightsName
}

// Storage Blob Data Owner: the role the Functions docs require for an identity-based AzureWebJobsStorage. The host
// keeps its keys, timer schedule status and singleton locks (blob leases) in azure-webjobs-secrets and
// azure-webjobs-hosts, and Flex Consumption reads the deployment package from the deployment container with it.
resource appBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appIdentity.id, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'Functions host state (keys, leases, timer status) and the Flex deployment package.'
  }
}

// Storage Queue Data Contributor: the queue trigger reads and deletes job messages, the worker re-enqueues a job with
// a visibility delay when the shared budget has no slot, the host moves failed messages to `<queue>-poison`
// (creating it if missing) and the worker posts completion notices to the results queue.
resource appQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appIdentity.id, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'Job queue trigger, delayed re-enqueue, poison queue, results queue.'
  }
}

// Storage Table Data Contributor: job records and their trace chunks, the shared rate budget (ETag-conditional
// updates) and batch rows are all Table entities the worker inserts, updates and queries.
resource appTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(storage.id, appIdentity.id, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'Job records, reasoning traces, shared budget, batches.'
  }
}

// Key Vault Secrets User on the one secret the app needs: the platform resolves the OpenRouter__ApiKey Key Vault
// reference with this identity (keyVaultReferenceIdentity). Scoped to the secret, not the vault.
resource appSecretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault::openRouterSecret.id, appIdentity.id, roles.keyVaultSecretsUser)
  scope: vault::openRouterSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'Resolve the OpenRouter API key Key Vault reference.'
  }
}

// Key Vault Secrets User on the webhook signing secret, when there is a webhook: the platform resolves the
// PromptQueue__Notices__WebhookSecret reference with the app's identity.
resource appWebhookSecretUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (provisionNoticeWebhookSecret) {
  name: guid(vault::noticeWebhookSecret.id, appIdentity.id, roles.keyVaultSecretsUser)
  scope: vault::noticeWebhookSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'Resolve the webhook signing secret Key Vault reference.'
  }
}

// Key Vault Secrets User on the webhook signing secret for whoever runs azd: main.parameters.json reads the secret back
// at every provision (secretOrRandomPassword), so that a provision keeps it instead of replacing it.
resource developerWebhookSecretUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (provisionNoticeWebhookSecret && !empty(developerPrincipalId)) {
  name: guid(vault::noticeWebhookSecret.id, developerPrincipalId, roles.keyVaultSecretsUser)
  scope: vault::noticeWebhookSecret
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.keyVaultSecretsUser)
    principalId: developerPrincipalId
    principalType: developerPrincipalType
    description: 'Let azd read the webhook signing secret back, so a provision keeps it.'
  }
}

// Monitoring Metrics Publisher: Application Insights has local (key) auth disabled, so telemetry is only accepted
// with an Entra token of an identity holding this role (APPLICATIONINSIGHTS_AUTHENTICATION_STRING).
resource appMetricsPublisher 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(applicationInsights.id, appIdentity.id, roles.monitoringMetricsPublisher)
  scope: applicationInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.monitoringMetricsPublisher)
    principalId: appPrincipalId
    principalType: 'ServicePrincipal'
    description: 'Send telemetry to Application Insights with Entra ID auth.'
  }
}

// Developer access (optional): the same three storage data roles, so `promptq` or `func start` on a workstation can
// use this account with DefaultAzureCredential. No Key Vault role: developers keep their own key in user secrets.

// Storage Blob Data Owner for the developer: a locally started Functions host uses the same host blobs and leases.
resource developerBlobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDeveloper) {
  name: guid(storage.id, developerPrincipalId, roles.storageBlobDataOwner)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageBlobDataOwner)
    principalId: developerPrincipalId
    principalType: developerPrincipalType
    description: 'Developer: run the Functions host locally against this account.'
  }
}

// Storage Queue Data Contributor for the developer: submit, inspect and replay job and poison messages.
resource developerQueueContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDeveloper) {
  name: guid(storage.id, developerPrincipalId, roles.storageQueueDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageQueueDataContributor)
    principalId: developerPrincipalId
    principalType: developerPrincipalType
    description: 'Developer: submit and inspect job messages.'
  }
}

// Storage Table Data Contributor for the developer: read results and traces, share the same budget when running a
// worker locally.
resource developerTableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (grantDeveloper) {
  name: guid(storage.id, developerPrincipalId, roles.storageTableDataContributor)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', roles.storageTableDataContributor)
    principalId: developerPrincipalId
    principalType: developerPrincipalType
    description: 'Developer: read results and share the budget.'
  }
}
