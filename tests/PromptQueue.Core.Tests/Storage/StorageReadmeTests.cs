using System.Reflection;
using System.Text.RegularExpressions;
using PromptQueue.Contracts;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Tests.Storage;

/// <summary>src/PromptQueue.Core/Storage/README.md lists every table's special partitions; these tests keep it true to the code.</summary>
public sealed partial class StorageReadmeTests
{
    private const BindingFlags AnyMember = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance;

    private static readonly string Readme = File.ReadAllText(Path.Combine(Repository.Root, "src", "PromptQueue.Core", "Storage", "README.md"));

    private static readonly Type[] Types = [.. typeof(JobStore).Assembly.GetTypes(), .. typeof(PromptJob).Assembly.GetTypes()];

    [Fact]
    public void Readme_EveryTypeDotMember_Exists()
    {
        // Act
        var named = MemberNames().ToList();
        var missing = named.Where(n => FindMember(n.Type, n.Member) is null).Select(n => $"{n.Type}.{n.Member}").ToList();

        // Assert
        Assert.NotEmpty(named);
        Assert.Empty(missing);
    }

    [Fact]
    public void Readme_EveryTextConstantItNames_HasTheValueShown()
    {
        // Act
        var constants = MemberNames()
            .Select(n => (Name: $"{n.Type}.{n.Member}", Field: FindMember(n.Type, n.Member) as FieldInfo))
            .Where(c => c.Field is { IsLiteral: true } && c.Field.FieldType == typeof(string))
            .Select(c => (c.Name, Value: (string)c.Field!.GetRawConstantValue()!))
            .ToList();
        var notShown = constants.Where(c => !Readme.Contains("`" + c.Value, StringComparison.Ordinal)).Select(c => $"{c.Name} = {c.Value}").ToList();

        // Assert
        Assert.Contains(constants, c => c.Name == "UnfinishedJobs.Partition");
        Assert.Empty(notShown);
    }

    [Fact]
    public void Readme_EveryOwner_IsAType()
    {
        // Arrange: the owner is the fourth column of each table row: | partition | row key | holds | owner | lifetime |
        var owners = Readme.Split('\n')
            .Where(line => line.StartsWith("| ", StringComparison.Ordinal) && !line.StartsWith("| partition", StringComparison.Ordinal))
            .Select(line => SplitCells(line))
            .Where(cells => cells.Count == 5)
            .Select(cells => cells[3])
            .ToList();

        // Act
        var names = owners.SelectMany(cell => CodeSpan().Matches(cell).Select(m => m.Groups["name"].Value)).ToList();
        var notTypes = names.Where(name => !name.Contains('.', StringComparison.Ordinal) && Types.All(t => t.Name != name)).ToList();

        // Assert
        Assert.True(owners.Count >= 17, $"only {owners.Count} table rows found");
        Assert.Empty(notTypes);
    }

    /// <summary>Cells of a Markdown table row, where <c>\|</c> is a pipe inside a cell.</summary>
    private static List<string> SplitCells(string line) =>
        [.. line.Trim().Trim('|').Replace("\\|", "\u0001", StringComparison.Ordinal).Split('|').Select(cell => cell.Replace("\u0001", "|", StringComparison.Ordinal).Trim())];

    private static IEnumerable<(string Type, string Member)> MemberNames() =>
        TypeDotMember().Matches(Readme).Select(m => (m.Groups["type"].Value, m.Groups["member"].Value)).Distinct();

    private static MemberInfo? FindMember(string type, string member) =>
        Types.Where(t => t.Name == type).SelectMany(t => t.GetMember(member, AnyMember)).FirstOrDefault();

    [GeneratedRegex(@"`(?<type>[A-Z][A-Za-z0-9]*)\.(?<member>[A-Z][A-Za-z0-9]*)`")]
    private static partial Regex TypeDotMember();

    [GeneratedRegex(@"`(?<name>[A-Z][A-Za-z0-9.]*)`")]
    private static partial Regex CodeSpan();
}
