namespace Modular.Tests.Infrastructure;

/// <summary>
/// A process's resource limits as Kubernetes sets them, on the cgroup v1 hierarchies these machines have (writable as
/// root): a memory cgroup with a hard limit and no swap beyond it, and, when asked, a CPU cgroup with a CFS quota
/// (<c>500m</c> = 50 ms of CPU every 100 ms). <see cref="HostProcess.StartInCgroup"/> starts a host inside it.
/// </summary>
public sealed class ResourceCgroup : IDisposable
{
    /// <summary>The cgroup directories to enter, one per hierarchy.</summary>
    public IReadOnlyList<string> Paths { get; }

    private string MemoryPath => Paths[0];

    private ResourceCgroup(IReadOnlyList<string> paths) => Paths = paths;

    public static ResourceCgroup Create(string name, long memoryBytes, int? cpuMillis = null)
    {
        // CI runs as root with cgroup v1, as scripts/bench.sh needs too: without it a limit proves nothing, so this fails.
        var memory = Create("memory", name, path =>
        {
            File.WriteAllText(Path.Combine(path, "memory.limit_in_bytes"), memoryBytes.ToString());
            var swap = Path.Combine(path, "memory.memsw.limit_in_bytes");
            if (File.Exists(swap)) File.WriteAllText(swap, memoryBytes.ToString());
        });
        if (cpuMillis is not { } millis) return new ResourceCgroup([memory]);
        var cpu = Create("cpu", name, path =>
        {
            File.WriteAllText(Path.Combine(path, "cpu.cfs_period_us"), "100000");
            File.WriteAllText(Path.Combine(path, "cpu.cfs_quota_us"), (millis * 100).ToString());
        });
        return new ResourceCgroup([memory, cpu]);
    }

    private static string Create(string controller, string name, Action<string> limit)
    {
        var own = File.ReadAllLines("/proc/self/cgroup").Select(l => l.Split(':', 3))
            .SingleOrDefault(p => p[1].Split(',').Contains(controller))?[2]
            ?? throw new InvalidOperationException($"no cgroup v1 {controller} hierarchy (/proc/self/cgroup): this needs one, as root");
        var path = $"/sys/fs/cgroup/{controller}{own.TrimEnd('/')}/modular-test-{name}-{Environment.ProcessId}";
        try
        {
            if (Directory.Exists(path)) Directory.Delete(path);
            Directory.CreateDirectory(path);
            limit(path);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InvalidOperationException($"cannot create the cgroup {path} (this needs root and cgroup v1): {e.Message}", e);
        }
        return path;
    }

    /// <summary>How often the kernel's OOM killer ended a process of this cgroup (memory.oom_control).</summary>
    public int OomKills => File.ReadAllLines(Path.Combine(MemoryPath, "memory.oom_control"))
        .Select(l => l.Split(' ')).Where(p => p[0] == "oom_kill").Select(p => int.Parse(p[1])).SingleOrDefault();

    public long FailCount => long.Parse(File.ReadAllText(Path.Combine(MemoryPath, "memory.failcnt")).Trim());

    public long PeakBytes => long.Parse(File.ReadAllText(Path.Combine(MemoryPath, "memory.max_usage_in_bytes")).Trim());

    public void Dispose()
    {
        // Empty once its processes have exited (dispose the HostProcess first).
        foreach (var path in Paths)
            for (var attempt = 0; attempt < 50 && Directory.Exists(path); attempt++)
            {
                try
                {
                    Directory.Delete(path);
                }
                catch (IOException)
                {
                    Thread.Sleep(100);
                }
            }
    }
}
