namespace Modular.BuildingBlocks.Hosting;

/// <summary>
/// <c>Modular.Host.dll probe [path]</c>: asks this container's own process for a health path and exits 0 on 200,
/// 1 otherwise. It is the image's health check: the ASP.NET runtime image has no curl or wget, and a probe
/// that needs no configuration can run before anything else is read.
/// </summary>
public static class HealthProbe
{
    public const string Command = "probe";

    public static async Task<int> RunAsync(string[] args)
    {
        var path = args.Length > 1 ? args[1] : "/health";
        var port = int.TryParse(Environment.GetEnvironmentVariable("PORT"), out var p) ? p : 3000;
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(4) };
        try
        {
            using var response = await http.GetAsync($"http://127.0.0.1:{port}{path}");
            Console.WriteLine($"{path}: {(int)response.StatusCode}");
            return response.IsSuccessStatusCode ? 0 : 1;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            Console.WriteLine($"{path}: no answer on port {port} ({e.Message})");
            return 1;
        }
    }
}
