Console.WriteLine("promptq: not yet implemented");
