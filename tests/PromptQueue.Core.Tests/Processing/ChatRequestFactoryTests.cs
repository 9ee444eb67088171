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
}
