namespace PromptQueue.Core.Tests.OpenRouter;

/// <summary>Responses in the shapes OpenRouter really sends (see shared/reference/openrouter.md).</summary>
internal static class OpenRouterSamples
{
    public const string GenerationId = "gen-1768301234-Xy7AbCdEfGhIjKlMnOpQ";

    /// <summary>
    /// A gpt-oss-120b:free stream: keep-alive comments while queued, reasoning in both reasoning and reasoning_details,
    /// the finish chunk, then usage in a separate chunk whose delta is {"role":"assistant","content":""}.
    /// </summary>
    public const string SuccessfulStream = """
        : OPENROUTER PROCESSING

        : OPENROUTER PROCESSING

        : OPENROUTER PROCESSING

        data: {"id":"gen-1768301234-Xy7AbCdEfGhIjKlMnOpQ","provider":"OpenInference","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1768301234,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":"The user asks","reasoning_details":[{"type":"reasoning.text","text":"The user asks","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

        data: {"id":"gen-1768301234-Xy7AbCdEfGhIjKlMnOpQ","provider":"OpenInference","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1768301234,"choices":[{"index":0,"delta":{"role":"assistant","content":"","reasoning":" for 2+2.","reasoning_details":[{"type":"reasoning.text","text":" for 2+2.","format":"unknown","index":0}]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

        : OPENROUTER PROCESSING

        data: {"id":"gen-1768301234-Xy7AbCdEfGhIjKlMnOpQ","provider":"OpenInference","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1768301234,"choices":[{"index":0,"delta":{"role":"assistant","content":"2 + 2","reasoning":null,"reasoning_details":[]},"finish_reason":null,"native_finish_reason":null,"logprobs":null}]}

        data: {"id":"gen-1768301234-Xy7AbCdEfGhIjKlMnOpQ","provider":"OpenInference","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1768301234,"choices":[{"index":0,"delta":{"role":"assistant","content":" = 4."},"finish_reason":"stop","native_finish_reason":"stop","logprobs":null}]}

        data: {"id":"gen-1768301234-Xy7AbCdEfGhIjKlMnOpQ","provider":"OpenInference","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1768301234,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}],"usage":{"prompt_tokens":72,"completion_tokens":41,"total_tokens":113,"cost":0,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"audio_tokens":0},"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":0,"upstream_inference_completions_cost":0},"completion_tokens_details":{"reasoning_tokens":28,"image_tokens":0}}}

        data: [DONE]


        """;

    /// <summary>The documented mid-stream error: a chunk with a top-level error and finish_reason "error".</summary>
    public const string MidStreamErrorChunk =
        """{"id":"gen-abc123","object":"chat.completion.chunk","created":1234567890,"model":"openai/gpt-4o","provider":"OpenAI","error":{"code":429,"message":"Rate limit exceeded","metadata":{"error_type":"rate_limit_exceeded"}},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}""";

    /// <summary>The streaming docs' variant, with a string code.</summary>
    public const string MidStreamErrorChunkWithStringCode =
        """{"id":"cmpl-abc123","object":"chat.completion.chunk","created":1234567890,"model":"openai/gpt-3.5-turbo","provider":"OpenAI","error":{"code":"server_error","message":"Provider disconnected unexpectedly"},"choices":[{"index":0,"delta":{"content":""},"finish_reason":"error"}]}""";

    /// <summary>A recorded variant: the error arrives with finish_reason null and the usage block in the same chunk.</summary>
    public const string TokenLimitErrorChunk =
        """{"id":"gen-1761600000-TkLmNoPqRsTuVwXyZa01","provider":"Anthropic","model":"anthropic/claude-sonnet-4","object":"chat.completion.chunk","created":1761600000,"choices":[{"index":0,"delta":{"role":"assistant","content":""},"finish_reason":null,"native_finish_reason":null,"logprobs":null}],"error":{"code":400,"message":"Token limit reached"},"usage":{"prompt_tokens":1200,"completion_tokens":4096,"total_tokens":5296}}""";

    public const string PerMinuteRateLimit =
        """{"error":{"message":"Rate limit exceeded: free-models-per-min. ","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"16","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1774047180000"},"provider_name":null}},"user_id":"user_2uJbXgQwErTyUiOpAsDfGhJkL"}""";

    /// <summary>The reset is 2026-03-22T00:00:00Z, the UTC midnight after the per-minute sample.</summary>
    public const string PerDayRateLimit =
        """{"error":{"message":"Rate limit exceeded: free-models-per-day. Add 10 credits to unlock 1000 free model requests per day","code":429,"metadata":{"headers":{"X-RateLimit-Limit":"50","X-RateLimit-Remaining":"0","X-RateLimit-Reset":"1774137600000"},"provider_name":null}},"user_id":"user_2uJbXgQwErTyUiOpAsDfGhJkL"}""";

    public const string DocumentedRateLimit =
        """{"error":{"code":429,"message":"Rate limit exceeded","metadata":{"error_type":"rate_limit_exceeded"}}}""";

    public const string UpstreamRateLimit =
        """{"error":{"message":"Provider returned error","code":429,"metadata":{"raw":"openai/gpt-oss-120b:free is temporarily rate-limited upstream. Please retry shortly, or add your own key to accumulate your rate limits: https://openrouter.ai/settings/integrations","provider_name":"OpenInference","is_byok":false}},"user_id":"user_2uJbXgQwErTyUiOpAsDfGhJkL"}""";

    public const string CapacityExhausted =
        """{"error":{"code":429,"message":"All providers for openai/gpt-oss-120b:free are at capacity","error_type":"rate_limit_exceeded","http_status":429,"availability":{"code":"capacity_exhausted","retryable":true,"retry_after":30,"requested_models":["openai/gpt-oss-120b:free"],"affected_providers":["OpenInference"],"fallback_models":["openai/gpt-oss-120b"]},"metadata":{"previous_errors":[{"provider":"OpenInference","code":"rate_limited","status":429}]}}}""";

