using System.Runtime.InteropServices;
using System.Text;

namespace Modular.KafkaTestBroker;

// Hosts librdkafka's built-in mock cluster so that other processes can reach it over TCP: no Kafka
// broker is installable here (README, Tests). The cluster lives exactly as long as the
// client handle that spawned it, so this process only holds that handle until it is told to stop.
internal static class Program
{
    // Linux's numbers; PosixSignalRegistration takes a raw signal number cast to PosixSignal.
    private const PosixSignal SigUsr1 = (PosixSignal)10, SigUsr2 = (PosixSignal)12;

    private const string Usage =
        "usage: Modular.KafkaTestBroker [--brokers N] [--partitions N] [--topics a,b,c] [--bootstrap-file PATH]";

    private static int Main(string[] args)
    {
        int brokers = 1, partitions = 4;
        string[] topics = [];
        string? bootstrapFile = null;
        try
        {
            for (var i = 0; i < args.Length; i += 2)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
                switch (args[i])
                {
                    case "--brokers": brokers = PositiveInt(value); break;
                    case "--partitions": partitions = PositiveInt(value); break;
                    case "--topics": topics = [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct()]; break;
                    case "--bootstrap-file": bootstrapFile = Path.GetFullPath(value); break;
                    default: throw new ArgumentException($"unknown option {args[i]}");
                }
            }
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"kafka-test-broker: {e.Message}\n{Usage}");
            return 2;
        }

        // Registered before the cluster starts so that a signal during start-up still ends in cleanup.
        using var stop = new ManualResetEventSlim();
        void OnSignal(PosixSignalContext context)
        {
            context.Cancel = true;
            stop.Set();
        }
        using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        // An outage on demand, for fault tests: SIGUSR1 sets every broker down (connections closed, new ones refused),
        // SIGUSR2 up again. The cluster keeps its topics, offsets and groups meanwhile.
        var cluster = IntPtr.Zero;
        void SetBrokers(bool up)
        {
            if (cluster == IntPtr.Zero) return;
            for (var broker = 1; broker <= brokers; broker++)
            {
                var err = up ? Native.MockBrokerSetUp(cluster, broker) : Native.MockBrokerSetDown(cluster, broker);
                Console.Error.WriteLine($"kafka-test-broker: broker {broker} {(up ? "up" : "down")}" +
                    (err == 0 ? "" : $": {Marshal.PtrToStringUTF8(Native.Err2Str(err))}"));
            }
        }
        using var sigusr1 = PosixSignalRegistration.Create(SigUsr1, context => { context.Cancel = true; SetBrokers(up: false); });
        using var sigusr2 = PosixSignalRegistration.Create(SigUsr2, context => { context.Cancel = true; SetBrokers(up: true); });

        var handle = IntPtr.Zero;
        var wroteFile = false;
        try
        {
            handle = StartCluster(brokers);
            cluster = Native.HandleMockCluster(handle);
            if (cluster == IntPtr.Zero)
            {
                throw new InvalidOperationException("librdkafka started no mock cluster");
            }
            // A broker's group.initial.rebalance.delay.ms: how long the first member of an empty group waits for others
            // before it gets its partitions. The mock's is Kafka's default, 3 s, which every fresh consumer group (the
            // gateways' per-replica ones at each start) spent idle; development brokers, docker-compose's too, set 0.
            // 1 ms here, not 0: librdkafka's timers take an interval of 0 for a stopped timer, and the group would
            // never leave Joining (rdkafka_timer.c). It needs one consumer per group in a process (docs/adr/0024): a
            // second member joining a settled group makes the mock wait out the session timeout before it assigns.
            Native.MockGroupInitialRebalanceDelayMs(cluster, 1);
            foreach (var topic in topics)
            {
                // Through the mock API rather than a produce or a metadata request: the topic starts
                // empty and gets the partition count asked for. The mock caps replicas at the broker count.
                var err = Native.MockTopicCreate(cluster, topic, partitions, brokers);
                if (err != 0)
                {
                    throw new InvalidOperationException($"creating topic {topic}: {Marshal.PtrToStringUTF8(Native.Err2Str(err))}");
                }
            }

            var bootstrap = Marshal.PtrToStringUTF8(Native.MockClusterBootstraps(cluster));
            if (bootstrapFile is not null)
            {
                // Readers poll for the file; the rename keeps them from seeing it half written.
                Directory.CreateDirectory(Path.GetDirectoryName(bootstrapFile)!);
                var temp = $"{bootstrapFile}.{Environment.ProcessId}.tmp";
                File.WriteAllText(temp, bootstrap + "\n");
                File.Move(temp, bootstrapFile, overwrite: true);
                wroteFile = true;
            }
            Console.Out.WriteLine($"BOOTSTRAP={bootstrap}");
            Console.Out.Flush();
            Console.Error.WriteLine($"kafka-test-broker: {brokers} broker(s) at {bootstrap}; topics: {string.Join(',', topics)}");

            stop.Wait();
            return 0;
        }
        catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or IOException)
        {
            Console.Error.WriteLine($"kafka-test-broker: {e.Message}");
            return 1;
        }
        finally
        {
            // The file goes first so that nobody picks up an address that is about to die.
            if (wroteFile)
            {
                File.Delete(bootstrapFile!);
            }
            if (handle != IntPtr.Zero)
            {
                Native.Destroy(handle);
            }
        }
    }

    private static IntPtr StartCluster(int brokers)
    {
        var errstr = new byte[512];
        var conf = Native.ConfNew();
        // A producer because it needs no group.id and sits idle; rd_kafka_new owns conf only on success.
        var handle = Native.ConfSet(conf, "test.mock.num.brokers", brokers.ToString(), errstr, (nuint)errstr.Length) == 0
            ? Native.New(0, conf, errstr, (nuint)errstr.Length)
            : IntPtr.Zero;
        if (handle == IntPtr.Zero)
        {
            Native.ConfDestroy(conf);
            throw new InvalidOperationException(Encoding.UTF8.GetString(errstr).TrimEnd('\0'));
        }
        return handle;
    }

    private static int PositiveInt(string value) =>
        int.TryParse(value, out var n) && n > 0 ? n : throw new ArgumentException($"not a positive integer: {value}");
}

