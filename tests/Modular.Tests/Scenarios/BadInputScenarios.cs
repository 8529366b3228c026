using System.Text;
using Alba;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Scenarios;

/// <summary>Whatever a client sends, the answer is a 4xx problem, never a 500.</summary>
public abstract class BadInputScenarios(ModularApp app) : Infrastructure.Scenarios(app)
{
    [Fact]
    public async Task a_body_over_the_limit_is_413_problem()
    {
        var huge = $$"""{"email":"big@example.com","password":"{{new string('x', 70_000)}}"}""";
        (await Gateway.PostRawAsync("/api/v1/auth/register", huge, 413)).ShouldBeProblem(413);
    }

    [Fact]
    public async Task a_body_that_is_not_utf8_is_400_problem()
    {
        var result = await Gateway.Scenario(s =>
        {
            s.Post.ByteArray([0x7B, 0x22, 0x65, 0xFF, 0xFE, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D]).ToUrl("/api/v1/auth/login");
            s.WithRequestHeader("Content-Type", "application/json");
            s.StatusCodeShouldBe(400);
        });
        result.ShouldBeProblem(400);
    }

    [Fact]
    public async Task a_body_of_another_media_type_is_415()
    {
        await Gateway.PostRawAsync("/api/v1/auth/login", "email=a@b.c&password=x", 415, "application/x-www-form-urlencoded");
    }

    [Theory]
    [InlineData("/api/v1/auth/login", """{"email":["a@b.c"],"password":"x"}""")]
    [InlineData("/api/v1/auth/refresh", """{"refreshToken":{"nested":true}}""")]
    [InlineData("/api/v1/auth/forgot-password", """{"email":"a@b.c","admin":true}""")]
    [InlineData("/api/v1/auth/reset-password", """[1,2,3]""")]
    [InlineData("/api/v1/auth/login", """null""")]
    public async Task wrong_types_unknown_fields_and_wrong_shapes_are_400_problem(string url, string body)
    {
        (await Gateway.PostRawAsync(url, body, 400)).ShouldBeProblem(400);
    }

    [Theory]
    [InlineData("/api/v1/auth/login", """{"email":"\u0000","password":"x"}""", "email")]
    [InlineData("/api/v1/auth/login", """{"email":"ann\u0000@example.com","password":"a long password"}""", "email")]
    [InlineData("/api/v1/auth/register", """{"email":"eve@example.com\r\nBcc: all@example.com","password":"a long password"}""", "email")]
    [InlineData("/api/v1/auth/register", """{"email":"eve@example.com","password":"a long password","name":"Eve\r\nSubject: hi"}""", "name")]
    [InlineData("/api/v1/auth/register", """{"email":"eve@example.com","password":"a long password","name":"\u202Eevil"}""", "name")]
    [InlineData("/api/v1/auth/register", """{"email":"eve@example.com","password":"a long password","name":"bell\u0007\u0085"}""", "name")]
    [InlineData("/api/v1/auth/forgot-password", """{"email":"eve@exa\u0000mple.com"}""", "email")]
    public async Task control_characters_in_emails_and_names_are_400_problem_naming_the_field(string url, string body, string field)
    {
        var problem = (await Gateway.PostRawAsync(url, body, 400)).ShouldBeProblem(400);

        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(problem.ToString());
    }

    [Fact]
    public async Task a_control_character_in_a_new_name_is_400_and_changes_nothing()
    {
        var session = await App.RegisterAsync("nadia@example.com", "Nadia");

        await Gateway.SendAsync(HttpMethod.Patch, "/api/v1/users/me", session.AccessToken, new { name = "Nadia\n\u0000" }, 400);

        (await Gateway.GetAsync("/api/v1/auth/me", 200, session.AccessToken)).ReadAsText().ShouldContain("\"name\":\"Nadia\"");
    }

    [Fact]
    public async Task an_unknown_route_is_404_problem()
    {
        (await Gateway.GetAsync("/api/v1/nothing-here", 404)).ShouldBeProblem(404);
    }
}

[Collection(SingleProcessCollection.Name)]
public sealed class BadInputInSingleProcess(SingleProcessApp app) : BadInputScenarios(app);

[Collection(SplitCollection.Name)]
public sealed class BadInputInSplitMode(SplitApp app) : BadInputScenarios(app);
