using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Modular.Tests.Infrastructure;

/// <summary>
/// The errors with an exception that the web server and its middleware (categories <c>Microsoft.AspNetCore.*</c>)
/// log: an exception no handler turned into an answer. Since .NET 10 an exception that the problem-details
/// handler answers is not logged as one, so an entry here is a request that broke something. Shared by every
/// host a mode starts; a test compares <see cref="Count"/> before and after.
/// </summary>
public sealed class RequestExceptionLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _entries = new();

    public int Count => _entries.Count;

    public IReadOnlyList<string> Since(int count) => _entries.Skip(count).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
        // Each host disposes its providers when it stops; this one outlives them.
    }

    private sealed class Logger(RequestExceptionLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error && category.StartsWith("Microsoft.AspNetCore");

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel) && exception is not null)
                log._entries.Enqueue($"{category}: {formatter(state, exception)} ({exception.GetType().Name}: {exception.Message})");
        }
    }
}
