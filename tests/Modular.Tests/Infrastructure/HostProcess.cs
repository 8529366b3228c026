using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// The published host (<see cref="PublishedHost"/>) as a real OS process, with exactly the environment a
/// test gives it: of the test run's own environment it inherits only what runs a program (PATH, HOME, the
/// .NET runtime's variables), so no configuration variable leaks in.
/// </summary>
public sealed class HostProcess : IAsyncDisposable
{
    private static readonly string[] InheritedVariables = ["PATH", "HOME", "TMPDIR", "LANG", "DOTNET_ROOT", "DOTNET_CLI_HOME"];

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _errors = new();

    private HostProcess(Process process) => _process = process;

    public string Output { get { lock (_output) return _output.ToString(); } }
    public string Errors { get { lock (_errors) return _errors.ToString(); } }
    public bool HasExited => _process.HasExited;
    public int Id => _process.Id;
    public int ExitCode => _process.ExitCode;

    /// <summary>The end of what the process wrote (standard output, then error), for the message of a failed assertion.</summary>
    public string LogTail(int characters = 20_000)
    {
        var log = Output + Errors;
        return log.Length <= characters ? log : log[^characters..];
    }

    /// <summary>Where the process's output is also written, for reading after a failed test.</summary>
    public string LogFile { get; private init; } = "";

    public static HostProcess Start(IReadOnlyDictionary<string, string> environment, params string[] arguments) =>
        Start(environment, cgroup: null, arguments);

    /// <summary>
    /// Starts the host inside <paramref name="cgroup"/>: a shell enters each of its cgroups, then execs dotnet, so the
    /// whole life of the process is limited (as scripts/bench.sh does).
    /// </summary>
    public static HostProcess StartInCgroup(IReadOnlyDictionary<string, string> environment, ResourceCgroup cgroup) =>
        Start(environment, cgroup, []);

    private static HostProcess Start(IReadOnlyDictionary<string, string> environment, ResourceCgroup? cgroup, string[] arguments)
    {
        var dll = Path.Combine(PublishedHost.Directory, "Modular.Host.dll");
        var info = cgroup is null
            ? new ProcessStartInfo("dotnet", [dll, .. arguments])
            : new ProcessStartInfo("bash", ["-c", "for g in $0; do echo $$ >\"$g/cgroup.procs\"; done && exec dotnet \"$@\"",
                string.Join(' ', cgroup.Paths), dll, .. arguments]);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        info.WorkingDirectory = PublishedHost.Directory;
        info.Environment.Clear();
        foreach (var name in InheritedVariables)
            if (Environment.GetEnvironmentVariable(name) is { } value) info.Environment[name] = value;
        foreach (var (name, value) in PublishedHost.RuntimeVariables) info.Environment[name] = value;
        foreach (var (name, value) in environment) info.Environment[name] = value;

        var role = environment.TryGetValue("MODULES", out var modules) ? modules.Replace(',', '+') : "all";
        var logFile = Path.Combine(AppContext.BaseDirectory, "logs", $"{role}-{DateTime.UtcNow:HHmmss.fff}.log");
        Directory.CreateDirectory(Path.GetDirectoryName(logFile)!);
        var host = new HostProcess(new Process { StartInfo = info, EnableRaisingEvents = true }) { LogFile = logFile };
        host._process.OutputDataReceived += (_, e) => host.Append(host._output, e.Data);
        host._process.ErrorDataReceived += (_, e) => host.Append(host._errors, e.Data);
        host._process.Start();
        host._process.BeginOutputReadLine();
        host._process.BeginErrorReadLine();
        return host;
    }

    private void Append(StringBuilder buffer, string? line)
    {
        if (line is null) return;
        lock (buffer)
        {
            buffer.AppendLine(line);
            File.AppendAllText(LogFile, line + Environment.NewLine);
        }
        Interlocked.Exchange(ref _newOutput, NewSignal()).TrySetResult();
    }

