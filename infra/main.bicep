// PromptQueue on Azure Functions Flex Consumption, provisioned by `azd up`.
// Everything signs in with one user-assigned managed identity: no storage keys, no instrumentation-key auth, and the
// OpenRouter key lives only in Key Vault.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('azd environment name; names the resource group (rg-<name>) and seeds the unique resource token.')
param environmentName string

@minLength(1)
@description('Azure region for every resource; it must offer the Flex Consumption plan.')
@metadata({
  azd: {
    type: 'location'
  }
})
param location string

@description('Object id of the deploying user (azd sets AZURE_PRINCIPAL_ID); only used when grantPrincipalDataAccess is true.')
param principalId string = ''

@description('Kind of principal principalId is: User for `azd up` from a workstation, ServicePrincipal from CI.')
@allowed([
  'User'
  'ServicePrincipal'
])
param principalType string = 'User'

@description('Give principalId the app\'s storage data roles so the worker can run locally against the cloud account.')
param grantPrincipalDataAccess bool = false

@secure()
@minLength(1)
@description('OpenRouter API key, stored only as the Key Vault secret OpenRouterApiKey. Required: the Functions app refuses to start without a key.')
param openRouterApiKey string

@minValue(1)
@maxValue(1000)
@description('Flex Consumption cap on on-demand instances per function scale group. The shared budget paces OpenRouter calls across all instances, so more instances only hold more waiting messages; 2-4 is plenty.')
param maximumInstanceCount int = 2

@allowed([
  512
  2048
  4096
])
@description('Memory per instance in MB. The worker is I/O bound; 512 is the cheapest, 2048 the platform default.')
param instanceMemoryMB int = 2048

@minLength(3)
@maxLength(56)
@description('Queue of prompt jobs (PromptQueue__JobQueue). The host names its poison queue <name>-poison, so at most 56 characters.')
param jobQueueName string = 'prompt-jobs'

@minLength(3)
@maxLength(63)
@description('Queue that receives completion notices (PromptQueue__Notices__ResultsQueue).')
param resultsQueueName string = 'prompt-results'

@description('Whether finished jobs put a notice on the results queue (PromptQueue__Notices__ResultsQueueEnabled). Off by default, so no queue fills up unread.')
param resultsQueueEnabled bool = false

@minLength(3)
@maxLength(56)
@description('Durable queue of webhook notices still to deliver (PromptQueue__Notices__NoticeQueue); its poison queue is <name>-poison.')
param noticeQueueName string = 'prompt-notices'

@description('https URL that receives signed completion notices (PromptQueue__Notices__WebhookUrl); empty turns webhooks off. With a URL, the signing secret is stored as the Key Vault secret NoticeWebhookSecret and set as a Key Vault reference (PromptQueue__Notices__WebhookSecret), never a plain value.')
param noticeWebhookUrl string = ''

@secure()
@description('Secret that signs webhook notices; stored in Key Vault only when noticeWebhookUrl is set. main.parameters.json has azd read it back from the vault (or generate one the first time), so a provision never replaces it; to use your own, set the vault secret NoticeWebhookSecret.')
param noticeWebhookSecret string

@minLength(3)
@maxLength(63)
@description('Table of job records and reasoning-trace chunks (PromptQueue__JobTable).')
param jobTableName string = 'PromptJobs'

@minLength(3)
@maxLength(63)
@description('Table holding the shared rate budget (Budget__Table).')
param budgetTableName string = 'PromptBudget'

@minLength(3)
@maxLength(63)
@description('Table of bulk batch headers and items (PromptQueue__BatchTable).')
param batchTableName string = 'PromptBatches'

@minValue(1)
@description('Failed model calls per job before it is marked Failed (PromptQueue__MaxAttempts); rate-limit waits do not count.')
param maxAttempts int = 6

@description('OpenRouter model used when a job names none (OpenRouter__DefaultModel).')
param openRouterDefaultModel string = 'openai/gpt-oss-120b:free'

@description('OpenRouter API base URL, with trailing slash (OpenRouter__BaseUrl).')
param openRouterBaseUrl string = 'https://openrouter.ai/api/v1/'

@description('HTTP-Referer sent to OpenRouter for app attribution (OpenRouter__Referer); empty sends none.')
param openRouterReferer string = ''

@description('X-Title sent to OpenRouter for app attribution (OpenRouter__Title).')
param openRouterTitle string = 'PromptQueue'

@minValue(1)
@maxValue(10000)
@description('Requests per minute the shared budget allows across all instances (Budget__RequestsPerMinute); OpenRouter free models allow 20.')
param requestsPerMinute int = 20

@minValue(1)
@description('Requests per UTC day the shared budget allows (Budget__RequestsPerDay); 50 on a free account, 1000 once 10 credits are bought.')
param requestsPerDay int = 50

