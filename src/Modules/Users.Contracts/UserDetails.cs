namespace Modular.Users.Contracts;

/// <summary>A user as other modules may see it: never a password hash.</summary>
/// <param name="EmailVerifiedAt">When the owner proved the address is theirs (the link of the welcome e-mail); null until then.</param>
public sealed record UserDetails(
    Guid Id,
    string Email,
    string Name,
    IReadOnlyList<string> Roles,
    bool EmailVerified,
    DateTimeOffset? EmailVerifiedAt,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <summary>Expected failures of user requests, returned as values rather than thrown.</summary>
public enum UserFailure
{
    EmailTaken,
    InvalidCredentials,
    NotFound,
    /// <summary>A password-reset or e-mail verification token that is unknown, expired or already used.</summary>
    InvalidToken,
}

/// <summary>The reply to every Users request that yields a user: the user, or why not.</summary>
public sealed record UserResult(UserDetails? User, UserFailure? Failure)
{
    public static UserResult Success(UserDetails user) => new(user, null);

    public static UserResult Failed(UserFailure failure) => new(null, failure);
}

/// <summary>The reply to <see cref="ListUsers"/>.</summary>
public sealed record UserPage(IReadOnlyList<UserDetails> Items, int Page, int PageSize, long Total);
