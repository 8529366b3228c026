namespace Modular.Users.Contracts;

/// <summary>The roles an account's <see cref="UserDetails.Roles"/> and its access token carry: Users grants them, the gateway checks them.</summary>
public static class Roles
{
    public const string User = "user";
    public const string Admin = "admin";
}

/// <summary>The paging of <see cref="ListUsers"/> and <see cref="ListSecurityEvents"/>: the gateway refuses a larger page, Users clamps it.</summary>
public static class Paging
{
    public const int MaxPageSize = 100;
}
