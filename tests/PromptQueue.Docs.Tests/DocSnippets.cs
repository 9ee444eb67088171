using System.Text;
using System.Text.RegularExpressions;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace PromptQueue.Docs.Tests;

/// <summary>One ```csharp (or ```cs) block of a Markdown file.</summary>
/// <param name="File">The file, relative to the repository root.</param>
/// <param name="Line">The line of the block's first line of code.</param>
/// <param name="Code">The code.</param>
/// <param name="Continues">True when an <c>&lt;!-- csharp: continues --&gt;</c> marker stands before the block.</param>
public sealed record DocSnippet(string File, int Line, string Code, bool Continues);

/// <summary>
/// Finds the C# blocks of Markdown files and compiles them, following the convention in <c>docs/README.md</c>:
/// a block is a program of top-level statements (type declarations may follow), compiled alone with a console app's
/// implicit usings; a block after <c>&lt;!-- csharp: continues --&gt;</c> goes on from the blocks before it in the same file.
/// </summary>
public static partial class DocSnippets
{
    public const string ContinuesMarker = "<!-- csharp: continues -->";

    /// <summary>What <c>ImplicitUsings</c> gives a new console project, so a block needs to name only the rest.</summary>
    private static readonly string[] ImplicitUsings =
        ["System", "System.Collections.Generic", "System.IO", "System.Linq", "System.Net.Http", "System.Threading", "System.Threading.Tasks"];

    private static readonly Lazy<List<MetadataReference>> References = new(LoadReferences);

    public static IEnumerable<DocSnippet> Find(string file, string markdown)
    {
        var lines = markdown.ReplaceLineEndings("\n").Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            var fence = FencePattern().Match(lines[i]);
            if (!fence.Success)
            {
                continue;
            }

            var end = Array.FindIndex(lines, i + 1, l => l.TrimStart().StartsWith(fence.Groups["fence"].Value, StringComparison.Ordinal));
            if (end < 0)
            {
                throw new InvalidDataException($"{file}:{i + 1}: the code block is never closed");
            }

            var language = fence.Groups["language"].Value;
            if (language is "csharp" or "cs" or "c#")
            {
                var marker = PreviousNonBlank(lines, i);
                if (marker.StartsWith("<!-- csharp:", StringComparison.Ordinal) && marker != ContinuesMarker)
                {
                    throw new InvalidDataException($"{file}:{i}: unknown marker '{marker}'; the only one is '{ContinuesMarker}'");
                }

                yield return new DocSnippet(file, i + 2, string.Join('\n', lines[(i + 1)..end]), marker == ContinuesMarker);
            }

            i = end;
        }
    }

    /// <summary>Compiles a block with the blocks it continues (<paramref name="chain"/>, in order) and returns the errors as <c>file(line,column): error ID: message</c>.</summary>
    public static IReadOnlyList<string> Compile(IReadOnlyList<DocSnippet> chain)
    {
        ArgumentNullException.ThrowIfNull(chain);
        var usings = new List<string>();
        var statements = new StringBuilder();
        var declarations = new StringBuilder();
        foreach (var snippet in chain)
        {
            var root = CSharpSyntaxTree.ParseText(snippet.Code, ParseOptions).GetCompilationUnitRoot();
            usings.AddRange(root.Usings.Select(u => u.ToString()));
            foreach (var member in root.Members)
            {
                // #line maps every diagnostic to the Markdown file and line the reader sees.
                var target = member is GlobalStatementSyntax ? statements : declarations;
                var line = snippet.Line + member.GetLocation().GetLineSpan().StartLinePosition.Line;
                target.Append("#line ").Append(line).Append(" \"").Append(snippet.File).Append("\"\n").Append(member.ToFullString().TrimStart('\n')).Append('\n');
            }
        }

        var source = string.Concat(ImplicitUsings.Select(u => $"global using {u};\n"))
                     + string.Concat(usings.Distinct(StringComparer.Ordinal).Select(u => u + "\n"))
                     + statements + "#line default\n" + declarations;
        var tree = CSharpSyntaxTree.ParseText(source, ParseOptions, path: "snippet.cs");
        var kind = statements.Length > 0 ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary;
        var compilation = CSharpCompilation.Create("DocSnippet", [tree], References.Value, new CSharpCompilationOptions(kind, nullableContextOptions: NullableContextOptions.Enable));
        return compilation.GetDiagnostics()
            .Where(d => d.Severity == DiagnosticSeverity.Error)
            .Select(d =>
            {
                var span = d.Location.GetMappedLineSpan();
                return $"{span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1}): error {d.Id}: {d.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
            })
            .ToList();
    }

    private static CSharpParseOptions ParseOptions => new(LanguageVersion.Latest, DocumentationMode.None);

    private static string PreviousNonBlank(string[] lines, int index)
    {
        for (var i = index - 1; i >= 0; i--)
        {
            if (!string.IsNullOrWhiteSpace(lines[i]))
            {
                return lines[i].Trim();
            }
        }

        return "";
    }

    /// <summary>The test's own dependencies and the shared framework: what an app referencing PromptQueue.Client has.</summary>
    private static List<MetadataReference> LoadReferences()
    {
        var paths = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        return paths.Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).Select(p => (MetadataReference)MetadataReference.CreateFromFile(p)).ToList();
    }

    [GeneratedRegex(@"^\s*(?<fence>```+)\s*(?<language>[\w#+-]*)")]
    private static partial Regex FencePattern();
}
