using System.Diagnostics;
using Confluent.Kafka;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// A Kafka test broker of one test's own (tools/KafkaTestBroker, which scripts/kafka-test-broker.sh builds before the
/// tests run), for tests that need to know exactly which topics exist or that leave a backlog behind: the run's
/// shared broker has whatever topics the tests before created.
/// </summary>
public sealed class PrivateKafkaBroker : IDisposable
{
    private readonly Process _process;
    private readonly string _directory;

    private readonly System.Threading.Channels.Channel<string> _lines = System.Threading.Channels.Channel.CreateUnbounded<string>();

    public string Brokers { get; private set; } = "";

    private PrivateKafkaBroker(Process process, string directory) => (_process, _directory) = (process, directory);

    /// <summary>
    /// Sets the broker down (its connections closed, new ones refused; topics, offsets and groups kept) or up again,
    /// through the launcher's SIGUSR1 / SIGUSR2 (librdkafka's rd_kafka_mock_broker_set_down / _set_up), and waits until
    /// the launcher says it is done.
    /// </summary>
    public async Task SetUpAsync(bool up)
    {
        if (kill(_process.Id, up ? SigUsr2 : SigUsr1) != 0) throw new InvalidOperationException($"kill {_process.Id} failed");
        var said = $"broker 1 {(up ? "up" : "down")}";
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        while (!(await _lines.Reader.ReadAsync(timeout.Token)).Contains(said)) { }
    }

    private const int SigUsr1 = 10, SigUsr2 = 12;

    [System.Runtime.InteropServices.DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    /// <summary>Starts a broker whose only topics are <paramref name="topics"/> (with <paramref name="partitions"/> partitions each).</summary>
    public static async Task<PrivateKafkaBroker> StartAsync(IReadOnlyCollection<string> topics, int partitions = 4)
    {
        var dll = Path.Combine(TestEnvironment.RepositoryRoot(), "tools", "KafkaTestBroker", "bin", "Release", "net10.0",
            "Modular.KafkaTestBroker.dll");
        if (!File.Exists(dll)) throw new InvalidOperationException($"{dll} is missing: scripts/kafka-test-broker.sh builds it (make test runs it)");
        var directory = Directory.CreateTempSubdirectory("modular-broker-").FullName;
        var bootstrapFile = Path.Combine(directory, "bootstrap");
        string[] arguments = [dll, "--bootstrap-file", bootstrapFile, "--partitions", partitions.ToString()];
        if (topics.Count > 0) arguments = [.. arguments, "--topics", string.Join(",", topics)];
        var process = Process.Start(new ProcessStartInfo("dotnet", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
        var broker = new PrivateKafkaBroker(process, directory);
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line) broker._lines.Writer.TryWrite(line);
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        // The launcher writes the file (by a rename) once the cluster listens.
        var listening = await Eventually.ReadAsync(() => process.HasExited
                ? throw new InvalidOperationException($"the test broker exited with {process.ExitCode}")
                : Task.FromResult(File.Exists(bootstrapFile)),
            exists => exists, TimeSpan.FromSeconds(30));
        if (!listening) throw new TimeoutException("the test broker wrote no bootstrap file within 30 s");
        broker.Brokers = (await File.ReadAllTextAsync(bootstrapFile)).Trim();
        return broker;
    }

    /// <summary>The topics that exist, from a request for every topic's metadata (which creates none).</summary>
    public IReadOnlyList<string> Topics()
    {
        using var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = Brokers }).Build();
        return admin.GetMetadata(TimeSpan.FromSeconds(10)).Topics
            .Where(t => t.Error.Code == ErrorCode.NoError && t.Partitions.Count > 0).Select(t => t.Topic).ToList();
    }

    /// <summary>Creates a topic as the test broker allows it (it has no admin API): a metadata request for it.</summary>
    public void CreateTopic(string topic)
    {
        using var producer = new ProducerBuilder<Null, Null>(new ProducerConfig { BootstrapServers = Brokers, AllowAutoCreateTopics = true }).Build();
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        admin.GetMetadata(topic, TimeSpan.FromSeconds(10));
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(10_000);
        }
        _process.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
