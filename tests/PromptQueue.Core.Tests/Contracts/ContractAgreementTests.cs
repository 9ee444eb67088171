using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using PromptQueue.Contracts;

namespace PromptQueue.Core.Tests.Contracts;

/// <summary>
/// One contract, checked against itself. The job contract is written down three times: the JSON Schema that callers
/// validate against before they send (<c>schemas/prompt-job.v1.schema.json</c>), the OpenAPI document's
/// <c>PromptJob</c> component, and <see cref="PromptJobReader"/>, which is what the worker enforces. Every payload under
/// <c>Fixtures/contract</c> goes through a JSON Schema validator with the schema file, through the same validator with
/// the OpenAPI component (its <c>$ref</c>s resolved), and through the reader with the default <see cref="JobLimits"/>
/// (the limits the schema states), and all three must give the fixture's verdict.
/// </summary>
public sealed class ContractAgreementTests
{
    private const string ComponentPrefix = "PromptJob";

    private static readonly string RepoRoot = Repository.Root;
    private static readonly string FixtureDirectory = Path.Combine(RepoRoot, "tests", "PromptQueue.Core.Tests", "Fixtures", "contract");
    private static readonly string SchemaPath = Path.Combine(RepoRoot, "schemas", "prompt-job.v1.schema.json");
    private static readonly string OpenApiPath = Path.Combine(RepoRoot, "src", "PromptQueue.Http", "openapi.json");

    private static readonly Lazy<IReadOnlyDictionary<string, Fixture>> Fixtures = new(LoadFixtures);
    private static readonly Lazy<JsonSchema> SchemaFile = new(() => Build(JsonNode.Parse(File.ReadAllText(SchemaPath))!, "schema-file"));
    private static readonly Lazy<JsonSchema> OpenApiComponent = new(() => Build(ResolvedOpenApiComponent(), "openapi-component"));

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    public static TheoryData<string> FixtureNames => [.. Fixtures.Value.Keys];

    [Theory]
    [MemberData(nameof(FixtureNames))]
    public void Fixture_SchemaFileOpenApiComponentAndReader_GiveTheFixturesVerdict(string name)
    {
        // Arrange
        var fixture = Fixtures.Value[name];

        // Act
        var bySchema = BySchema(SchemaFile.Value, fixture.Payload);
        var byOpenApi = BySchema(OpenApiComponent.Value, fixture.Payload);
        var byReader = PromptJobReader.Read(fixture.Payload, new JobLimits());

        // Assert: a rule the schema cannot state (see the fixture's reason) is the reader's alone, so the schema accepts.
        var schemaVerdict = fixture.SchemaCannotExpress is null ? fixture.Valid : true;
        var agree = bySchema.Valid == schemaVerdict && byOpenApi.Valid == schemaVerdict && byReader.IsValid == fixture.Valid;
        Assert.True(agree, $"""
            {name}: the fixture says {Verdict(fixture.Valid)}{(fixture.SchemaCannotExpress is null ? "" : $" (the schema cannot express it, so valid to the schema: {fixture.SchemaCannotExpress})")}
              schema file:       {Verdict(bySchema.Valid)}{bySchema.Why}
              OpenAPI PromptJob: {Verdict(byOpenApi.Valid)}{byOpenApi.Why}
              PromptJobReader:   {Verdict(byReader.IsValid)}{(byReader.IsValid ? "" : ": " + string.Join("; ", byReader.Errors))}
            """);
    }

    [Fact]
    public void Fixtures_GiveEveryFieldNullAndAWrongType()
    {
        // Arrange
        using var schema = JsonDocument.Parse(File.ReadAllText(SchemaPath));
        var properties = schema.RootElement.GetProperty("properties");
        var jobs = Fixtures.Value.Values
            .Select(f => (f.Valid, Job: AsObject(f.Payload)))
            .Where(f => f.Job is not null)
            .ToList();

        // Act
        var withoutValidNull = properties.EnumerateObject()
            .Where(field => !jobs.Any(j => j.Valid && j.Job!.TryGetPropertyValue(field.Name, out var value) && value is null))
            .Select(field => field.Name);
        var withoutWrongType = properties.EnumerateObject()
            .Where(field => !jobs.Any(j => !j.Valid && j.Job![field.Name] is { } value && IsOfAnotherType(field.Value, value)))
            .Select(field => field.Name);

        // Assert
        Assert.True(Fixtures.Value.Count >= 400, $"only {Fixtures.Value.Count} fixtures");
        Assert.Empty(withoutValidNull);
        Assert.Empty(withoutWrongType);
    }

