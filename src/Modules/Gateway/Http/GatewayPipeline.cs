using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Modular.BuildingBlocks.Http;
using StackExchange.Redis;

namespace Modular.Gateway.Http;

internal static class GatewayPipeline
{
    /// <summary>The largest request body the API reads; every request it defines is a few hundred bytes.</summary>
    public const long MaxBodyBytes = 64 * 1024;

    /// <summary>
    /// Redis is behind rate limiting, revocation checks and sessions: when it cannot be reached the
    /// request answers 503 (<see cref="DependencyUnavailableException"/>), whichever of them noticed.
    /// </summary>
    public static IApplicationBuilder UseRedisAvailability(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            try
            {
                await next(context);
            }
            catch (Exception e) when (e is RedisException or RedisTimeoutException)
            {
                throw new DependencyUnavailableException("Redis", e);
            }
        });

    /// <summary>
    /// Refuses bodies over <see cref="MaxBodyBytes"/> with 413, declared or streamed. (Kestrel has its own
    /// limit, set to the same value; this also holds in-process, where there is no Kestrel.)
    /// </summary>
    public static IApplicationBuilder UseBodyLimit(this IApplicationBuilder app) =>
        app.Use(async (context, next) =>
        {
            if (context.Request.ContentLength > MaxBodyBytes) throw TooLarge();
            // The API reads no body of a GET (the hot path: one object less per request).
            if (!HttpMethods.IsGet(context.Request.Method)) context.Request.Body = new LimitedStream(context.Request.Body, MaxBodyBytes);
            await next(context);
        });

    private static BadHttpRequestException TooLarge() =>
        new($"The request body is larger than {MaxBodyBytes / 1024} KB.", StatusCodes.Status413PayloadTooLarge);

    private sealed class LimitedStream(Stream inner, long limit) : Stream
    {
        private long _read;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken ct = default) =>
            Count(await inner.ReadAsync(buffer, ct));

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken ct) =>
            ReadAsync(buffer.AsMemory(offset, count), ct).AsTask();

        private int Count(int read)
        {
            _read += read;
            return _read > limit ? throw TooLarge() : read;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