@description('Six-field NCRONTAB schedule of the batch dispatcher timer (PromptQueue__Batches__DispatchSchedule).')
param bulkSchedule string = '0 */1 * * * *'

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = {
  'azd-env-name': environmentName
}
var serviceName = 'api'
var functionAppName = '${abbrs.webSitesFunctions}${serviceName}-${resourceToken}'
var deploymentContainerName = 'app-package-${resourceToken}'
var openRouterSecretName = 'OpenRouterApiKey'
var noticeWebhookSecretName = 'NoticeWebhookSecret'
// Names are computed here, not read from module outputs, so that What-If can predict every resource id.
var identityName = '${abbrs.managedIdentityUserAssignedIdentities}${serviceName}-${resourceToken}'
var storageAccountName = '${abbrs.storageStorageAccounts}${resourceToken}'
var keyVaultName = '${abbrs.keyVaultVaults}${resourceToken}'
var applicationInsightsName = '${abbrs.insightsComponents}${resourceToken}'

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'app/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: identityName
    location: location
    tags: tags
  }
}

module storage 'app/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: storageAccountName
    location: location
    tags: tags
    deploymentContainerName: deploymentContainerName
    // The host would create the poison queue on first use; creating it here makes it visible (and monitorable)
    // from day one.
    queueNames: [
      jobQueueName
      '${jobQueueName}-poison'
      resultsQueueName
      noticeQueueName
      '${noticeQueueName}-poison'
    ]
    tableNames: [
      jobTableName
      budgetTableName
      batchTableName
    ]
  }
}

module monitoring 'app/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    applicationInsightsName: applicationInsightsName
    location: location
    tags: tags
  }
}

module keyVault 'app/keyvault.bicep' = {
  name: 'keyvault'
  scope: rg
  params: {
    name: keyVaultName
    location: location
    tags: tags
    openRouterSecretName: openRouterSecretName
    openRouterApiKey: openRouterApiKey
    provisionNoticeWebhookSecret: !empty(noticeWebhookUrl)
    noticeWebhookSecretName: noticeWebhookSecretName
    noticeWebhookSecret: noticeWebhookSecret
  }
}

module rbac 'app/rbac.bicep' = {
  name: 'rbac'
  scope: rg
  params: {
    storageAccountName: storageAccountName
    keyVaultName: keyVaultName
    openRouterSecretName: openRouterSecretName
    provisionNoticeWebhookSecret: !empty(noticeWebhookUrl)
    noticeWebhookSecretName: noticeWebhookSecretName
    applicationInsightsName: applicationInsightsName
    appIdentityName: identityName
    developerPrincipalId: principalId
    developerPrincipalType: principalType
    grantDeveloperDataAccess: grantPrincipalDataAccess
  }
  dependsOn: [
    identity
    storage
    keyVault
    monitoring
  ]
}

module api 'app/api.bicep' = {
  name: 'api'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    serviceName: serviceName
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    blobEndpoint: storage.outputs.blobEndpoint
    queueEndpoint: storage.outputs.queueEndpoint
    tableEndpoint: storage.outputs.tableEndpoint
    deploymentContainerName: deploymentContainerName
    applicationInsightsConnectionString: monitoring.outputs.applicationInsightsConnectionString
    openRouterSecretUri: keyVault.outputs.openRouterSecretUri
    noticeWebhookSecretUri: keyVault.outputs.noticeWebhookSecretUri
    maximumInstanceCount: maximumInstanceCount
    instanceMemoryMB: instanceMemoryMB
    worker: {
      jobQueue: jobQueueName
      resultsQueue: resultsQueueName
      resultsQueueEnabled: resultsQueueEnabled
      noticeQueue: noticeQueueName
      webhookUrl: noticeWebhookUrl
      jobTable: jobTableName
      budgetTable: budgetTableName
      batchTable: batchTableName
      maxAttempts: maxAttempts
      defaultModel: openRouterDefaultModel
      baseUrl: openRouterBaseUrl
      referer: openRouterReferer
      title: openRouterTitle
      requestsPerMinute: requestsPerMinute
      requestsPerDay: requestsPerDay
      bulkSchedule: bulkSchedule
    }
  }
  // Roles first, so the host's first start can already reach storage, Key Vault and Application Insights (role
  // propagation can still lag a few minutes; the host retries).
  dependsOn: [
    rbac
  ]
}

output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = api.outputs.name
output AZURE_FUNCTION_APP_URI string = api.outputs.uri
output SERVICE_API_NAME string = api.outputs.name
output AZURE_USER_ASSIGNED_IDENTITY_CLIENT_ID string = identity.outputs.clientId
output AZURE_STORAGE_ACCOUNT_NAME string = storage.outputs.name
output AZURE_STORAGE_BLOB_ENDPOINT string = storage.outputs.blobEndpoint
output AZURE_STORAGE_QUEUE_ENDPOINT string = storage.outputs.queueEndpoint
output AZURE_STORAGE_TABLE_ENDPOINT string = storage.outputs.tableEndpoint
output AZURE_KEY_VAULT_NAME string = keyVault.outputs.name
output AZURE_KEY_VAULT_ENDPOINT string = keyVault.outputs.uri
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.applicationInsightsConnectionString
