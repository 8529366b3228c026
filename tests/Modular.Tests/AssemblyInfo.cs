using System.Runtime.CompilerServices;

// The modes' hosts share one PostgreSQL server, one Redis and two CPU cores: collections run one after another.
[assembly: CollectionBehavior(DisableTestParallelization = true)]

namespace Modular.Tests;

internal static class TestProcess
{
    /// <summary>
    /// The test process carries more than any host does: the in-process gateways of both modes' fixtures (each with
    /// Kafka listener loops that hold a pool thread for their lifetime), the SMTP and OTLP test servers, and tests that
    /// block on Kafka's admin client. The pool adds a thread only about every half second while starved, and on a busy
    /// 2-core CI runner a gateway's Redis replies then waited past its 2 s timeout in the pool's queue (a 503 "Redis
    /// cannot be reached" in SplitModeTests, CI of c88e8d9). Ready threads for all of them keep the hosts' request paths
    /// as they are in production, one gateway per process.
    /// </summary>
    [ModuleInitializer]
    internal static void ReadyThreads()
    {
        ThreadPool.GetMinThreads(out var workers, out var completionPorts);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), completionPorts);
    }
}
