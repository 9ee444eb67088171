namespace PromptQueue.Docs.Tests;

public sealed class DocsCodeBlocksTests
{
    private static readonly string RepoRoot = FindRepoRoot();

    public static TheoryData<string, int> Blocks()
    {
        var data = new TheoryData<string, int>();
        foreach (var snippet in AllSnippets())
        {
            data.Add(snippet.File, snippet.Line);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void CodeBlock_AsWritten_Compiles(string file, int line)
    {
        // Arrange
        var chain = ChainEndingAt(AllSnippets().Where(s => s.File == file).ToList(), line);

        // Act
        var errors = DocSnippets.Compile(chain);

        // Assert
        Assert.True(errors.Count == 0, $"the C# block at {file}:{line} does not compile:\n{string.Join('\n', errors)}");
    }

    [Fact]
    public void Find_ReadmeAndDocs_FindsTheBlocksOfEachFileThatHasThem()
    {
        // Act
        var files = AllSnippets().Select(s => s.File).Distinct().ToList();

        // Assert: the theory above must not pass by finding nothing.
        Assert.Contains("README.md", files);
        Assert.Contains("docs/client.md", files);
        Assert.Contains("docs/continuation-and-notices.md", files);
    }

    [Fact]
    public void Compile_BlockWithAnError_ReportsTheFileTheLineAndTheDiagnostic()
    {
        // Arrange
        var markdown = "Intro\n\n```csharp\nvar ok = 1;\nvar broken = undefinedName;\n```\n";
        var snippet = Assert.Single(DocSnippets.Find("docs/example.md", markdown));

        // Act
        var errors = DocSnippets.Compile([snippet]);

        // Assert
        Assert.Equal("docs/example.md(5,14): error CS0103: The name 'undefinedName' does not exist in the current context", Assert.Single(errors));
    }

    [Fact]
    public void Compile_ContinuingBlock_SeesTheNamesOfTheBlocksBeforeIt()
    {
        // Arrange
        var markdown = "```csharp\nusing System.Text;\nvar text = new StringBuilder(\"a\");\n```\n\n" + DocSnippets.ContinuesMarker + "\n```cs\nConsole.WriteLine(text.Append(Twice(2)));\nstatic int Twice(int n) => n * 2;\nrecord Note(string Text);\n```\n";
        var snippets = DocSnippets.Find("docs/example.md", markdown).ToList();

        // Act
        var continued = DocSnippets.Compile(snippets);
        var alone = DocSnippets.Compile([snippets[1] with { Continues = false }]);

        // Assert
        Assert.True(snippets[1].Continues);
        Assert.Empty(continued);
        Assert.Contains(alone, e => e.StartsWith("docs/example.md(8,19): error CS0103", StringComparison.Ordinal));
    }

    [Fact]
    public void Find_UnknownMarker_IsRefused()
    {
        // Arrange
        var markdown = "<!-- csharp: fragment -->\n```csharp\nvar x = 1;\n```\n";

        // Act
        var ex = Assert.Throws<InvalidDataException>(() => DocSnippets.Find("docs/example.md", markdown).ToList());

        // Assert
        Assert.Contains("unknown marker", ex.Message, StringComparison.Ordinal);
    }

    private static List<DocSnippet> AllSnippets()
    {
        var files = new[] { Path.Combine(RepoRoot, "README.md") }.Concat(Directory.GetFiles(Path.Combine(RepoRoot, "docs"), "*.md").Order(StringComparer.Ordinal));
        return files.SelectMany(path => DocSnippets.Find(Path.GetRelativePath(RepoRoot, path).Replace('\\', '/'), File.ReadAllText(path))).ToList();
    }

    /// <summary>The block at <paramref name="line"/> with the blocks it continues, back to the first that does not continue.</summary>
    private static List<DocSnippet> ChainEndingAt(List<DocSnippet> fileSnippets, int line)
    {
        var index = fileSnippets.FindIndex(s => s.Line == line);
        var start = index;
        while (fileSnippets[start].Continues)
        {
            Assert.True(start > 0, $"the block at {fileSnippets[index].File}:{line} continues, but no C# block comes before it");
            start--;
        }

        return fileSnippets[start..(index + 1)];
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
    }
}
