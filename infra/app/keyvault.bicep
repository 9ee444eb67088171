@description('Name of the Key Vault (3-24 characters, globally unique).')
param name string

@description('Azure region of the Key Vault.')
param location string

@description('Tags applied to the Key Vault.')
param tags object

@description('Name of the secret that holds the OpenRouter API key.')
param openRouterSecretName string

@secure()
@description('OpenRouter API key stored as the secret value.')
param openRouterApiKey string

@description('Whether to store the webhook signing secret: only when a webhook is configured.')
param provisionNoticeWebhookSecret bool

@description('Name of the secret that signs webhook notices.')
param noticeWebhookSecretName string

@secure()
@description('Webhook signing secret stored as the secret value (azd reads it back from this vault on every provision, so it stays as it is).')
param noticeWebhookSecret string

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: {
      family: 'A'
      name: 'standard'
    }
    // Access is granted with role assignments (Key Vault Secrets User for the app), not access policies.
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
    // Purge protection stays off so that `azd down --purge` can remove the vault and a new environment with the same
    // name can be created right away; turn it on for a long-lived production vault (it cannot be turned off again).
    publicNetworkAccess: 'Enabled'
  }

  resource openRouterSecret 'secrets' = {
    name: openRouterSecretName
    properties: {
      value: openRouterApiKey
      contentType: 'text/plain'
    }
  }
}

resource noticeWebhookSecretResource 'Microsoft.KeyVault/vaults/secrets@2023-07-01' = if (provisionNoticeWebhookSecret) {
  parent: vault
  name: noticeWebhookSecretName
  properties: {
    value: noticeWebhookSecret
    contentType: 'text/plain'
  }
}

output name string = vault.name
output uri string = vault.properties.vaultUri
// Versionless, so the app picks up a rotated key without a redeploy.
output openRouterSecretUri string = vault::openRouterSecret.properties.secretUri
output noticeWebhookSecretUri string = provisionNoticeWebhookSecret ? noticeWebhookSecretResource!.properties.secretUri : ''
