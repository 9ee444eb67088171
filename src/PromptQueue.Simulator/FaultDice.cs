namespace PromptQueue.Simulator;

/// <summary>A fault drawn at random for one admitted call.</summary>
internal enum RandomFault
{
    None,
    Upstream429,
    BadGateway,
    ServiceUnavailable,
    MidStreamError,
    Hang,
}

/// <summary>Draws faults at the configured rates from a seeded generator, so a run with the same traffic repeats exactly.</summary>
internal sealed class FaultDice(SimulatorOptions options)
{
    private readonly Lock _gate = new();
    private readonly Random _random = new(options.Seed);

    public RandomFault Roll()
    {
        double roll;
        bool pickBadGateway;
        lock (_gate)
        {
            // Always draw both numbers so one call's outcome never shifts the sequence seen by later calls.
            roll = _random.NextDouble();
            pickBadGateway = _random.Next(2) == 0;
        }

        return Classify(roll, pickBadGateway);
    }

    private RandomFault Classify(double roll, bool pickBadGateway)
    {
        var threshold = options.Upstream429Rate;
        if (roll < threshold)
        {
            return RandomFault.Upstream429;
        }

        threshold += options.ServerErrorRate;
        if (roll < threshold)
        {
            return pickBadGateway ? RandomFault.BadGateway : RandomFault.ServiceUnavailable;
        }

        threshold += options.MidStreamErrorRate;
        if (roll < threshold)
        {
            return RandomFault.MidStreamError;
        }

        threshold += options.HangRate;
        return roll < threshold ? RandomFault.Hang : RandomFault.None;
    }
}
