using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Modular.BuildingBlocks.Observability;

/// <summary>
/// The console logger's lines, formatted by the console logger's own formatters (the JSON lines of Production,
/// the simple ones of Development, as appsettings choose), written by the thread that logs straight into the
/// buffered stdout (<see cref="BufferedStdout"/>). The framework's console logger hands every line to a queue
/// with a lock and wakes its writer thread for each one: with one access-log line per request that hand-over
/// was the largest cost of an authenticated request after the request itself (docs/performance.md).
/// </summary>
[ProviderAlias("Console")] // the Logging:Console settings (formatter, its options, levels) apply as before
public sealed class InlineConsoleLoggerProvider(IOptionsMonitor<ConsoleLoggerOptions> options, IEnumerable<ConsoleFormatter> formatters)
    : ILoggerProvider, ISupportExternalScope
{
    private readonly Dictionary<string, ConsoleFormatter> _formatters = formatters.ToDictionary(f => f.Name, StringComparer.OrdinalIgnoreCase);
    private IExternalScopeProvider _scopes = new LoggerExternalScopeProvider();

    /// <summary>Takes the console logger's place; its formatters and options stay registered and configured.</summary>
    public static void ReplaceConsoleLogger(ILoggingBuilder logging)
    {
        logging.AddConsole();
        var console = logging.Services.Where(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider)).ToList();
        foreach (var descriptor in console) logging.Services.Remove(descriptor);
        logging.Services.TryAddEnumerable(ServiceDescriptor.Singleton<ILoggerProvider, InlineConsoleLoggerProvider>());
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;

    public void Dispose() => Console.Out.Flush();

    private ConsoleFormatter Formatter() =>
        _formatters.GetValueOrDefault(options.CurrentValue.FormatterName ?? ConsoleFormatterNames.Simple)
        ?? _formatters[ConsoleFormatterNames.Simple];

    private sealed class Logger(InlineConsoleLoggerProvider provider, string category) : ILogger
    {
        [ThreadStatic] private static StringWriter? _line;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => provider._scopes.Push(state);

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel)) return;
            var line = _line ??= new StringWriter(new StringBuilder(1024));
            provider.Formatter().Write(new LogEntry<TState>(logLevel, category, eventId, state, exception, formatter), provider._scopes, line);
            var text = line.GetStringBuilder();
            if (text.Length == 0) return;
            Console.Out.Write(text); // one locked copy into the stdout buffer
            text.Clear();
            if (text.Capacity > 64 * 1024) text.Capacity = 1024; // one huge exception must not stay pinned to the thread
        }
    }
}
