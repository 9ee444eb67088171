namespace PromptQueue.Infra.Tests;

/// <summary>Compiles infra/main.bicep once for all tests of a class.</summary>
public sealed class MainTemplateFixture : IAsyncLifetime
{
    private CompiledTemplate? _template;

    public CompiledTemplate Template =>
        _template ?? throw new InvalidOperationException("infra/main.bicep was not compiled.");

    public async Task InitializeAsync()
    {
        var (json, diagnostics) = await BicepCli.BuildAsync("infra/main.bicep");
        _template = new CompiledTemplate(json, diagnostics);
    }

    public Task DisposeAsync() => Task.CompletedTask;
}