// Signatures from librdkafka's rdkafka.h and rdkafka_mock.h.
internal static partial class Native
{
    private const string Library = "librdkafka";

    // The redist's plain linux-x64 build needs libsasl2.so.3, which Debian does not ship; Confluent.Kafka
    // then falls back to the centos8 and alpine builds in this order, so the same is done here to load
    // the very library the application ends up with.
    static Native() => NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, (name, assembly, searchPath) =>
    {
        foreach (var candidate in name == Library ? ["librdkafka", "centos8-librdkafka", "alpine-librdkafka"] : Array.Empty<string>())
        {
            if (NativeLibrary.TryLoad(candidate, assembly, searchPath, out var loaded))
            {
                return loaded;
            }
        }
        return IntPtr.Zero;
    });

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_new")]
    internal static partial IntPtr ConfNew();

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_set", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int ConfSet(IntPtr conf, string name, string value, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Library, EntryPoint = "rd_kafka_conf_destroy")]
    internal static partial void ConfDestroy(IntPtr conf);

    [LibraryImport(Library, EntryPoint = "rd_kafka_new")]
    internal static partial IntPtr New(int type, IntPtr conf, [Out] byte[] errstr, nuint errstrSize);

    [LibraryImport(Library, EntryPoint = "rd_kafka_destroy")]
    internal static partial void Destroy(IntPtr rk);

    [LibraryImport(Library, EntryPoint = "rd_kafka_err2str")]
    internal static partial IntPtr Err2Str(int err);

    [LibraryImport(Library, EntryPoint = "rd_kafka_handle_mock_cluster")]
    internal static partial IntPtr HandleMockCluster(IntPtr rk);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_cluster_bootstraps")]
    internal static partial IntPtr MockClusterBootstraps(IntPtr mcluster);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_down")]
    internal static partial int MockBrokerSetDown(IntPtr mcluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_broker_set_up")]
    internal static partial int MockBrokerSetUp(IntPtr mcluster, int brokerId);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_group_initial_rebalance_delay_ms")]
    internal static partial void MockGroupInitialRebalanceDelayMs(IntPtr mcluster, int delayMs);

    [LibraryImport(Library, EntryPoint = "rd_kafka_mock_topic_create", StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int MockTopicCreate(IntPtr mcluster, string topic, int partitionCnt, int replicationFactor);
}
