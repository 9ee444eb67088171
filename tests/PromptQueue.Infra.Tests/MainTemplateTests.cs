using System.Text.Json.Nodes;

namespace PromptQueue.Infra.Tests;

/// <summary>Assertions on the ARM template that infra/main.bicep compiles to (what `azd provision` would deploy).</summary>
public sealed class MainTemplateTests(MainTemplateFixture fixture) : IClassFixture<MainTemplateFixture>
{
    private readonly CompiledTemplate _template = fixture.Template;

    private JsonObject AppSettings =>
        _template.ResourcesOfType("Microsoft.Web/sites/config")
            .Single(resource => ((string?)resource["name"] ?? string.Empty).Contains("'appsettings'", StringComparison.Ordinal))["properties"]!
            .AsObject();

    private JsonObject FunctionApp => _template.SingleResourceOfType("Microsoft.Web/sites");

    public static TheoryData<string> ForbiddenTokens =>
    [
        // A storage connection string or a key pulled at deployment time would be a second, unrotated way in.
        "AccountKey",
        "DefaultEndpointsProtocol",
        "listKeys(",
        "listAccountSas(",
        "listServiceSas(",
        "SharedAccessSignature",
        // Application Insights ingestion goes through Entra ID, not an instrumentation key on its own.
        "APPINSIGHTS_INSTRUMENTATIONKEY",
    ];

    public static TheoryData<string, string> AppRoles => new()
    {
        { "Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b" },
        { "Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88" },
        { "Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3" },
        { "Key Vault Secrets User", "4633458b-17de-408a-b874-0445c86b69e6" },
        { "Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb" },
    };

    public static TheoryData<string> RequiredAppSettings =>
    [
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "AzureWebJobsStorage__blobServiceUri",
        "AzureWebJobsStorage__queueServiceUri",
        "AzureWebJobsStorage__tableServiceUri",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "APPLICATIONINSIGHTS_AUTHENTICATION_STRING",
        "OpenRouter__ApiKey",
        "OpenRouter__DefaultModel",
        "OpenRouter__BaseUrl",
        "OpenRouter__Referer",
        "OpenRouter__Title",
        "PromptQueue__JobQueue",
        "PromptQueue__Notices__ResultsQueue",
        "PromptQueue__Notices__ResultsQueueEnabled",
        "PromptQueue__Notices__NoticeQueue",
        "PromptQueue__Notices__WebhookUrl",
        "PromptQueue__Notices__WebhookSecret",
        "PromptQueue__JobTable",
        "Budget__Table",
        "PromptQueue__BatchTable",
        "PromptQueue__MaxAttempts",
        "Budget__RequestsPerMinute",
        "Budget__RequestsPerDay",
        "PromptQueue__Batches__DispatchSchedule",
    ];

    public static TheoryData<string, string> ParameterDefaults => new()
    {
        { "jobQueueName", "prompt-jobs" },
        { "resultsQueueName", "prompt-results" },
        { "resultsQueueEnabled", "false" },
        { "noticeQueueName", "prompt-notices" },
        { "noticeWebhookUrl", "" },
        { "jobTableName", "PromptJobs" },
        { "budgetTableName", "PromptBudget" },
        { "batchTableName", "PromptBatches" },
        { "maxAttempts", "6" },
        { "openRouterDefaultModel", "openai/gpt-oss-120b:free" },
        { "openRouterBaseUrl", "https://openrouter.ai/api/v1/" },
        { "requestsPerMinute", "20" },
        { "requestsPerDay", "50" },
        { "bulkSchedule", "0 */1 * * * *" },
    };

    public static TheoryData<string> RequiredOutputs =>
    [
        "AZURE_LOCATION",
        "AZURE_TENANT_ID",
        "AZURE_RESOURCE_GROUP",
        "AZURE_FUNCTION_APP_NAME",
        "AZURE_STORAGE_ACCOUNT_NAME",
        "AZURE_STORAGE_BLOB_ENDPOINT",
        "AZURE_STORAGE_QUEUE_ENDPOINT",
        "AZURE_STORAGE_TABLE_ENDPOINT",
        "AZURE_KEY_VAULT_NAME",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    ];

