using System.Diagnostics;
using Modular.Users;

namespace Modular.Bench;

/// <summary>
/// The most logins per second this machine can do: password verifies of the Users module's own hasher
/// (<see cref="Passwords"/>, whatever its parameters are today), one thread per core, nothing else.
/// </summary>
internal static class HashRate
{
    public static int Run(Options options)
    {
        var seconds = options.Int("seconds", 5);
        var threads = options.Int("threads", Environment.ProcessorCount);

        // One instance, as the module registers it (a singleton shared by concurrent handlers).
        var passwords = new Passwords();
        var user = new User { Id = Guid.CreateVersion7(), Email = "hash.rate@bench.test", Name = "Hash Rate" };
        const string password = "bench password 1";
        user.PasswordHash = passwords.Hash(user, password);
        if (!passwords.Verify(user, password, out _)) throw new InvalidOperationException("the hasher rejects its own hash");

        var counts = new long[threads];
        var deadline = Stopwatch.GetTimestamp() + (long)(seconds * (double)Stopwatch.Frequency);
        var clock = Stopwatch.StartNew();
        var workers = Enumerable.Range(0, threads).Select(i => new Thread(() =>
        {
            long n = 0;
            while (Stopwatch.GetTimestamp() < deadline)
            {
                passwords.Verify(user, password, out _);
                n++;
            }
            counts[i] = n;
        }) { IsBackground = true }).ToArray();
        foreach (var worker in workers) worker.Start();
        foreach (var worker in workers) worker.Join();
        var elapsed = clock.Elapsed.TotalSeconds;

        Json.WriteLine(new Measurement
        {
            Kind = "hash",
            Topology = options.Optional("topology") ?? "baseline",
            Row = "hash",
            VerifiesPerS = counts.Sum() / elapsed,
            Requests = counts.Sum(),
            Threads = threads,
            Seconds = elapsed,
        });
        return 0;
    }
}
