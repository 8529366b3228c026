using System.Text;
using Modular.Gateway.Http;

namespace Modular.UnitTests.Gateway;

/// <summary>The pure rules of <c>Idempotency-Key</c> (<see cref="IdempotencyKeys"/>), without a host.</summary>
public sealed class IdempotencyKeysTests
{
    [Theory]
    [InlineData("8e03978e-40d5-43e8-bc93-6894a57f9324", "8e03978e-40d5-43e8-bc93-6894a57f9324")]
    [InlineData("\"8e03978e-40d5-43e8-bc93-6894a57f9324\"", "8e03978e-40d5-43e8-bc93-6894a57f9324")]
    [InlineData("\"a \\\"quoted\\\" key\"", "a \"quoted\" key")]
    [InlineData("  padded  ", "padded")]
    [InlineData("~!#$%&'*+-.^_`|", "~!#$%&'*+-.^_`|")]
    public void a_bare_or_quoted_printable_key_is_accepted(string header, string key) =>
        IdempotencyKeys.Parse(header, out _).ShouldBe(key);

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("\"\"")]
    [InlineData("\"a \" b\"")]
    [InlineData("\"trailing backslash\\\"")]
    [InlineData("tab\there")]
    [InlineData("nul\0")]
    [InlineData("caf\u00e9")]
    [InlineData("\u202eevil")]
    public void an_empty_unprintable_or_badly_quoted_key_is_refused_with_a_reason(string header)
    {
        IdempotencyKeys.Parse(header, out var problem).ShouldBeNull();
        problem.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public void a_key_is_at_most_255_characters()
    {
        IdempotencyKeys.Parse(new string('k', 255), out _).ShouldNotBeNull();
        IdempotencyKeys.Parse(new string('k', 256), out var problem).ShouldBeNull();
        problem.ShouldContain("255");
    }

    [Fact]
    public void the_fingerprint_changes_with_the_method_the_path_the_query_and_every_byte_of_the_body()
    {
        var body = Encoding.UTF8.GetBytes("""{"name":"Ann"}""");
        var fingerprint = IdempotencyKeys.Fingerprint("PATCH", "/api/v1/users/me", body);

        IdempotencyKeys.Fingerprint("patch", "/api/v1/users/me", body).ShouldBe(fingerprint);
        IdempotencyKeys.Fingerprint("POST", "/api/v1/users/me", body).ShouldNotBe(fingerprint);
        IdempotencyKeys.Fingerprint("PATCH", "/api/v1/users/you", body).ShouldNotBe(fingerprint);
        IdempotencyKeys.Fingerprint("PATCH", "/api/v1/users/me?x=1", body).ShouldNotBe(fingerprint);
        IdempotencyKeys.Fingerprint("PATCH", "/api/v1/users/me", Encoding.UTF8.GetBytes("""{"name":"Ann "}""")).ShouldNotBe(fingerprint);
        // The separator keeps the path and the body apart: moving a byte from one to the other is another request.
        IdempotencyKeys.Fingerprint("PATCH", "/a", Encoding.UTF8.GetBytes("\nb")).ShouldNotBe(IdempotencyKeys.Fingerprint("PATCH", "/a\n", "b"u8));
    }

    [Fact]
    public void a_record_is_scoped_per_user_and_names_a_hash_of_the_key_never_the_key()
    {
        var ann = Guid.NewGuid();
        var record = IdempotencyKeys.RecordKey(ann, "my key");

        record.ShouldStartWith($"gateway:idem:{ann}:");
        record.ShouldNotContain("my key");
        IdempotencyKeys.RecordKey(Guid.NewGuid(), "my key").ShouldNotBe(record);
        IdempotencyKeys.RecordKey(null, "my key").ShouldStartWith("gateway:idem:anon:");
        IdempotencyKeys.RecordKey(ann, "my key").ShouldBe(record);
    }

    [Fact]
    public void Users_remembers_a_result_per_record_and_body()
    {
        var record = IdempotencyKeys.RecordKey(null, "k");
        IdempotencyKeys.ForUsers(record, "fp1").ShouldBe(IdempotencyKeys.ForUsers(record, "fp1"));
        IdempotencyKeys.ForUsers(record, "fp2").ShouldNotBe(IdempotencyKeys.ForUsers(record, "fp1"));
        IdempotencyKeys.ForUsers(IdempotencyKeys.RecordKey(Guid.NewGuid(), "k"), "fp1").ShouldNotBe(IdempotencyKeys.ForUsers(record, "fp1"));
    }

    [Theory]
    [InlineData(200, true)]
    [InlineData(201, true)]
    [InlineData(204, true)]
    [InlineData(400, true)]
    [InlineData(401, true)]
    [InlineData(409, true)]
    [InlineData(408, false)]
    [InlineData(429, false)]
    [InlineData(500, false)]
    [InlineData(503, false)]
    [InlineData(504, false)]
    public void final_answers_are_kept_and_those_that_say_try_again_are_not(int status, bool kept) =>
        IdempotencyKeys.IsFinal(status).ShouldBe(kept);

    [Theory]
    [InlineData("POST", true)]
    [InlineData("PATCH", true)]
    [InlineData("DELETE", true)]
    [InlineData("PUT", true)]
    [InlineData("GET", false)]
    [InlineData("HEAD", false)]
    public void only_state_changing_methods_accept_a_key(string method, bool accepted) =>
        IdempotencyKeys.IsStateChanging(method).ShouldBe(accepted);
}
