using PromptQueue.Cli.Local;

namespace PromptQueue.IntegrationTests.Infrastructure;

/// <summary>One in-memory Azurite for the whole test run, on free ports, started from the repository's node_modules.</summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private AzuriteProcess? _azurite;

    public string ConnectionString => (_azurite ?? throw new InvalidOperationException("Azurite has not started.")).ConnectionString;

    public async Task InitializeAsync()
    {
        try
        {
            _azurite = await AzuriteProcess.StartAsync(dataDirectory: null, blobPort: 0, queuePort: 0, tablePort: 0, CancellationToken.None);
        }
        catch (AzuriteUnavailableException ex)
        {
            // Never skip: a suite that silently skips storage tests proves nothing.
            throw new InvalidOperationException($"The integration tests need Azurite and could not start it. {ex.Message}", ex);
        }
    }

    public async Task DisposeAsync()
    {
        if (_azurite is not null)
        {
            await _azurite.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class AzuriteTests : ICollectionFixture<AzuriteFixture>
{
    public const string Name = "Azurite";
}