    [Fact]
    public void Build_MainTemplate_ReportsNoDiagnostics()
    {
        // Assert
        Assert.True(string.IsNullOrWhiteSpace(_template.Diagnostics), $"bicep build reported:\n{_template.Diagnostics}");
    }

    [Theory]
    [MemberData(nameof(ForbiddenTokens))]
    public void Template_AnyConnectionOrSetting_CarriesNoKeyMaterial(string token)
    {
        // Assert
        Assert.DoesNotContain(token, _template.Json, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void FunctionApp_SiteConfig_HasNoConnectionStrings()
    {
        // Act
        var connectionStrings = FunctionApp["properties"]?["siteConfig"]?["connectionStrings"];

        // Assert
        Assert.Null(connectionStrings);
    }

    [Fact]
    public void StorageAccount_Properties_DisableSharedKeyAndPublicBlobs()
    {
        // Arrange
        var properties = _template.SingleResourceOfType("Microsoft.Storage/storageAccounts")["properties"]!;

        // Assert
        Assert.False((bool?)properties["allowSharedKeyAccess"] ?? true, "allowSharedKeyAccess must be false");
        Assert.False((bool?)properties["allowBlobPublicAccess"] ?? true, "allowBlobPublicAccess must be false");
        Assert.Equal("TLS1_2", (string?)properties["minimumTlsVersion"]);
    }

    [Theory]
    [MemberData(nameof(AppRoles))]
    public void RoleAssignments_AppIdentity_HoldsEachRequiredRoleUnconditionally(string roleName, string roleDefinitionGuid)
    {
        // Act
        var assignments = _template.ResourcesWithTemplate
            .Where(pair => string.Equals((string?)pair.Resource["type"], "Microsoft.Authorization/roleAssignments", StringComparison.OrdinalIgnoreCase))
            .Where(pair => CompiledTemplate.ResolveVariables(pair.Template, (string?)pair.Resource["properties"]?["roleDefinitionId"] ?? string.Empty)
                .Contains(roleDefinitionGuid, StringComparison.OrdinalIgnoreCase))
            .Select(pair => pair.Resource)
            .Where(resource => resource["condition"] is null)
            .ToList();

        // Assert
        var assignment = Assert.Single(assignments);
        Assert.Equal("ServicePrincipal", (string?)assignment["properties"]?["principalType"]);
        Assert.False(string.IsNullOrEmpty((string?)assignment["properties"]?["principalId"]), $"{roleName} has no principal");
    }

    [Theory]
    [MemberData(nameof(RequiredAppSettings))]
    public void AppSettings_RequiredSetting_IsPresent(string name)
    {
        // Assert
        Assert.True(AppSettings.ContainsKey(name), $"app setting {name} is missing");
    }

    [Theory]
    [InlineData("FUNCTIONS_EXTENSION_VERSION")]
    [InlineData("FUNCTIONS_WORKER_RUNTIME")]
    [InlineData("WEBSITE_RUN_FROM_PACKAGE")]
    [InlineData("WEBSITE_CONTENTSHARE")]
    [InlineData("WEBSITE_CONTENTAZUREFILECONNECTIONSTRING")]
    [InlineData("AzureWebJobsStorage")]
    public void AppSettings_SettingFlexOrIdentityReplaces_IsAbsent(string name)
    {
        // Assert
        Assert.False(AppSettings.ContainsKey(name), $"app setting {name} must not be set on Flex Consumption with identity-based storage");
    }

    [Fact]
    public void AppSettings_Every_IsASettingTheCodeReads()
    {
        // Arrange
        var read = SettingsTheCodeReads();

        // Act
        var unread = AppSettings.Select(setting => setting.Key).Where(name => !read.Contains(name)).ToList();

        // Assert
        Assert.True(unread.Count == 0, $"app settings nothing reads: {string.Join(", ", unread)}");
    }

    [Fact]
    public void AppSettings_WebhookSecret_IsAKeyVaultReferenceOnlyWithAWebhook()
    {
        // Act
        var value = (string?)AppSettings["PromptQueue__Notices__WebhookSecret"];
        var secret = Assert.Single(_template.ResourcesOfType("Microsoft.KeyVault/vaults/secrets"), resource => resource["condition"] is not null);

        // Assert
        Assert.Contains("empty(parameters('worker').webhookUrl)", value, StringComparison.Ordinal);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", value, StringComparison.Ordinal);
        Assert.Contains("provisionNoticeWebhookSecret", (string?)secret["condition"], StringComparison.Ordinal);
    }

    /// <summary>
    /// Every setting an options type of the code binds (its section, then each property), the storage connection's
    /// identity-based parts, and the telemetry settings the hosts read.
    /// </summary>
    private static HashSet<string> SettingsTheCodeReads()
    {
        var bound = new[] { typeof(PromptQueue.Core.PromptQueueOptions).Assembly, typeof(PromptQueue.Contracts.JobLimits).Assembly }
            .SelectMany(assembly => assembly.GetTypes())
            .Select(type => (Type: type, Section: type.GetField("SectionName", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static)?.GetRawConstantValue() as string))
            .Where(option => option.Section is not null)
            .SelectMany(option => option.Type.GetProperties(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Instance)
                .Where(property => property.CanWrite)
                .Select(property => $"{option.Section!.Replace(":", "__", StringComparison.Ordinal)}__{property.Name}"));
        var storage = new[] { "credential", "clientId", "blobServiceUri", "queueServiceUri", "tableServiceUri" }
            .Select(part => $"{PromptQueue.Core.PromptQueueOptions.StorageConnectionName}__{part}");
        string[] telemetry = [PromptQueue.Hosting.TelemetrySettings.AzureMonitorConnectionSetting, PromptQueue.Hosting.TelemetrySettings.AzureMonitorAuthenticationSetting];
        return [.. bound, .. storage, .. telemetry];
    }

    [Fact]
    public void AppSettings_OpenRouterApiKey_IsKeyVaultReferenceResolvedByUserAssignedIdentity()
    {
        // Act
        var value = (string?)AppSettings["OpenRouter__ApiKey"];
        var referenceIdentity = (string?)FunctionApp["properties"]?["keyVaultReferenceIdentity"];

        // Assert
        Assert.NotNull(value);
        Assert.Contains("@Microsoft.KeyVault(SecretUri=", value, StringComparison.Ordinal);
        Assert.False(string.IsNullOrEmpty(referenceIdentity), "keyVaultReferenceIdentity must name the user-assigned identity");
    }

    [Fact]
    public void AppSettings_StorageAndTelemetry_UseManagedIdentity()
    {
        // Assert
        Assert.Equal("managedidentity", (string?)AppSettings["AzureWebJobsStorage__credential"]);
        Assert.Contains("Authorization=AAD", (string?)AppSettings["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"], StringComparison.Ordinal);
        var insights = _template.SingleResourceOfType("Microsoft.Insights/components");
        Assert.True((bool?)insights["properties"]?["DisableLocalAuth"], "Application Insights must have local auth disabled");
    }

    [Fact]
    public void Parameters_Secure_HaveNoDefaultValue()
    {
        // Arrange
        var secure = _template.Parameters
            .Where(parameter => ((string?)parameter.Definition["type"] ?? string.Empty).StartsWith("secure", StringComparison.OrdinalIgnoreCase))
            .ToList();

        // Assert
        Assert.Contains(secure, parameter => parameter is { Template: "main", Name: "openRouterApiKey" });
        Assert.All(secure, parameter =>
            Assert.False(parameter.Definition.ContainsKey("defaultValue"), $"{parameter.Template}: secure parameter {parameter.Name} has a default"));
    }

    [Fact]
    public void Parameters_Every_HasDescription()
    {
        // Assert
        Assert.All(_template.Parameters, parameter =>
            Assert.False(
                string.IsNullOrWhiteSpace((string?)parameter.Definition["metadata"]?["description"]),
                $"{parameter.Template}: parameter {parameter.Name} has no @description"));
    }

    [Theory]
    [MemberData(nameof(ParameterDefaults))]
    public void Parameters_WorkerSetting_DefaultsToDesignValue(string name, string expected)
    {
        // Act
        var defaultValue = _template.Root["parameters"]?[name]?["defaultValue"];

        // Assert
        Assert.NotNull(defaultValue);
        Assert.Equal(expected, defaultValue.ToString());
    }

    [Fact]
    public void Parameters_MaximumInstanceCount_IsSmallWithFloorOfOne()
    {
        // Act
        var parameter = _template.Root["parameters"]!["maximumInstanceCount"]!;

        // Assert
        Assert.Equal(1, (int?)parameter["minValue"]);
        Assert.InRange((int?)parameter["defaultValue"] ?? 0, 1, 4);
    }

    [Fact]
    public void FunctionApp_Shape_IsFlexConsumptionDotnetIsolated10()
    {
        // Arrange
        var plan = _template.SingleResourceOfType("Microsoft.Web/serverfarms");
        var config = FunctionApp["properties"]?["functionAppConfig"];

        // Assert
        Assert.Equal("FC1", (string?)plan["sku"]?["name"]);
        Assert.Equal("functionapp,linux", (string?)FunctionApp["kind"]);
        Assert.Equal("dotnet-isolated", (string?)config?["runtime"]?["name"]);
        Assert.Equal("10.0", (string?)config?["runtime"]?["version"]);
        Assert.Equal("UserAssignedIdentity", (string?)config?["deployment"]?["storage"]?["authentication"]?["type"]);
        Assert.NotNull(config?["scaleAndConcurrency"]?["maximumInstanceCount"]);
        Assert.NotNull(config?["scaleAndConcurrency"]?["instanceMemoryMB"]);
    }

    [Fact]
    public void FunctionApp_Tags_NameTheAzdServiceApi()
    {
        // Act
        var tags = (string?)FunctionApp["tags"] ?? string.Empty;
        var serviceName = (string?)_template.Root["variables"]?["serviceName"];

        // Assert
        Assert.Contains("'azd-service-name', parameters('serviceName')", tags, StringComparison.Ordinal);
        Assert.Equal("api", serviceName);
    }

    [Fact]
    public void KeyVault_Properties_UseRbacAndSoftDelete()
    {
        // Arrange
        var properties = _template.SingleResourceOfType("Microsoft.KeyVault/vaults")["properties"]!;

        // Assert
        Assert.True((bool?)properties["enableRbacAuthorization"], "Key Vault must use RBAC authorization");
        Assert.True((bool?)properties["enableSoftDelete"], "Key Vault must keep soft delete on");
        Assert.Single(_template.ResourcesOfType("Microsoft.KeyVault/vaults/secrets"), resource => resource["condition"] is null);
    }

    [Fact]
    public void Storage_QueuesAndTables_AreCreatedWithThePoisonQueue()
    {
        // Arrange
        var storageDeployment = _template.ResourcesOfType("Microsoft.Resources/deployments")
            .Single(resource => (string?)resource["name"] == "storage");
        var parameters = storageDeployment["properties"]!["parameters"]!;

        // Act
        var queues = parameters["queueNames"]!["value"]!.AsArray().Select(node => node!.ToString()).ToList();
        var tables = parameters["tableNames"]!["value"]!.AsArray().Select(node => node!.ToString()).ToList();

        // Assert
        Assert.Equal(["[parameters('jobQueueName')]", "[format('{0}-poison', parameters('jobQueueName'))]", "[parameters('resultsQueueName')]", "[parameters('noticeQueueName')]", "[format('{0}-poison', parameters('noticeQueueName'))]"], queues);
        Assert.Equal(["[parameters('jobTableName')]", "[parameters('budgetTableName')]", "[parameters('batchTableName')]"], tables);
        Assert.NotEmpty(_template.ResourcesOfType("Microsoft.Storage/storageAccounts/queueServices/queues"));
        Assert.NotEmpty(_template.ResourcesOfType("Microsoft.Storage/storageAccounts/tableServices/tables"));
        Assert.NotEmpty(_template.ResourcesOfType("Microsoft.Storage/storageAccounts/blobServices/containers"));
    }

    [Theory]
    [MemberData(nameof(RequiredOutputs))]
    public void Outputs_ForAzd_ArePresent(string name)
    {
        // Assert
        Assert.NotNull(_template.Root["outputs"]?[name]);
    }
}
