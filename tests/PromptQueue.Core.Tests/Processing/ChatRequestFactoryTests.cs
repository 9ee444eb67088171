using Microsoft.Extensions.Options;
using PromptQueue.Contracts;
using PromptQueue.Core.OpenRouter;
using PromptQueue.Core.Processing;

namespace PromptQueue.Core.Tests.Processing;

public sealed class ChatRequestFactoryTests
{
    private const string DefaultModel = "openai/gpt-oss-120b:free";

    private static readonly ChatRequestFactory Requests = new(Options.Create(new OpenRouterOptions { DefaultModel = DefaultModel }));

    [Fact]
    public void Create_OnlyModels_SendsTheFirstAsTheModelAndTheRestAsFallbacks()
    {
        // Arrange: without a model, OpenRouter would try the default first and the budget would meter that.
        var job = new PromptJob { Prompt = "hi", Models = ["mistralai/mistral-7b-instruct", "qwen/qwen3-8b:free", "meta-llama/llama-3.1-8b-instruct"] };

        // Act
        var request = Requests.Create(job);

        // Assert
        Assert.Equal("mistralai/mistral-7b-instruct", request.Model);
        Assert.Equal(["qwen/qwen3-8b:free", "meta-llama/llama-3.1-8b-instruct"], request.Models);
        Assert.Equal("mistralai/mistral-7b-instruct", Requests.ModelFor(job));
        Assert.Equal(["mistralai/mistral-7b-instruct", "qwen/qwen3-8b:free", "meta-llama/llama-3.1-8b-instruct"], request.AllModels);
    }

    [Fact]
    public void Create_OneModelInModels_SendsItAsTheModelWithNoFallbacks()
    {
        // Act
        var request = Requests.Create(new PromptJob { Prompt = "hi", Models = ["qwen/qwen3-8b:free"] });

        // Assert
        Assert.Equal(("qwen/qwen3-8b:free", null), (request.Model, request.Models));
    }

    [Fact]
    public void Create_ModelAndModels_KeepsBothAsGiven()
    {
        // Act
        var request = Requests.Create(new PromptJob { Prompt = "hi", Model = "a/first", Models = ["b/second", "c/third"] });

        // Assert
        Assert.Equal("a/first", request.Model);
        Assert.Equal(["b/second", "c/third"], request.Models);
    }

    [Fact]
    public void Create_NeitherModelNorModels_UsesTheConfiguredDefault()
    {
        // Act
        var request = Requests.Create(new PromptJob { Prompt = "hi" });

        // Assert
        Assert.Equal((DefaultModel, null), (request.Model, request.Models));
    }

    [Fact]
    public void Create_DeprecatedAndShorthandReasoningFields_AreSentAsOpenRouterDocumentsThem()
    {
        // Act
        var excluded = Requests.Create(new PromptJob { Prompt = "hi", IncludeReasoning = false, ReasoningEffort = "low" });
        var included = Requests.Create(new PromptJob { Prompt = "hi", IncludeReasoning = true });
        var json = System.Text.Json.JsonSerializer.Serialize(excluded, OpenRouterJson.Options);

        // Assert
        Assert.Equal(new ReasoningOptions { Effort = "low", Exclude = true }, excluded.Reasoning);
        Assert.Equal(new ReasoningOptions(), included.Reasoning);
        Assert.Contains("\"reasoning\":{\"effort\":\"low\",\"exclude\":true}", json, StringComparison.Ordinal);
        Assert.DoesNotContain("include_reasoning", json, StringComparison.Ordinal);
        Assert.DoesNotContain("reasoning_effort", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_SamplingAndOutputParameters_GoOutUnderOpenRoutersNames()
    {
        // Arrange
        var job = new PromptJob
        {
            Prompt = "hi",
            TopK = 40,
            MinP = 0.05,
            FrequencyPenalty = 0.5,
            PresencePenalty = -0.5,
            RepetitionPenalty = 1.1,
            LogitBias = new Dictionary<string, double> { ["50256"] = -100 },
            Logprobs = true,
            TopLogprobs = 3,
            ParallelToolCalls = false,
            MaxCompletionTokens = 256,
            Reasoning = new ReasoningSettings { Enabled = true, Summary = "concise" },
        };

        // Act
        var json = System.Text.Json.JsonSerializer.Serialize(Requests.Create(job), OpenRouterJson.Options);

        // Assert
        Assert.Contains("\"top_k\":40,\"min_p\":0.05,\"frequency_penalty\":0.5,\"presence_penalty\":-0.5,\"repetition_penalty\":1.1,\"logit_bias\":{\"50256\":-100},\"logprobs\":true,\"top_logprobs\":3,\"parallel_tool_calls\":false,\"max_completion_tokens\":256", json, StringComparison.Ordinal);
        Assert.Contains("\"reasoning\":{\"enabled\":true,\"summary\":\"concise\"}", json, StringComparison.Ordinal);
    }
}
