return await CloudLab.LoadTests.LoadTestCli.RunAsync(args);
