using System.Diagnostics;
using System.Net;

namespace PromptQueue.Simulator.Tests;

public sealed class StandaloneProcessTests
{
    [Fact]
    public async Task OpenRouterSim_StartedAsProcess_PrintsBaseUrlAndServesChat()
    {
        // Arrange
        var simulatorDll = Path.Combine(AppContext.BaseDirectory, "openrouter-sim.dll");
        var start = new ProcessStartInfo("dotnet", ["exec", simulatorDll, "--port", "0", "--rpm", "1"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        try
        {
            // Act
            var firstLine = await process.StandardOutput.ReadLineAsync(timeout.Token);
            using var client = new HttpClient { BaseAddress = new Uri(firstLine!) };
            using var admitted = await ChatCalls.PostAsync(client, ChatCalls.Body("hi", stream: true), timeout.Token);
            using var limited = await ChatCalls.PostAsync(client, ChatCalls.Body("hi", stream: true), timeout.Token);

            // Assert
            Assert.Matches("^http://127\\.0\\.0\\.1:[0-9]+/api/v1/$", firstLine);
            Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
            Assert.Equal(HttpStatusCode.TooManyRequests, limited.StatusCode);
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync(CancellationToken.None);
        }
    }
}
