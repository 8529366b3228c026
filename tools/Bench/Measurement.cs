namespace Modular.Bench;

/// <summary>
/// One measured figure, as a JSON line: <c>kind</c> says which fields it carries (wrk, hash, mail, cold,
/// memory, burst, skip, machine). The shell script writes the wrk, cold-start and memory lines itself.
/// </summary>
internal sealed record Measurement
{
    public required string Kind { get; init; }
    public string? Topology { get; init; }
    public string? Row { get; init; }
    public string? Role { get; init; }

    // wrk
    public double? Rps { get; init; }
    public double? P50Ms { get; init; }
    public double? P99Ms { get; init; }
    public long? Requests { get; init; }
    public long? Errors { get; init; }
    public double? Seconds { get; init; }

    // hash
    public double? VerifiesPerS { get; init; }
    public int? Threads { get; init; }

    // hash, login: the place in the alternation of `login-rate`
    public int? Round { get; init; }

    // mail, burst
    public int? Count { get; init; }
    public int? Received { get; init; }
    public int? Ok { get; init; }
    public int? Failed { get; init; }

    // cold start: whether the process ran under its cgroup limits
    public bool? Limited { get; init; }

    // memory
    public long? PeakBytes { get; init; }
    public long? RssPeakBytes { get; init; }
    public long? LimitBytes { get; init; }
    public int? CpuMillis { get; init; }
    public long? Failcnt { get; init; }
    public long? OomKills { get; init; }
    public bool? Alive { get; init; }

    // skip, machine
    public string? Reason { get; init; }
    public string? Cpu { get; init; }
    public int? Cores { get; init; }
    public long? MemoryBytes { get; init; }
    public string? Date { get; init; }
    public string? Commit { get; init; }
}
