using Microsoft.Extensions.Configuration;
using PromptQueue.Core.Storage;

namespace PromptQueue.Core.Tests.Storage;

public sealed class StorageClientsTests
{
    [Theory]
    [InlineData("UseDevelopmentStorage=true", true)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq==;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;", true)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;QueueEndpoint=http://azurite:10001/devstoreaccount1;", true)]
    [InlineData("DefaultEndpointsProtocol=http;AccountName=mine;AccountKey=a2V5;QueueEndpoint=http://localhost:10001/mine;TableEndpoint=http://[::1]:10002/mine;", true)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=a2V5;EndpointSuffix=core.windows.net", false)]
    [InlineData("DefaultEndpointsProtocol=https;AccountName=contoso;AccountKey=a2V5;QueueEndpoint=https://contoso.queue.core.windows.net/;TableEndpoint=http://127.0.0.1:10002/x", false)]
    public void IsLocalEmulator_ConnectionString_TellsTheEmulatorFromARealAccount(string connectionString, bool expected)
    {
        // Arrange
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = connectionString }).Build();

        // Act
        var local = StorageClients.IsLocalEmulator(configuration, "AzureWebJobsStorage");

        // Assert
        Assert.Equal(expected, local);
    }

    [Theory]
    [InlineData("https://contoso.queue.core.windows.net", "https://contoso.table.core.windows.net", false)]
    [InlineData("http://127.0.0.1:10001/devstoreaccount1", "http://127.0.0.1:10002/devstoreaccount1", true)]
    public void IsLocalEmulator_IdentityBasedConnection_LooksAtTheServiceUris(string queueUri, string tableUri, bool expected)
    {
        // Arrange
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage:queueServiceUri"] = queueUri,
            ["AzureWebJobsStorage:tableServiceUri"] = tableUri,
            ["AzureWebJobsStorage:credential"] = "managedidentity",
        }).Build();

        // Act
        var local = StorageClients.IsLocalEmulator(configuration, "AzureWebJobsStorage");

        // Assert
        Assert.Equal(expected, local);
    }
}
