@description('Name of the function app (globally unique host name).')
param name string

@description('Name of the Flex Consumption plan.')
param planName string

@description('Azure region of the plan and the app; must offer Flex Consumption.')
param location string

@description('Tags applied to the plan and the app.')
param tags object

@description('azd service name; the app is tagged with it so `azd deploy` finds it (must match azure.yaml).')
param serviceName string

@description('Resource id of the user-assigned identity the app runs as.')
param identityId string

@description('Client id of that identity, used by the storage and Application Insights clients to pick it.')
param identityClientId string

@description('Blob endpoint of the storage account (https://<account>.blob.core.windows.net/).')
param blobEndpoint string

@description('Queue endpoint of the storage account.')
param queueEndpoint string

@description('Table endpoint of the storage account.')
param tableEndpoint string

@description('Blob container holding the deployment package.')
param deploymentContainerName string

@description('Application Insights connection string (not a secret: ingestion requires an Entra token).')
param applicationInsightsConnectionString string

@description('Versionless URI of the Key Vault secret holding the OpenRouter API key.')
param openRouterSecretUri string

@description('Versionless URI of the Key Vault secret that signs webhook notices; empty when no webhook is configured.')
param noticeWebhookSecretUri string

@description('Upper bound of on-demand instances per function scale group.')
@minValue(1)
@maxValue(1000)
param maximumInstanceCount int

@description('Memory of each instance in MB.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int

@description('What the worker reads from configuration; each field becomes one app setting.')
type workerSettingsType = {
  @description('PromptQueue__JobQueue: queue of prompt jobs.')
  jobQueue: string
  @description('PromptQueue__Notices__ResultsQueue: queue of completion notices.')
  resultsQueue: string
  @description('PromptQueue__Notices__ResultsQueueEnabled: whether finished jobs notify the results queue.')
  resultsQueueEnabled: bool
  @description('PromptQueue__Notices__NoticeQueue: durable queue of webhook notices to deliver.')
  noticeQueue: string
  @description('PromptQueue__Notices__WebhookUrl: https URL for signed notices; empty turns webhooks off.')
  webhookUrl: string
  @description('PromptQueue__JobTable: job records and trace chunks.')
  jobTable: string
  @description('Budget__Table: shared rate budget.')
  budgetTable: string
  @description('PromptQueue__BatchTable: bulk batches.')
  batchTable: string
  @description('PromptQueue__MaxAttempts: failed model calls before a job is Failed.')
  maxAttempts: int
  @description('OpenRouter__DefaultModel: model used when a job names none.')
  defaultModel: string
  @description('OpenRouter__BaseUrl: API base URL with trailing slash.')
  baseUrl: string
  @description('OpenRouter__Referer: HTTP-Referer attribution header.')
  referer: string
  @description('OpenRouter__Title: X-Title attribution header.')
  title: string
  @description('Budget__RequestsPerMinute: shared requests per minute.')
  requestsPerMinute: int
  @description('Budget__RequestsPerDay: shared requests per UTC day.')
  requestsPerDay: int
  @description('PromptQueue__Batches__DispatchSchedule: NCRONTAB schedule of the batch dispatcher timer.')
  bulkSchedule: string
}

@description('Worker configuration, written as app settings next to the platform ones.')
param worker workerSettingsType

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: {
    name: 'FC1'
    tier: 'FlexConsumption'
  }
  properties: {
    reserved: true
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  tags: union(tags, { 'azd-service-name': serviceName })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identityId}': {}
    }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references (OpenRouter__ApiKey) resolve with the user-assigned identity, which holds
    // Key Vault Secrets User; without this the platform would try a system-assigned identity the app does not have.
    keyVaultReferenceIdentity: identityId
    siteConfig: {
      minTlsVersion: '1.2'
      ftpsState: 'Disabled'
    }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: '${blobEndpoint}${deploymentContainerName}'
          authentication: {
            type: 'UserAssignedIdentity'
            userAssignedIdentityResourceId: identityId
          }
        }
      }
      scaleAndConcurrency: {
        // The shared budget in Table storage (Budget__RequestsPerMinute / Budget__RequestsPerDay) paces OpenRouter
        // calls across every instance, so more instances never mean more than the budget's requests per minute:
        // extra instances would only hold more messages waiting for a slot. A small cap keeps cost and Table ETag
        // contention low. The cap applies to each per-function scale group (each queue or timer function scales on
        // its own instances, all HTTP functions share one group), not to the app as a whole.
        maximumInstanceCount: maximumInstanceCount
        instanceMemoryMB: instanceMemoryMB
      }
      runtime: {
        // Flex takes the worker runtime and version from here; FUNCTIONS_WORKER_RUNTIME and
        // FUNCTIONS_EXTENSION_VERSION are not set as app settings on this plan.
        name: 'dotnet-isolated'
        version: '10.0'
      }
    }
  }
}

resource appSettings 'Microsoft.Web/sites/config@2024-04-01' = {
  parent: functionApp
  name: 'appsettings'
  properties: {
    // Identity-based host storage: no connection string, no account key. The worker's own Queue and Table clients
    // read the same AzureWebJobsStorage__* settings.
    AzureWebJobsStorage__credential: 'managedidentity'
    AzureWebJobsStorage__clientId: identityClientId
    AzureWebJobsStorage__blobServiceUri: blobEndpoint
    AzureWebJobsStorage__queueServiceUri: queueEndpoint
    AzureWebJobsStorage__tableServiceUri: tableEndpoint
    APPLICATIONINSIGHTS_CONNECTION_STRING: applicationInsightsConnectionString
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'ClientId=${identityClientId};Authorization=AAD'
    // Resolved by the platform with keyVaultReferenceIdentity; the key itself never appears in app settings.
    OpenRouter__ApiKey: '@Microsoft.KeyVault(SecretUri=${openRouterSecretUri})'
    OpenRouter__DefaultModel: worker.defaultModel
    OpenRouter__BaseUrl: worker.baseUrl
    OpenRouter__Referer: worker.referer
    OpenRouter__Title: worker.title
    PromptQueue__JobQueue: worker.jobQueue
    PromptQueue__Notices__ResultsQueue: worker.resultsQueue
    PromptQueue__Notices__ResultsQueueEnabled: string(worker.resultsQueueEnabled)
    PromptQueue__Notices__NoticeQueue: worker.noticeQueue
    PromptQueue__Notices__WebhookUrl: worker.webhookUrl
    // The signing secret only with a webhook, and then only as a Key Vault reference; the app refuses a webhook without one.
    PromptQueue__Notices__WebhookSecret: empty(worker.webhookUrl) ? '' : '@Microsoft.KeyVault(SecretUri=${noticeWebhookSecretUri})'
    PromptQueue__JobTable: worker.jobTable
    Budget__Table: worker.budgetTable
    PromptQueue__BatchTable: worker.batchTable
    PromptQueue__MaxAttempts: string(worker.maxAttempts)
    Budget__RequestsPerMinute: string(worker.requestsPerMinute)
    Budget__RequestsPerDay: string(worker.requestsPerDay)
    PromptQueue__Batches__DispatchSchedule: worker.bulkSchedule
  }
}

output name string = functionApp.name
output uri string = 'https://${functionApp.properties.defaultHostName}'
