using System.Diagnostics;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// The host as the image carries it: published by scripts/publish.sh (Release, Wolverine's handler code
/// pre-generated), once per test run. Every test that starts a host as an OS process starts this one, so
/// they all run the artefact that ships, in Production unless they say otherwise.
/// </summary>
public static class PublishedHost
{
    private static readonly Lazy<string> Published = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>The folder that holds Modular.Host.dll; published on first use.</summary>
    public static string Directory => Published.Value;

    private static string Publish()
    {
        var output = Path.Combine(AppContext.BaseDirectory, "published");
        var info = new ProcessStartInfo("bash", ["scripts/publish.sh", output])
        {
            WorkingDirectory = TestEnvironment.RepositoryRoot(),
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(info)!;
        var errors = process.StandardError.ReadToEndAsync();
        var standardOutput = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("scripts/publish.sh did not finish within 5 minutes");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"scripts/publish.sh failed ({process.ExitCode}):\n{standardOutput.Result}\n{errors.Result}");
        return output;
    }
}