    public const string TemporarilyUnavailable =
        """{"error":{"code":503,"message":"openai/gpt-oss-120b:free is temporarily unavailable","error_type":"provider_overloaded","http_status":503,"availability":{"code":"temporarily_unavailable","retryable":true,"retry_after":12,"requested_models":["openai/gpt-oss-120b:free"],"affected_providers":["OpenInference"]}}}""";

    public const string FreeVariantEnded =
        """{"error":{"code":404,"message":"The free variant of openai/gpt-oss-120b has ended","error_type":"not_found","http_status":404,"availability":{"code":"free_variant_ended","retryable":false,"requested_models":["openai/gpt-oss-120b:free"],"fallback_models":["openai/gpt-oss-120b"]}}}""";

    public const string NoEndpointsFound =
        """{"error":{"message":"No endpoints found for stepfun/step-3.5-flash:free.","code":404},"user_id":"user_2uJbXgQwErTyUiOpAsDfGhJkL"}""";

    public const string MissingAuthentication = """{"error":{"code":401,"message":"Missing Authentication header"}}""";

    public const string InsufficientCredits =
        """{"error":{"message":"This request requires more credits, or fewer max_tokens. You requested up to 64000 tokens, but can only afford 2666. To increase, visit https://openrouter.ai/settings/credits and upgrade to a paid account","code":402,"metadata":{"provider_name":null}},"user_id":"user_2uJbXgQwErTyUiOpAsDfGhJkL"}""";

    public const string UpstreamSpendLimit =
        """{"error":{"message":"Provider returned error","code":402,"metadata":{"raw":"{\"error\":\"API key USD spend limit exceeded. Your account may still have USD balance, but this API key has reached its configured USD spending limit.\"}","provider_name":"Venice","is_byok":false}}}""";

    public const string ModerationBlock =
        """{"error":{"code":403,"message":"openai/gpt-oss-120b requires moderation on OpenInference. Your input was flagged for \"harassment\". No credits were charged.","metadata":{"reasons":["harassment"],"flagged_input":"You are a...idiot","provider_name":"OpenInference","model_slug":"openai/gpt-oss-120b"}}}""";

    public const string ContextLengthExceeded =
        """{"error":{"code":400,"message":"This endpoint's maximum context length is 131072 tokens. However, you requested about 140512 tokens (140000 of text input, 512 in the output). Please reduce the length of either one.","metadata":{"error_type":"context_length_exceeded","provider_name":null}}}""";

    public const string InternalServerError = """{"error":{"code":500,"message":"Internal Server Error","metadata":{"error_type":"server"}}}""";

    public const string EdgeTimeout = """{"error":{"code":524,"message":"Request timed out. Please try again later."}}""";

    public const string CloudflareBadGateway =
        "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n</body>\r\n</html>\r\n";

    /// <summary>A bare error body with HTTP 200, as the AI-SDK provider guards against.</summary>
    public const string BareErrorWith200 = """{"error":{"code":502,"message":"Upstream error from OpenInference: Connection reset","metadata":{"provider_name":"OpenInference"}},"user_id":"user_2uJbXgQwErTyUiOpAsDfGhJkL"}""";

    /// <summary>A non-streaming chat.completion, as a provider that ignored stream would send it.</summary>
    public const string NonStreamingCompletion =
        """{"id":"gen-1761603589-2zW4FJLny121WIZ4fOS4","provider":"BaseTen","model":"z-ai/glm-4.6","object":"chat.completion","created":1761603589,"choices":[{"logprobs":null,"finish_reason":"stop","native_finish_reason":"stop","index":0,"message":{"role":"assistant","content":"Paris.","refusal":null,"reasoning":"The capital of France is Paris.","reasoning_details":[{"type":"reasoning.text","text":"The capital of France is Paris.","format":"unknown","index":0}]}}],"usage":{"prompt_tokens":17,"completion_tokens":2177,"total_tokens":2194,"cost":0.00435825,"is_byok":false,"prompt_tokens_details":{"cached_tokens":0,"cache_write_tokens":0,"audio_tokens":0,"video_tokens":0},"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":4.25e-06,"upstream_inference_completions_cost":0.004354},"completion_tokens_details":{"reasoning_tokens":960,"image_tokens":0,"audio_tokens":0}}}""";

    /// <summary>The documented non-streaming error: partial content with the error inside the choice.</summary>
    public const string NonStreamingProviderError =
        """{"choices":[{"message":{"role":"assistant","content":"partial output..."},"finish_reason":"error","error":{"code":502,"message":"Provider disconnected mid-stream","metadata":{"error_type":"provider_unavailable"}}}]}""";

    /// <summary>Wraps JSON payloads as SSE data events, ending with [DONE].</summary>
    public static string Stream(params string[] chunks) =>
        string.Concat(chunks.Select(chunk => $"data: {chunk}\n\n")) + "data: [DONE]\n\n";

    /// <summary>A chunk in OpenRouter's envelope around the given delta JSON.</summary>
    public static string Chunk(string delta, string finishReason = "null", string? usage = null) =>
        $$"""{"id":"{{GenerationId}}","provider":"OpenInference","model":"openai/gpt-oss-120b:free","object":"chat.completion.chunk","created":1768301234,"choices":[{"index":0,"delta":{{delta}},"finish_reason":{{finishReason}},"native_finish_reason":{{finishReason}},"logprobs":null}]{{(usage is null ? "" : $",\"usage\":{usage}")}}}""";
}