    private TaskCompletionSource _newOutput = NewSignal();

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Waits until the process has written <paramref name="text"/>, woken by each line it writes.</summary>
    public async Task WaitForOutputAsync(string text, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var next = _newOutput.Task;
            if (Output.Contains(text) || Errors.Contains(text)) return;
            try
            {
                await next.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the process did not write '{text}':\n{Output}\n{Errors}");
            }
        }
    }

    /// <summary>Waits until the process has written one line that contains every one of <paramref name="parts"/>.</summary>
    public async Task<string> WaitForLineAsync(TimeSpan timeout, params string[] parts)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var next = _newOutput.Task;
            if (Output.Split('\n').FirstOrDefault(line => parts.All(line.Contains)) is { } found) return found;
            try
            {
                await next.WaitAsync(cts.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"the process wrote no line with {string.Join(" and ", parts)}:\n{Output}\n{Errors}");
            }
        }
    }

    /// <summary>Waits for the process to end by itself (start-up refusals do, within seconds).</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cts.Token);
        _process.WaitForExit(); // flushes the redirected streams
        return _process.ExitCode;
    }

    /// <summary>Polls <paramref name="url"/> until it answers 200: the readiness check of a process we do not control.</summary>
    public async Task WaitUntilHealthyAsync(string url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var healthy = await Eventually.ReadAsync(async () =>
        {
            if (HasExited) throw new InvalidOperationException($"the host exited with {ExitCode}:\n{Output}\n{Errors}");
            try
            {
                return (await http.GetAsync(url)).IsSuccessStatusCode;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return false; // not listening yet, or not answering within 2 s
            }
        }, ok => ok, timeout, TimeSpan.FromMilliseconds(200));
        if (!healthy) throw new TimeoutException($"{url} did not answer 200 within {timeout}:\n{Output}\n{Errors}");
    }

    /// <summary>
    /// Starts the published host with <paramref name="settings"/> on a free port and waits until it is ready;
    /// returns it with its base URL.
    /// </summary>
    public static async Task<(HostProcess Host, string Url)> StartReadyAsync(Dictionary<string, string> settings)
    {
        settings["PORT"] = TestEnvironment.FreeTcpPort().ToString();
        var url = $"http://127.0.0.1:{settings["PORT"]}";
        var host = Start(settings);
        await host.WaitUntilHealthyAsync($"{url}/health/ready", TimeSpan.FromSeconds(120));
        return (host, url);
    }

    /// <summary>A login for an unknown account goes to user-service and back: 401 means requests flow.</summary>
    public static async Task WaitUntilRequestsFlowAsync(HttpClient gateway)
    {
        var status = await Eventually.ReadAsync(async () => (int)(await gateway.PostAsJsonAsync("/api/v1/auth/login",
            new { email = "nobody@warm.up", password = "not a password" })).StatusCode, status => status == 401, TimeSpan.FromSeconds(90));
        if (status != 401) throw new TimeoutException($"requests do not flow through Kafka: the login still answers {status}");
    }

    /// <summary>Sends SIGTERM, as Docker and Kubernetes stop a container, and waits for the process to exit.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        if (kill(_process.Id, SigTerm) != 0) throw new InvalidOperationException($"kill -TERM {_process.Id} failed");
        return await WaitForExitAsync(timeout);
    }

    /// <summary>Freezes (SIGSTOP) or thaws (SIGCONT) the process: a service that is up but does not answer.</summary>
    public void Suspend(bool suspended) => kill(_process.Id, suspended ? SigStop : SigCont);

    private const int SigTerm = 15, SigStop = 19, SigCont = 18;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Kills the process (SIGKILL): no graceful shutdown, as a crash would end it.</summary>
    public async Task KillAsync()
    {
        if (_process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>
    /// Stops the process as a container runtime would, SIGTERM first, so that its Kafka consumers leave their
    /// groups at once instead of holding partitions until their session times out; SIGKILL if it lingers.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            Suspend(false);
            try
            {
                await TerminateAsync(TimeSpan.FromSeconds(10));
            }
            catch (OperationCanceledException)
            {
                await KillAsync();
            }
        }
        _process.Dispose();
    }
}