    [Fact]
    public void OpenApi_PromptJobComponent_IsTheSchemaFile()
    {
        // Arrange: the schema file's $defs are the components PromptJob + the def's name ("message": "PromptJobMessage").
        var schema = JsonNode.Parse(File.ReadAllText(SchemaPath))!.AsObject();
        var components = JsonNode.Parse(File.ReadAllText(OpenApiPath))!["components"]!["schemas"]!.AsObject();
        var defs = schema["$defs"]?.AsObject() ?? [];

        // Act
        var body = Rewrite(schema.DeepClone(), DefToComponentRef).AsObject();
        foreach (var keyword in (string[])["$schema", "$id", "$defs"])
        {
            body.Remove(keyword);
        }

        // Assert
        Assert.True(JsonNode.DeepEquals(body, components[ComponentPrefix]), Difference(body, components[ComponentPrefix], "PromptJob"));
        foreach (var (name, def) in defs)
        {
            var component = ComponentPrefix + char.ToUpperInvariant(name[0]) + name[1..];
            Assert.True(JsonNode.DeepEquals(Rewrite(def!.DeepClone(), DefToComponentRef), components[component]), $"components/schemas/{component} is not $defs/{name} of the schema file");
        }
    }

    private static string DefToComponentRef(string reference) =>
        reference.StartsWith("#/$defs/", StringComparison.Ordinal)
            ? $"#/components/schemas/{ComponentPrefix}{char.ToUpperInvariant(reference[8])}{reference[9..]}"
            : reference;

    /// <summary>The first place where two JSON values differ, for a failure message a person can act on.</summary>
    private static string Difference(JsonNode? expected, JsonNode? actual, string path)
    {
        if (expected is JsonObject e && actual is JsonObject a)
        {
            foreach (var name in e.Select(p => p.Key).Union(a.Select(p => p.Key)))
            {
                if (!JsonNode.DeepEquals(e[name], a[name]))
                {
                    return Difference(e[name], a[name], $"{path}/{name}");
                }
            }
        }

        return $"at {path}: the schema file has {expected?.ToJsonString() ?? "nothing"}, the OpenAPI component {actual?.ToJsonString() ?? "nothing"}";
    }

