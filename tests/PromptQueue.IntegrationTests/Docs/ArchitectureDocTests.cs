using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using PromptQueue.IntegrationTests.Infrastructure;

namespace PromptQueue.IntegrationTests.Docs;

/// <summary>docs/architecture.md names projects, types and members; each must exist, or the page has gone stale.</summary>
public sealed partial class ArchitectureDocTests
{
    /// <summary>Names a diagram may use that are the platform's, not PromptQueue's.</summary>
    private static readonly HashSet<string> NotOurs = ["BackgroundService", "OpenRouter"];

    private static readonly string Page = File.ReadAllText(Path.Combine(Repository.Root, "docs", "architecture.md"));

    [Fact]
    public void ArchitecturePage_EveryCodeNameItUses_ExistsInTheCode()
    {
        // Arrange: every type and member of PromptQueue's assemblies (those this test project loads).
        var types = typeof(PromptQueue.Cli.Promptq).Assembly.GetReferencedAssemblies()
            .Where(name => name.Name!.StartsWith("PromptQueue.", StringComparison.Ordinal))
            .Select(Assembly.Load)
            .Append(typeof(PromptQueue.Cli.Promptq).Assembly)
            .Append(typeof(PromptQueue.Functions.ProcessJob).Assembly)
            .Distinct()
            .SelectMany(assembly => assembly.GetTypes())
            .ToList();
        var typeNames = types.Select(t => t.Name.Split('`')[0]).ToHashSet(StringComparer.Ordinal);
        var members = types
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                .Select(m => (Type: t.Name.Split('`')[0], Member: m.Name)))
            .ToHashSet();
        var memberNames = members.Select(m => m.Member).ToHashSet(StringComparer.Ordinal);

        // Act: the names in code spans, and the CamelCase names in the diagrams.
        var inDiagrams = Fences().Matches(Page).SelectMany(fence => DiagramNames().Matches(fence.Value)).Select(m => m.Value)
            .Where(name => !NotOurs.Contains(name));
        var missing = CodeNames().Matches(Page).Select(m => m.Groups["name"].Value).Concat(inDiagrams).Distinct()
            .Where(name => !Exists(name, typeNames, memberNames, members))
            .ToList();

        // Assert
        Assert.True(missing.Count == 0, "docs/architecture.md names what the code does not have: " + string.Join(", ", missing));
    }

    [Fact]
    public void ArchitecturePage_ReferenceTable_MatchesTheProjectFiles()
    {
        // Arrange: the table's rows, "| `PromptQueue.X` | A, B |".
        var rows = ReferenceRows().Matches(Page).ToDictionary(m => m.Groups["project"].Value, m => m.Groups["references"].Value);

        // Act and assert: each row lists exactly the PromptQueue projects its .csproj references.
        Assert.NotEmpty(rows);
        foreach (var project in Directory.GetDirectories(Path.Combine(Repository.Root, "src")).Select(Path.GetFileName))
        {
            Assert.True(rows.ContainsKey(project!), $"docs/architecture.md has no row for {project}");
            var csproj = XDocument.Load(Path.Combine(Repository.Root, "src", project!, project + ".csproj"));
            var referenced = csproj.Descendants("ProjectReference")
                .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')).Replace("PromptQueue.", "", StringComparison.Ordinal))
                .Order(StringComparer.Ordinal);
            var documented = ProjectWords().Matches(rows[project!]).Select(m => m.Value).Distinct().Order(StringComparer.Ordinal);
            Assert.Equal(referenced, documented);
        }
    }

    private static bool Exists(string name, HashSet<string> typeNames, HashSet<string> memberNames, HashSet<(string Type, string Member)> members)
    {
        if (name.StartsWith("PromptQueue.", StringComparison.Ordinal))
        {
            // A project, or a namespace inside one.
            var project = string.Join('.', name.Split('.').Take(2));
            return Directory.Exists(Path.Combine(Repository.Root, "src", project));
        }

        var parts = name.Split('.');
        return parts.Length == 2
            ? members.Contains((parts[0], parts[1])) || members.Contains((parts[0], parts[1] + "Async"))
            : typeNames.Contains(name) || memberNames.Contains(name);
    }

    /// <summary>A code span that is one identifier or Type.Member, such as <c>`JobLifecycle.MarkRunning`</c>.</summary>
    [GeneratedRegex(@"`(?<name>[A-Z][A-Za-z0-9]*(\.[A-Z][A-Za-z0-9]*)*)`")]
    private static partial Regex CodeNames();

    [GeneratedRegex(@"```\n.*?```", RegexOptions.Singleline)]
    private static partial Regex Fences();

    /// <summary>A name of two or more humps (<c>JobStore</c>, <c>JobControl.RetryAsync</c>): words of prose have one.</summary>
    [GeneratedRegex(@"\b[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+(?:\.[A-Z][A-Za-z0-9]*)*\b")]
    private static partial Regex DiagramNames();

    [GeneratedRegex(@"^\| `(?<project>PromptQueue\.[A-Za-z]+)` \| (?<references>[^|]*) \|$", RegexOptions.Multiline)]
    private static partial Regex ReferenceRows();

    [GeneratedRegex(@"\b(Contracts|Client|Core|Hosting|Http|Functions|Cli|Simulator)\b")]
    private static partial Regex ProjectWords();
}
