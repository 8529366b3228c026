using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Reliability;

/// <summary>
/// A steady mixed load over the gateways, as clients behind a load balancer send it: each client registers a new account
/// (with an <c>Idempotency-Key</c>), logs in, reads <c>/me</c> and refreshes, again and again. The balancer's part: a
/// gateway taken out of rotation gets no new request, and a request whose connection is refused (nothing listens) goes
/// to the next gateway. Every answer is recorded with its time; a request cut without an answer is status 0.
/// </summary>
public sealed class LoadDriver : IAsyncDisposable
{
    public const int Cut = 0;

    /// <summary>
    /// A refresh sent again after one that got no answer (5xx or cut). That one may have rotated the token after all (Redis
    /// runs a command it received before a stall once it wakes, when the gateway has already answered 503): then this one
    /// presents a rotated token, which ends the session (reuse detection, ADR 5; ADR 22 on Redis faults), and 401 is the right answer.
    /// </summary>
    public const string RefreshAfterUnanswered = "refresh after an unanswered one";

    private readonly FaultTopology _topology;
    private readonly string _prefix;
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromSeconds(2) })
    {
        Timeout = TimeSpan.FromSeconds(30),
    };
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients = [];
    private int _next;
    private int _accounts;

    /// <summary>Gateways out of rotation (by index), as a balancer drops an endpoint that is going away.</summary>
    public ConcurrentDictionary<int, bool> OutOfRotation { get; } = new();

    public ConcurrentQueue<Answer> Answers { get; } = new();

    /// <summary>Registrations answered 201: the address and the account id.</summary>
    public ConcurrentDictionary<string, Guid> Registered { get; } = new();

    /// <summary>Registrations answered 5xx or cut: the address, the body and the key to retry them with.</summary>
    public ConcurrentDictionary<string, string> Unsettled { get; } = new();

    public LoadDriver(FaultTopology topology, string prefix, int clients)
    {
        _topology = topology;
        _prefix = prefix;
        for (var client = 0; client < clients; client++) _clients.Add(Task.Run(() => RunClientAsync(_stop.Token)));
    }

    /// <summary>One answer: when, to what, its status, and which gateway gave it (by index).</summary>
    public sealed record Answer(DateTime At, string Operation, int Status, int Gateway);

    private async Task RunClientAsync(CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            var email = $"{_prefix}-{Interlocked.Increment(ref _accounts)}@example.com";
            var key = Guid.NewGuid().ToString();
            var (status, body) = await SendAsync("register", HttpMethod.Post, "/api/v1/auth/register", null,
                new { email, password = Api.Password }, key);
            if (status == 201) Registered[email] = Id(body);
            else
            {
                if (status >= 500 || status == Cut)
                {
                    Unsettled[email] = key;
                    // A client backs off after an unanswered request: the gateway answers 503 at once while Users is away, and
                    // without the pause each client fires a registration every few milliseconds, hundreds left to settle.
                    await Task.Delay(TimeSpan.FromSeconds(1), stop).ContinueWith(_ => { }, TaskScheduler.Default);
                }
                continue;
            }

            var tokens = Tokens(body);
            var (signedIn, session) = await SendAsync("login", HttpMethod.Post, "/api/v1/auth/login", null,
                new { email, password = Api.Password }, null);
            if (signedIn == 200) tokens = Tokens(session);
            var unanswered = false;
            for (var round = 0; round < 3 && !stop.IsCancellationRequested; round++)
            {
                var (me, _) = await SendAsync("me", HttpMethod.Get, "/api/v1/auth/me", tokens.Access, null, null);
                var (refreshed, pair) = await SendAsync(unanswered ? RefreshAfterUnanswered : "refresh", HttpMethod.Post,
                    "/api/v1/auth/refresh", null, new { refreshToken = tokens.Refresh }, null);
                unanswered = refreshed >= 500 || refreshed == Cut;
                if (refreshed == 200) tokens = Tokens(pair);
                else if (me == 401 || refreshed == 401)
                {
                    // Sessions gone (Redis came back empty): the client signs in again, as a user would.
                    var (login, fresh) = await SendAsync("login", HttpMethod.Post, "/api/v1/auth/login", null,
                        new { email, password = Api.Password }, null);
                    if (login == 200) tokens = Tokens(fresh);
                }
            }
        }
    }

    private static Guid Id(JsonElement body) => body.GetProperty("user").GetProperty("id").GetGuid();

    private static (string Access, string Refresh) Tokens(JsonElement body) =>
        (body.GetProperty("accessToken").GetString()!, body.GetProperty("refreshToken").GetString()!);

    /// <summary>Sends one request through the balancer and records its answer.</summary>
    public async Task<(int Status, JsonElement Body)> SendAsync(string operation, HttpMethod method, string path,
        string? accessToken, object? body, string? idempotencyKey)
    {
        var gateways = _topology.Gateways.Length;
        for (var attempt = 0; ; attempt++)
        {
            var index = Interlocked.Increment(ref _next) % gateways;
            if (OutOfRotation.ContainsKey(index) && attempt < gateways) continue;
            using var request = new HttpRequestMessage(method, _topology.Gateways[index].Url + path);
            if (body is not null) request.Content = JsonContent.Create(body);
            if (accessToken is not null) request.Headers.Authorization = new("Bearer", accessToken);
            if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
            try
            {
                using var response = await _http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                Answers.Enqueue(new Answer(DateTime.UtcNow, operation, status, index));
                return (status, text.Length > 0 && text[0] == '{' ? JsonDocument.Parse(text).RootElement.Clone() : default);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused }
                                                 && attempt < 4 * gateways)
            {
                // Nothing listens there (a killed gateway not yet back): the balancer tries the next one.
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                Answers.Enqueue(new Answer(DateTime.UtcNow, operation, Cut, index));
                return (Cut, default);
            }
        }
    }

    /// <summary>Stops the clients after their requests in flight.</summary>
    public async Task StopAsync()
    {
        _stop.Cancel();
        await Task.WhenAll(_clients);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_stop.IsCancellationRequested) await StopAsync();
        _http.Dispose();
        _stop.Dispose();
    }
}
