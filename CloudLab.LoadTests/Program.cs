CloudLab.LoadTests.Engine.InlineSocketCompletions.Enable();
return await CloudLab.LoadTests.LoadTestCli.RunAsync(args);
