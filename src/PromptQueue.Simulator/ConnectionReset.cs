namespace PromptQueue.Simulator;

/// <summary>Ways to drop the client's connection in the middle of a response, as a failing proxy or network would.</summary>
internal static class ConnectionReset
{
    /// <summary>
    /// Ends a started response without its closing chunk: the client reads every byte sent so far, then hits a
    /// premature end of the response. Done by failing the request, because Kestrel then closes the connection
    /// gracefully after flushing what was written instead of finishing the chunked body.
    /// </summary>
    /// <remarks>
    /// <see cref="HttpContext.Abort"/> is not used here: it resets the socket straight away, and on Linux the client
    /// then often loses the partial stream before reading it, which would make "content, then reset" untestable.
    /// </remarks>
    public static Exception TruncateStartedResponse() => new SimulatedDisconnectException();

    /// <summary>A hard reset that may discard data still in flight; see the <c>abort</c> directive.</summary>
    public static void Abort(HttpContext context) => context.Abort();

    /// <summary>Thrown on purpose to make Kestrel cut the response short; never a bug in the simulator.</summary>
    private sealed class SimulatedDisconnectException() : Exception("Simulated connection drop (sim:reset).");
}
