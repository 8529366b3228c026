using System.Text;

namespace Modular.BuildingBlocks.Observability;

/// <summary>
/// Log lines reach stdout in blocks rather than one write per line. The console logger writes and flushes
/// every line, and with one access-log line per request that write system call was a tenth of the CPU of
/// an authenticated request (docs/performance.md). Lines wait at most <see cref="FlushInterval"/>; a clean
/// stop flushes what is left; a kill -9 can lose the lines of that last instant.
/// </summary>
public static class BufferedStdout
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromMilliseconds(100);

    private static int _installed;
    private static Timer? _timer;

    /// <summary>Once per process, and only when stdout is a pipe or a file (a terminal keeps its line-by-line output).</summary>
    public static void Install()
    {
        if (!Console.IsOutputRedirected || Interlocked.Exchange(ref _installed, 1) == 1) return;
        var writer = new StreamWriter(Console.OpenStandardOutput(), new UTF8Encoding(false), 64 * 1024) { AutoFlush = false };
        Console.SetOut(writer); // wrapped in a synchronized writer: the timer's flush and the logger's writes take turns
        var output = Console.Out;
        _timer = new Timer(_ => Flush(output), null, FlushInterval, FlushInterval);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Flush(output);
    }

    private static void Flush(TextWriter output)
    {
        try
        {
            output.Flush();
        }
        catch (IOException)
        {
            // stdout closed (the reader went away): nothing left to write to
        }
    }
}
