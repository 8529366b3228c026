using System.Diagnostics.Metrics;
using Microsoft.Extensions.Hosting;
using Prometheus;
using Wolverine.Runtime;

namespace Modular.BuildingBlocks.Observability;

/// <summary>
/// Wolverine's own measurements (its <c>Wolverine:&lt;service&gt;</c> meter) as Prometheus series per message type:
/// <c>modular_messages_handled_total</c>, <c>modular_messages_failed_total</c> (per exception type),
/// <c>modular_messages_dead_lettered_total</c> and the histogram <c>modular_message_handling_seconds</c>.
/// </summary>
public sealed class MessageMetrics : IHostedService, IDisposable
{
    private const string MessageTypeTag = "message.type";
    private const string ExceptionTypeTag = "exception.type";

    private static readonly Counter Handled = Metrics.CreateCounter("modular_messages_handled_total",
        "Messages handled successfully, per message type.", "message_type");
    private static readonly Counter Failed = Metrics.CreateCounter("modular_messages_failed_total",
        "Handler executions that threw, per message type and exception type (each attempt counts).", "message_type", "exception");
    private static readonly Counter DeadLettered = Metrics.CreateCounter("modular_messages_dead_lettered_total",
        "Messages moved to the dead-letter queue, per message type.", "message_type");
    private static readonly Histogram Duration = Metrics.CreateHistogram("modular_message_handling_seconds",
        "How long a handler took, per message type.",
        new HistogramConfiguration { LabelNames = ["message_type"], Buckets = Histogram.ExponentialBuckets(0.001, 2, 14) });

    private readonly MeterListener _listener = new();

    /// <param name="runtime">Only this host's Wolverine meter is listened to: hosts that share a process (tests) count once each.</param>
    public MessageMetrics(IWolverineRuntime runtime)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument.Meter, runtime.Meter) && Record(instrument.Name) is not null)
                listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((instrument, value, tags, _) => Record(instrument.Name)?.Invoke(value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument.Name)?.Invoke(value, tags));
    }

    private static Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>? Record(string instrument) => instrument switch
    {
        "wolverine-execution-failure" => (value, tags) => Failed.WithLabels(Tag(tags, MessageTypeTag), Tag(tags, ExceptionTypeTag)).Inc(value),
        "wolverine-dead-letter-queue" => (value, tags) => DeadLettered.WithLabels(Tag(tags, MessageTypeTag)).Inc(value),
        // Recorded for every successful execution, requests invoked in-process included (Wolverine counts only
        // queued messages as "succeeded"): the one measurement that means "handled" in both modes.
        "wolverine-execution-time" => (milliseconds, tags) =>
        {
            var type = Tag(tags, MessageTypeTag);
            Duration.WithLabels(type).Observe(milliseconds / 1000);
            Handled.WithLabels(type).Inc();
        },
        _ => null,
    };

    private static string Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags, string key)
    {
        foreach (var tag in tags)
            if (tag.Key == key) return tag.Value?.ToString() ?? "";
        return "";
    }

    public Task StartAsync(CancellationToken ct)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();
}
