namespace PromptQueue.Simulator.Tests;

public sealed class SimulatorCommandLineTests
{
    [Fact]
    public void TryParse_AllDocumentedOptions_MapsToSimulatorOptions()
    {
        // Arrange
        string[] args =
        [
            "--port", "8123", "--rpm", "16", "--rpd", "1000", "--window", "Sliding", "--time-scale", "60", "--latency-ms", "250",
            "--chunk-delay-ms", "5", "--keep-alive-comments", "17", "--api-key", "sk-or-sim",
            "--upstream-429-rate", "0.1", "--server-error-rate", "0.05", "--midstream-error-rate", "0.02",
            "--hang-rate", "0.01", "--seed", "9",
        ];

        // Act
        var parsed = SimulatorCommandLine.TryParse(args, out var options, out var error);

        // Assert
        Assert.True(parsed, error);
        Assert.Equal(
            new SimulatorOptions
            {
                Port = 8123,
                RequestsPerMinute = 16,
                RequestsPerDay = 1000,
                PerMinuteWindow = PerMinuteWindow.Sliding,
                TimeScale = 60,
                FirstTokenDelay = TimeSpan.FromMilliseconds(250),
                ChunkDelay = TimeSpan.FromMilliseconds(5),
                KeepAliveComments = 17,
                RequiredApiKey = "sk-or-sim",
                Upstream429Rate = 0.1,
                ServerErrorRate = 0.05,
                MidStreamErrorRate = 0.02,
                HangRate = 0.01,
                Seed = 9,
            },
            options);
    }

    [Theory]
    [InlineData("--bogus 1")]
    [InlineData("--rpm many")]
    [InlineData("--rpm")]
    [InlineData("--time-scale 0")]
    [InlineData("--window rolling")]
    [InlineData("--window 1")]
    [InlineData("--hang-rate 1.5")]
    public void TryParse_InvalidArguments_FailsWithMessage(string commandLine)
    {
        // Arrange
        var args = commandLine.Split(' ');

        // Act
        var parsed = SimulatorCommandLine.TryParse(args, out _, out var error);

        // Assert
        Assert.False(parsed);
        Assert.False(string.IsNullOrWhiteSpace(error));
    }

    [Fact]
    public void IsHelpRequest_HelpFlag_IsRecognised()
    {
        // Arrange
        string[] args = ["--rpm", "5", "--help"];

        // Act
        var isHelp = SimulatorCommandLine.IsHelpRequest(args);

        // Assert
        Assert.True(isHelp);
        Assert.Contains("--time-scale", SimulatorCommandLine.Usage, StringComparison.Ordinal);
    }
}
