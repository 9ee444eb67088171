using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PromptQueue.Infra.Tests;

/// <summary>The files azd reads next to the template: infra/main.parameters.json and azure.yaml.</summary>
public sealed partial class DeploymentFilesTests(MainTemplateFixture fixture) : IClassFixture<MainTemplateFixture>
{
    private readonly CompiledTemplate _template = fixture.Template;

    private static JsonObject ParameterFileValues =>
        JsonNode.Parse(File.ReadAllText(Path.Combine(BicepCli.RepoRoot, "infra", "main.parameters.json")))!["parameters"]!.AsObject();

    [Fact]
    public void ParametersFile_EveryEntry_NamesATemplateParameter()
    {
        // Arrange
        var templateParameters = _template.Root["parameters"]!.AsObject();

        // Assert
        Assert.All(ParameterFileValues, entry =>
            Assert.True(templateParameters.ContainsKey(entry.Key), $"main.parameters.json sets {entry.Key}, which main.bicep does not declare"));
    }

    [Fact]
    public void ParametersFile_EveryRequiredParameter_IsSupplied()
    {
        // Arrange
        var required = _template.Root["parameters"]!.AsObject()
            .Where(parameter => !parameter.Value!.AsObject().ContainsKey("defaultValue"))
            .Select(parameter => parameter.Key);

        // Assert
        Assert.All(required, name =>
            Assert.True(ParameterFileValues.ContainsKey(name), $"main.bicep parameter {name} has no default and no entry in main.parameters.json"));
    }

    [Theory]
    [InlineData("environmentName", "${AZURE_ENV_NAME}")]
    [InlineData("location", "${AZURE_LOCATION}")]
    [InlineData("principalId", "${AZURE_PRINCIPAL_ID}")]
    [InlineData("openRouterApiKey", "${OPENROUTER_API_KEY}")]
    public void ParametersFile_AzdParameter_IsSubstitutedFromEnvironment(string parameter, string expected)
    {
        // Assert
        Assert.Equal(expected, (string?)ParameterFileValues[parameter]?["value"]);
    }

    [Fact]
    public void AzureYaml_ApiService_PointsAtTheFunctionsProject()
    {
        // Arrange
        var yaml = File.ReadAllText(Path.Combine(BicepCli.RepoRoot, "azure.yaml"));

        // Act
        var service = ApiService().Match(yaml);

        // Assert
        Assert.Matches(@"(?m)^name:\s*promptqueue\s*$", yaml);
        Assert.True(service.Success, "azure.yaml has no `api` service");
        var body = service.Groups["body"].Value;
        Assert.Matches(@"(?m)^\s+project:\s*\./src/PromptQueue\.Functions\s*$", body);
        Assert.Matches(@"(?m)^\s+language:\s*dotnet\s*$", body);
        Assert.Matches(@"(?m)^\s+host:\s*function\s*$", body);
        Assert.True(File.Exists(Path.Combine(BicepCli.RepoRoot, "src", "PromptQueue.Functions", "PromptQueue.Functions.csproj")));
    }

    [GeneratedRegex(@"(?m)^services:\s*\n\s{2}api:\s*\n(?<body>(?:\s{4}.*\n?)+)")]
    private static partial Regex ApiService();
}
