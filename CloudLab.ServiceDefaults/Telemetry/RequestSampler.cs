using OpenTelemetry.Trace;

namespace CloudLab.ServiceDefaults.Telemetry;

/// <summary>
/// The services' sampler: the caller's decision when there is a parent, else the configured ratio of new traces
/// (<c>ParentBased(TraceIdRatioBased)</c>). A request's root span is the exception: <see cref="RequestTracing"/> has
/// already drawn it at that ratio and creates it only when drawn, so drawing again would trace the ratio squared.
/// </summary>
internal sealed class RequestSampler(double sampleRatio) : Sampler
{
    private static readonly SamplingResult Sampled = new(SamplingDecision.RecordAndSample);

    private readonly ParentBasedSampler _inner = new(new TraceIdRatioBasedSampler(sampleRatio));

    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters) =>
        samplingParameters.ParentContext.TraceId == default
            && samplingParameters.Name == RequestTracing.ActivityName
            ? Sampled
            : _inner.ShouldSample(samplingParameters);
}
