Console.WriteLine("openrouter-sim: not yet implemented");
