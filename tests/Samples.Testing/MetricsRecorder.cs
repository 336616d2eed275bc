using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Samples.BuildingBlocks.Observability;

namespace Samples.Testing;

/// <summary>
/// Records the business counters one app instance emits (its own meter factory, so test classes running in
/// parallel do not see each other's), with the meter's tags: what Powertools turns into EMF in Lambda.
/// </summary>
public sealed class MetricsRecorder : IDisposable
{
    private readonly MeterListener listener = new();
    private readonly ConcurrentQueue<(string Name, long Value, IReadOnlyDictionary<string, object?> MeterTags)> measurements = new();

    public MetricsRecorder(IServiceProvider app)
    {
        var factory = app.GetRequiredService<IMeterFactory>();
        listener.InstrumentPublished = (instrument, meterListener) =>
        {
            if (instrument.Meter.Name == BusinessMetrics.MeterName && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                meterListener.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, _, _) =>
            measurements.Enqueue((instrument.Name, value, (instrument.Meter.Tags ?? []).ToDictionary(tag => tag.Key, tag => tag.Value))));
        listener.Start();
    }

    /// <summary>The total counted under this name since the recorder started.</summary>
    public long Total(string name) => measurements.Where(m => m.Name == name).Sum(m => m.Value);

    /// <summary>The service dimension of every measurement recorded.</summary>
    public IEnumerable<object?> Services => measurements.Select(m => m.MeterTags.GetValueOrDefault(BusinessMetrics.ServiceTag)).Distinct();

    public void Dispose() => listener.Dispose();
}
