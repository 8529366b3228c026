using System.Diagnostics;
using Modular.Users;

namespace Modular.Bench;

/// <summary>
/// The most logins per second this machine can do: password verifies of the Users module's own hasher
/// (<see cref="Passwords"/>, whatever its parameters are today), one thread per core, nothing else.
/// </summary>
internal sealed class HashRate
{
    private const string Password = "bench password 1";

    // One instance, as the module registers it (a singleton shared by concurrent handlers).
    private readonly Passwords _passwords = new();
    private readonly User _user = new() { Id = Guid.CreateVersion7(), Email = "hash.rate@bench.test", Name = "Hash Rate" };
    private readonly int _threads;

    public HashRate(int threads)
    {
        _threads = threads;
        _user.PasswordHash = _passwords.Hash(_user, Password);
        if (!_passwords.Verify(_user, Password, out _)) throw new InvalidOperationException("the hasher rejects its own hash");
    }

    public static int Run(Options options)
    {
        var rate = new HashRate(options.Int("threads", Environment.ProcessorCount));
        Json.WriteLine(rate.Measure(TimeSpan.FromSeconds(options.Int("seconds", 5)), options.Optional("topology") ?? "baseline"));
        return 0;
    }

    /// <summary>Verifies on every thread for <paramref name="duration"/>; each thread finishes the verify it is in, and
    /// the time counts until the last one has.</summary>
    public Measurement Measure(TimeSpan duration, string topology)
    {
        var counts = new long[_threads];
        var deadline = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, _threads).Select(i => new Thread(() =>
        {
            long n = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                _passwords.Verify(_user, Password, out _);
                n++;
            }
            counts[i] = n;
        }) { IsBackground = true }).ToArray();
        foreach (var worker in workers) worker.Start();
        foreach (var worker in workers) worker.Join();
        var elapsed = clock.Elapsed.TotalSeconds;

        return new Measurement
        {
            Kind = "hash",
            Topology = topology,
            Row = "hash",
            VerifiesPerS = counts.Sum() / elapsed,
            Requests = counts.Sum(),
            Threads = _threads,
            Seconds = elapsed,
        };
    }
}
