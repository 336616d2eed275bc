using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Samples.BuildingBlocks.Authentication;
using Samples.BuildingBlocks.Data;
using Samples.BuildingBlocks.Http;
using Samples.BuildingBlocks.Idempotency;
using Samples.BuildingBlocks.Observability;
using Samples.ServiceDefaults.Authentication;

namespace Samples.Users;

/// <summary>
/// /users: every route needs a signed-in caller. A user reads and writes their own profile; an admin
/// any profile (<see cref="ProfileOwner"/> decides, once, for every route of one profile).
/// Every route is also declared in infra/template.yaml with the Cognito user pool authorizer.
/// </summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/users").WithTags("Users").RequireAuthorization();

        users.MapPost("", CreateProfile).WithIdempotencyKey();
        users.MapGet("", ListProfiles).RequireAuthorization(Policies.Admin);
        foreach (var profile in new[] { "/me", "/{userId}" })
        {
            users.MapGet(profile, GetProfile);
            users.MapPut(profile, ReplaceProfile);
            users.MapDelete(profile, DeleteProfile);
        }

        return app;
    }

    public static async Task<Results<Created<UserProfile>, ValidationProblem, ProblemHttpResult>> CreateProfile(
        NewUserProfileInput input, ClaimsPrincipal caller, WriteToken token, UserRepository repository, TimeProvider clock, BusinessMetrics metrics,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var self = caller.Subject();
        var userId = input.UserId ?? self;
        var forSomeoneElse = userId != self;
        if (forSomeoneElse && !caller.IsInRole(CognitoGroups.Admin))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: "Only an admin can create a profile for another user.");
        }

        var draft = UserProfile.Create(userId, forSomeoneElse ? null : caller.Email(), input.ToDraft(), clock.GetUtcNow());
        if (await repository.CreateAsync(draft, token, cancellationToken) is not { } profile)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Profile already exists",
                detail: $"User '{userId}' already has a profile. Read it and replace it with PUT instead.");
        }

        metrics.Count(Metric.Created);
        return TypedResults.Created($"/users/{userId}", response.WithETag(profile));
    }

    public static async Task<Results<Ok<Page<UserProfile>>, ValidationProblem>> ListProfiles(
        string? limit, string? nextToken, string? email, UserRepository repository, IOptions<UsersOptions> options,
        CancellationToken cancellationToken)
    {
        options.Value.Paging.TryParse(limit, out var size, out var errors);
        if (email is not null && !LooksLikeEmail(email))
        {
            errors["email"] = ["email must be one e-mail address, such as ada@example.com."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(email is null
            ? await repository.ListAsync(size, nextToken, cancellationToken)
            : await repository.FindByEmailAsync(email, size, nextToken, cancellationToken));
    }

    public static async Task<Results<Ok<UserProfile>, ProblemHttpResult>> GetProfile(
        ProfileOwner owner, UserRepository repository, HttpResponse response, CancellationToken cancellationToken) =>
        await repository.GetAsync(owner.UserId, cancellationToken) is { } profile
            ? TypedResults.Ok(response.WithETag(profile))
            : ProfileOwner.NotFound(owner.UserId);

    public static async Task<Results<Ok<UserProfile>, ValidationProblem, ProblemHttpResult>> ReplaceProfile(
        ProfileOwner owner, RequiredIfMatch ifMatch, UserProfileInput input, ClaimsPrincipal caller, WriteToken token, UserRepository repository,
        TimeProvider clock, HttpResponse response, CancellationToken cancellationToken)
    {
        // The e-mail is the token's: refreshed when users save their own profile, kept when an admin does.
        var email = owner.IsCaller ? caller.Email() : null;
        var result = await repository.ReplaceAsync(owner.UserId, input.ToDraft(), email, ifMatch.Version, clock.GetUtcNow(), token, cancellationToken);
        return IfMatch.Replaced(result, response, () => ProfileOwner.NotFound(owner.UserId), Metric.Replaced);
    }

    /// <summary>If-Match is optional here: without it the delete is unconditional, with it the version must match.</summary>
    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteProfile(
        ProfileOwner owner, OptionalIfMatch ifMatch, WriteToken token, UserRepository repository, HttpResponse response, CancellationToken cancellationToken) =>
        IfMatch.Deleted(
            await repository.DeleteAsync(owner.UserId, ifMatch.Version, token, cancellationToken), response, () => ProfileOwner.NotFound(owner.UserId), Metric.Deleted);

    /// <summary>The business metrics this API counts: profile writes (see BusinessMetrics).</summary>
    public static class Metric
    {
        public const string Created = "ProfilesCreated";
        public const string Replaced = "ProfilesReplaced";
        public const string Deleted = "ProfilesDeleted";
    }

    private static bool LooksLikeEmail(string email) =>
        email.Length is > 2 and <= 254 && email.IndexOf('@', StringComparison.Ordinal) is > 0 && !email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));
}

/// <summary>
/// The profile a request is about, bound once for every route of one profile: /users/me is the caller's;
/// /users/{userId} must be a well-formed id and the caller's own, or the caller an admin. Someone else's
/// profile answers 404 to a non-admin, so that its existence is not revealed.
/// </summary>
public sealed record ProfileOwner(string UserId, bool IsCaller)
{
    public static ValueTask<ProfileOwner> BindAsync(HttpContext context)
    {
        var caller = context.User;
        var self = caller.Subject();
        if (context.GetRouteValue("userId") is not string userId)
        {
            return ValueTask.FromResult(new ProfileOwner(self, IsCaller: true));
        }

        if (!ProfileRules.UserId().IsMatch(userId))
        {
            throw new ProblemException(StatusCodes.Status400BadRequest, "The user id is invalid", "userId must be 1 to 128 letters, digits or '-', like a Cognito sub.",
                new Dictionary<string, string[]> { ["userId"] = ["userId must be 1 to 128 letters, digits or '-', like a Cognito sub."] });
        }

        return userId == self || caller.IsInRole(CognitoGroups.Admin)
            ? ValueTask.FromResult(new ProfileOwner(userId, IsCaller: userId == self))
            : throw new ProblemException(StatusCodes.Status404NotFound, NotFoundTitle, NotFoundDetail(userId));
    }

    public static ProblemHttpResult NotFound(string userId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: NotFoundTitle, detail: NotFoundDetail(userId));

    private const string NotFoundTitle = "Profile not found";

    private static string NotFoundDetail(string userId) => $"No profile for user '{userId}'.";
}