    /// <summary>A job object of a fixture, or null for a payload that is no object or is not I-JSON.</summary>
    private static JsonObject? AsObject(byte[] payload)
    {
        try
        {
            var node = JsonNode.Parse(payload.AsSpan(payload.AsSpan().StartsWith(Utf8Bom) ? Utf8Bom.Length : 0)) as JsonObject;
            _ = node?.Count; // reads the members, so that a name given twice throws here
            return node;
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }

    /// <summary>Whether a value is of a JSON type the field's "type" does not allow; any value, for a field without one.</summary>
    private static bool IsOfAnotherType(JsonElement field, JsonNode value)
    {
        if (!field.TryGetProperty("type", out var type))
        {
            return true; // an enum, a const, oneOf or $ref: any invalid value counts
        }

        var allowed = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()).ToList() : [type.GetString()];
        var kind = value.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.Array => "array",
            JsonValueKind.Object => "object",
            JsonValueKind.Number => "number",
            _ => "boolean",
        };
        return !allowed.Contains(kind) && !(kind == "number" && allowed.Contains("integer"));
    }

    private static string Verdict(bool valid) => valid ? "valid" : "invalid";

    /// <summary>
    /// What a caller's validator says: the payload must be one JSON text (a byte order mark may precede it, RFC 8259)
    /// and I-JSON (RFC 7493: Unicode text, no name twice in one object), and then valid against the schema.
    /// </summary>
    private static (bool Valid, string Why) BySchema(JsonSchema schema, byte[] payload)
    {
        var json = payload.AsMemory();
        if (json.Span.StartsWith(Utf8Bom))
        {
            json = json[Utf8Bom.Length..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            return (false, $": not one JSON text ({ex.Message})");
        }

        using (document)
        {
            if (NotIJson(document.RootElement, "$") is { } why)
            {
                return (false, $": not I-JSON ({why})");
            }

            var results = schema.Evaluate(document.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.List });
            if (results.IsValid)
            {
                return (true, "");
            }

            var errors = (results.Details ?? [])
                .Where(d => d.Errors is { Count: > 0 })
                .SelectMany(d => d.Errors!.Select(error => $"{d.InstanceLocation} {error.Key}: {error.Value}"))
                .Take(8);
            return (false, ": " + string.Join("; ", errors));
        }
    }

    private static string? NotIJson(JsonElement element, string path)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.String:
                try
                {
                    _ = element.GetString();
                }
                catch (InvalidOperationException)
                {
                    return $"{path} is not Unicode text";
                }

                break;
            case JsonValueKind.Object:
                var names = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    string name;
                    try
                    {
                        name = property.Name;
                    }
                    catch (InvalidOperationException)
                    {
                        return $"a name in {path} is not Unicode text";
                    }

                    if (!names.Add(name))
                    {
                        return $"{path}.{name} is given twice";
                    }

                    if (NotIJson(property.Value, $"{path}.{name}") is { } inner)
                    {
                        return inner;
                    }
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    if (NotIJson(item, $"{path}[{index++}]") is { } inner)
                    {
                        return inner;
                    }
                }

                break;
        }

        return null;
    }

    /// <summary>Builds a schema in a registry of its own, under a base URI of its own (the registry refuses a second one).</summary>
    private static JsonSchema Build(JsonNode schema, string name)
    {
        using var document = JsonDocument.Parse(schema.ToJsonString());
        return JsonSchema.Build(document.RootElement.Clone(), new BuildOptions { SchemaRegistry = new SchemaRegistry() }, new Uri($"urn:promptqueue-test:{name}"));
    }

    /// <summary>
    /// The OpenAPI document's PromptJob component as a standalone 2020-12 schema (OpenAPI 3.1's schema objects are
    /// JSON Schema 2020-12): every component it refers to, directly or not, moved under <c>$defs</c>.
    /// </summary>
    private static JsonObject ResolvedOpenApiComponent()
    {
        var components = JsonNode.Parse(File.ReadAllText(OpenApiPath))!["components"]!["schemas"]!.AsObject();
        const string componentRef = "#/components/schemas/";
        var referenced = new SortedSet<string>(StringComparer.Ordinal);
        string ToDef(string reference)
        {
            Assert.StartsWith(componentRef, reference, StringComparison.Ordinal);
            referenced.Add(reference[componentRef.Length..]);
            return "#/$defs/" + reference[componentRef.Length..];
        }

        var root = Rewrite(components[ComponentPrefix]!.DeepClone(), ToDef).AsObject();
        var defs = new JsonObject();
        while (referenced.FirstOrDefault(candidate => !defs.ContainsKey(candidate)) is { } name)
        {
            defs[name] = Rewrite(components[name]!.DeepClone(), ToDef);
        }

        Assert.False(root.ContainsKey("$defs"), "the PromptJob component has $defs of its own: refer to components instead");
        root["$schema"] = "https://json-schema.org/draft/2020-12/schema";
        if (defs.Count > 0)
        {
            root["$defs"] = defs;
        }

        return root;
    }

    /// <summary>Replaces every <c>$ref</c> in a schema by what <paramref name="map"/> makes of it.</summary>
    private static JsonNode Rewrite(JsonNode node, Func<string, string> map)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var name in obj.Select(p => p.Key).ToList())
                {
                    if (name == "$ref" && obj[name] is JsonValue reference)
                    {
                        obj[name] = map(reference.GetValue<string>());
                    }
                    else if (obj[name] is { } child)
                    {
                        Rewrite(child, map);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array.Where(item => item is not null))
                {
                    Rewrite(item!, map);
                }

                break;
        }

        return node;
    }

    private static Dictionary<string, Fixture> LoadFixtures()
    {
        var fixtures = new Dictionary<string, Fixture>(StringComparer.Ordinal);
        foreach (var file in Directory.GetFiles(FixtureDirectory, "*.json").Order(StringComparer.Ordinal))
        {
            using var document = JsonDocument.Parse(File.ReadAllBytes(file));
            foreach (var item in document.RootElement.GetProperty("cases").EnumerateArray())
            {
                var name = $"{Path.GetFileName(file)}: {item.GetProperty("description").GetString()}";
                var fixture = new Fixture(
                    Payload(item),
                    item.GetProperty("valid").GetBoolean(),
                    item.TryGetProperty("schema_cannot_express", out var reason) ? reason.GetString() : null);
                Assert.True(fixtures.TryAdd(name, fixture), $"two fixtures are named '{name}'");
            }
        }

        return fixtures;
    }

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private static readonly JsonSerializerOptions Relaxed = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>
    /// The bytes of a case: its "payload" text as it stands, or its "job" as written in the file (escapes, and a name
    /// given twice, kept), with "repeat" filling the value at a JSON pointer with a long text or many copies of an item.
    /// </summary>
    private static byte[] Payload(JsonElement item)
    {
        if (item.TryGetProperty("payload", out var payload))
        {
            return StrictUtf8.GetBytes(payload.GetString()!);
        }

        var job = item.GetProperty("job").GetRawText();
        if (!item.TryGetProperty("repeat", out var repeat))
        {
            return StrictUtf8.GetBytes(job);
        }

        var root = JsonNode.Parse(job)!;
        var segments = repeat.GetProperty("pointer").GetString()!.Split('/')[1..];
        var parent = segments[..^1].Aggregate(root, (node, segment) => node is JsonArray array ? array[int.Parse(segment, System.Globalization.CultureInfo.InvariantCulture)]! : node[segment]!);
        var times = repeat.GetProperty("times").GetInt32();
        JsonNode filled = repeat.TryGetProperty("text", out var text)
            ? JsonValue.Create(string.Concat(Enumerable.Repeat(text.GetString(), times)))
            : new JsonArray([.. Enumerable.Range(0, times).Select(_ => JsonNode.Parse(repeat.GetProperty("item").GetRawText()))]);
        if (parent is JsonArray list)
        {
            list[int.Parse(segments[^1], System.Globalization.CultureInfo.InvariantCulture)] = filled;
        }
        else
        {
            parent[segments[^1]] = filled;
        }

        return StrictUtf8.GetBytes(root.ToJsonString(Relaxed));
    }

    private sealed record Fixture(byte[] Payload, bool Valid, string? SchemaCannotExpress);
}
