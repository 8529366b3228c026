using Modular.Users;

namespace Modular.UnitTests.Users;

public sealed class PasswordsTests
{
    private static readonly Passwords Passwords = new();

    [Fact]
    public void the_decoy_hash_an_unknown_account_is_checked_against_costs_what_a_real_hash_costs()
    {
        // PasswordHasher's format: a format byte, then the PRF, the iteration count and the salt length (big-endian
        // uint32s). An older or cheaper decoy would answer an unknown e-mail faster than a known one.
        var real = Convert.FromBase64String(Passwords.Hash(new User(), "any passphrase at all"));
        var decoy = Convert.FromBase64String(Passwords.DecoyHash);

        decoy.Length.ShouldBe(real.Length);
        decoy[..13].ShouldBe(real[..13]);
    }

    [Fact]
    public void an_unknown_account_is_refused_whatever_the_password()
    {
        Passwords.Verify(null, "any passphrase at all", out var rehash).ShouldBeFalse();
        rehash.ShouldBeFalse();
    }
}
