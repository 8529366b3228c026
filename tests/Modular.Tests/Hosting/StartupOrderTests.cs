using System.Net;
using Modular.Tests.Infrastructure;
using Npgsql;

namespace Modular.Tests.Hosting;

/// <summary>Kubernetes starts pods in no order: a service must come up before its database and catch up when it appears.</summary>
public sealed class StartupOrderTests
{
    [Fact]
    public async Task a_service_started_before_its_database_and_kafka_is_alive_reports_both_missing_and_becomes_ready_when_they_appear()
    {
        var database = new NpgsqlConnectionStringBuilder(
            Modular.BuildingBlocks.Persistence.ModularPersistence.ParseDatabaseUrl(TestEnvironment.DatabaseUrlFor("modular_misc_test")));
        using var postgres = new TcpForwarder(database.Port);
        using var kafka = new TcpForwarder(int.Parse(TestEnvironment.KafkaBrokers.Split(',')[0].Split(':')[1]));
        var settings = TestEnvironment.Split("users", smtpPort: 2525);
        database.Port = postgres.Port;
        settings["DATABASE_URL"] = database.ConnectionString;
        settings["KAFKA_BROKERS"] = $"127.0.0.1:{kafka.Port}";
        settings["PORT"] = TestEnvironment.FreeTcpPort().ToString();
        var url = $"http://127.0.0.1:{settings["PORT"]}";

        await using var service = HostProcess.Start(settings);
        await service.WaitUntilHealthyAsync($"{url}/health", TimeSpan.FromSeconds(60));

        using var http = new HttpClient();
        var notReady = await http.GetAsync($"{url}/health/ready");
        notReady.StatusCode.ShouldBe(HttpStatusCode.ServiceUnavailable);
        var report = await notReady.Content.ReadAsStringAsync();
        report.ShouldContain("\"postgres\":{\"status\":\"Unhealthy\"");
        report.ShouldContain("\"kafka\":{\"status\":\"Unhealthy\"");

        postgres.Open();
        kafka.Open();
        await service.WaitUntilHealthyAsync($"{url}/health/ready", TimeSpan.FromSeconds(60));
        service.Output.ShouldContain("starting messaging");
    }
}
