using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace PromptQueue.Infra.Tests;

/// <summary>An ARM template compiled from Bicep, with its module templates (nested deployments) flattened for queries.</summary>
public sealed partial class CompiledTemplate
{
    public CompiledTemplate(string json, string diagnostics)
    {
        Json = json;
        Diagnostics = diagnostics;
        Root = JsonNode.Parse(json)?.AsObject()
            ?? throw new InvalidOperationException("bicep build produced no JSON.");
        NamedTemplates = [.. EnumerateTemplates("main", Root)];
    }

    /// <summary>The ARM JSON as text.</summary>
    public string Json { get; }

    /// <summary>What bicep build wrote to stderr (warnings and errors).</summary>
    public string Diagnostics { get; }

    /// <summary>The main (subscription-scope) template.</summary>
    public JsonObject Root { get; }

    /// <summary>The main template ("main") followed by every module template (named after its deployment), depth first.</summary>
    public IReadOnlyList<(string Name, JsonObject Template)> NamedTemplates { get; }

    public IEnumerable<JsonObject> Templates => NamedTemplates.Select(named => named.Template);

    /// <summary>Every resource declared in any of the templates.</summary>
    public IEnumerable<JsonObject> Resources => Templates.SelectMany(ResourcesOf);

    /// <summary>Every resource with the template that declares it (to resolve its variables).</summary>
    public IEnumerable<(JsonObject Template, JsonObject Resource)> ResourcesWithTemplate =>
        Templates.SelectMany(template => ResourcesOf(template).Select(resource => (template, resource)));

    /// <summary>
    /// Replaces <c>variables('name').member</c> and <c>variables('name')</c> references to literal string variables
    /// with their values, which is as far as these assertions need ARM expressions evaluated.
    /// </summary>
    public static string ResolveVariables(JsonObject template, string expression) =>
        VariableReference().Replace(expression, match =>
        {
            var variable = template["variables"]?[match.Groups["name"].Value];
            if (match.Groups["member"].Success)
            {
                variable = variable?[match.Groups["member"].Value];
            }

            return variable is JsonValue value && value.TryGetValue<string>(out var text) ? $"'{text}'" : match.Value;
        });

    public IEnumerable<JsonObject> ResourcesOfType(string type) =>
        Resources.Where(resource => string.Equals((string?)resource["type"], type, StringComparison.OrdinalIgnoreCase));

    public JsonObject SingleResourceOfType(string type)
    {
        var matches = ResourcesOfType(type).ToList();
        Assert.True(matches.Count == 1, $"Expected one {type} resource, found {matches.Count}.");
        return matches[0];
    }

    /// <summary>Every parameter of every template, with the template's name for messages.</summary>
    public IEnumerable<(string Template, string Name, JsonObject Definition)> Parameters =>
        NamedTemplates.SelectMany(named =>
            (named.Template["parameters"]?.AsObject() ?? []).Select(parameter =>
                (named.Name, parameter.Key, parameter.Value!.AsObject())));

    private static IEnumerable<(string Name, JsonObject Template)> EnumerateTemplates(string name, JsonObject template)
    {
        yield return (name, template);
        foreach (var resource in ResourcesOf(template))
        {
            if (resource["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in EnumerateTemplates((string?)resource["name"] ?? "module", nested))
                {
                    yield return inner;
                }
            }
        }
    }

    // Bicep emits resources as an array, or as an object keyed by symbolic name when it uses languageVersion 2.0.
    private static IEnumerable<JsonObject> ResourcesOf(JsonObject template)
    {
        var resources = template["resources"] switch
        {
            JsonArray array => array.Select(node => node!.AsObject()),
            JsonObject byName => byName.Select(pair => pair.Value!.AsObject()),
            _ => [],
        };
        foreach (var resource in resources)
        {
            yield return resource;
            if (resource["resources"] is JsonArray children)
            {
                foreach (var child in children)
                {
                    yield return child!.AsObject();
                }
            }
        }
    }

    [GeneratedRegex(@"variables\('(?<name>[^']+)'\)(?:\.(?<member>[A-Za-z_][A-Za-z0-9_]*))?")]
    private static partial Regex VariableReference();
}
