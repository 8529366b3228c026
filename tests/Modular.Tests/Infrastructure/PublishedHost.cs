using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// The host as the image carries it: published by scripts/publish.sh (Release, Wolverine's handler code
/// pre-generated), once per test run. Every test that starts a host as an OS process starts this one, so
/// they all run the artefact that ships (but for its ReadyToRun code, below), in Production unless they say otherwise.
/// </summary>
public static class PublishedHost
{
    private static readonly Lazy<string> Published = new(Publish, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>
    /// The .NET runtime's settings the image sets (<c>DOTNET_*</c> in docker/Dockerfile's <c>ENV</c>, the GC's gen0
    /// budget): every host process of the tests runs with them, as in the deployments.
    /// </summary>
    public static readonly IReadOnlyDictionary<string, string> RuntimeVariables = Regex
        .Matches(File.ReadAllText(Path.Combine(TestEnvironment.RepositoryRoot(), "docker", "Dockerfile")), @"\b(DOTNET_\w+)=(\S+)")
        .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

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
            // Without ReadyToRun's native code: the same assemblies and behaviour, each start ~0.5 s slower in the JIT,
            // and the publish 90 s faster, which the ~70 starts of a test run do not cost back. Cold start is the
            // benchmark's to measure (make bench publishes with it).
            Environment = { ["READY_TO_RUN"] = "false" },
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
