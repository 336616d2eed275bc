using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Authentication;
using Samples.ServiceDefaults.Data;
using Samples.ServiceDefaults.Http;

namespace Samples.Users;

/// <summary>
/// /users: every route needs a signed-in caller. A user reads and writes their own profile; an admin
/// any profile. Someone else's profile answers 404 to a non-admin, so its existence is not revealed.
/// Every route is also declared in infra/template.yaml with the Cognito user pool authorizer.
/// </summary>
public static class UsersApi
{
    public static IEndpointRouteBuilder MapUsersApi(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/users").WithTags("Users").RequireAuthorization();

        users.MapPost("", CreateProfile);
        users.MapGet("", ListProfiles).RequireAuthorization(Policies.Admin);
        users.MapGet("/me", (ClaimsPrincipal caller, UserRepository repository, HttpResponse response, CancellationToken cancellationToken) =>
            GetProfile(caller.Subject(), caller, repository, response, cancellationToken));
        users.MapPut("/me", (UserProfileInput input, ClaimsPrincipal caller, HttpRequest request, UserRepository repository, TimeProvider clock, CancellationToken cancellationToken) =>
            ReplaceProfile(caller.Subject(), input, caller, request, repository, clock, cancellationToken));
        users.MapDelete("/me", (ClaimsPrincipal caller, HttpRequest request, UserRepository repository, CancellationToken cancellationToken) =>
            DeleteProfile(caller.Subject(), caller, request, repository, cancellationToken));
        users.MapGet("/{userId}", GetProfile);
        users.MapPut("/{userId}", ReplaceProfile);
        users.MapDelete("/{userId}", DeleteProfile);

        return app;
    }

    public static async Task<Results<Created<UserProfile>, ValidationProblem, ProblemHttpResult>> CreateProfile(
        NewUserProfileInput input, ClaimsPrincipal caller, UserRepository repository, TimeProvider clock,
        HttpResponse response, CancellationToken cancellationToken)
    {
        var self = caller.Subject();
        var userId = input.UserId ?? self;
        var forSomeoneElse = userId != self;
        if (forSomeoneElse && !caller.IsInGroup(CognitoGroups.Admin))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden",
                detail: "Only an admin can create a profile for another user.");
        }

        var now = clock.GetUtcNow();
        var profile = new UserProfile(
            UserId: userId,
            Email: forSomeoneElse ? null : caller.Email(),
            DisplayName: input.DisplayName!,
            Bio: input.Bio,
            AvatarUrl: input.AvatarUrl,
            Version: 1,
            CreatedAt: now,
            UpdatedAt: now);

        if (!await repository.CreateAsync(profile, cancellationToken))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Profile already exists",
                detail: $"User '{userId}' already has a profile. Read it and replace it with PUT instead.");
        }

        response.Headers.ETag = IfMatch.ETagFor(profile.Version);
        return TypedResults.Created($"/users/{userId}", profile);
    }

    public static async Task<Results<Ok<Page<UserProfile>>, ValidationProblem>> ListProfiles(
        string? limit, string? nextToken, string? email, UserRepository repository, IOptions<UsersOptions> options,
        CancellationToken cancellationToken)
    {
        // An e-mail query pages through the index, whose tokens also carry the index key.
        var keys = email is null ? UserRepository.ListPageKey : UserRepository.EmailPageKey(email);
        PageRequest.TryParse(limit, nextToken, options.Value.Paging, keys, out var page, out var errors);
        if (email is not null && !LooksLikeEmail(email))
        {
            errors["email"] = ["email must be one e-mail address, such as ada@example.com."];
        }

        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        return TypedResults.Ok(email is null
            ? await repository.ListAsync(page, cancellationToken)
            : await repository.FindByEmailAsync(email, page, cancellationToken));
    }

    public static async Task<Results<Ok<UserProfile>, ValidationProblem, ProblemHttpResult>> GetProfile(
        string userId, ClaimsPrincipal caller, UserRepository repository, HttpResponse response, CancellationToken cancellationToken)
    {
        if (!ProfileRules.UserId().IsMatch(userId))
        {
            return InvalidUserId();
        }

        if (!MayAccess(caller, userId) || await repository.GetAsync(userId, cancellationToken) is not { } profile)
        {
            return NotFound(userId);
        }

        response.Headers.ETag = IfMatch.ETagFor(profile.Version);
        return TypedResults.Ok(profile);
    }

    public static async Task<Results<Ok<UserProfile>, ValidationProblem, ProblemHttpResult>> ReplaceProfile(
        string userId, UserProfileInput input, ClaimsPrincipal caller, HttpRequest request, UserRepository repository,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!ProfileRules.UserId().IsMatch(userId))
        {
            return InvalidUserId();
        }

        if (!MayAccess(caller, userId))
        {
            return NotFound(userId);
        }

        if (!PreconditionProblems.TryGetRequired(request, out var expectedVersion, out var problem))
        {
            return problem;
        }

        // The e-mail is the token's: refreshed when users save their own profile, kept when an admin does.
        var email = userId == caller.Subject() ? caller.Email() : null;
        var result = await repository.ReplaceAsync(userId, input, email, expectedVersion, clock.GetUtcNow(), cancellationToken);
        switch (result.Outcome)
        {
            case WriteOutcome.NotFound: return NotFound(userId);
            case WriteOutcome.VersionMismatch: return PreconditionProblems.Failed();
        }

        request.HttpContext.Response.Headers.ETag = IfMatch.ETagFor(result.Value!.Version);
        return TypedResults.Ok(result.Value);
    }

    public static async Task<Results<NoContent, ValidationProblem, ProblemHttpResult>> DeleteProfile(
        string userId, ClaimsPrincipal caller, HttpRequest request, UserRepository repository, CancellationToken cancellationToken)
    {
        if (!ProfileRules.UserId().IsMatch(userId))
        {
            return InvalidUserId();
        }

        if (!MayAccess(caller, userId))
        {
            return NotFound(userId);
        }

        // If-Match is optional here: without it the delete is unconditional, with it the version must match.
        if (!PreconditionProblems.TryGetOptional(request, out var expectedVersion, out var problem))
        {
            return problem;
        }

        return await repository.DeleteAsync(userId, expectedVersion, cancellationToken) switch
        {
            WriteOutcome.NotFound => NotFound(userId),
            WriteOutcome.VersionMismatch => PreconditionProblems.Failed(),
            _ => TypedResults.NoContent(),
        };
    }

    private static bool MayAccess(ClaimsPrincipal caller, string userId) =>
        userId == caller.Subject() || caller.IsInGroup(CognitoGroups.Admin);

    private static bool LooksLikeEmail(string email) =>
        email.Length is > 2 and <= 254 && email.IndexOf('@', StringComparison.Ordinal) is > 0 && !email.Any(c => char.IsWhiteSpace(c) || char.IsControl(c));

    private static ValidationProblem InvalidUserId() => TypedResults.ValidationProblem(
        new Dictionary<string, string[]> { ["userId"] = ["userId must be 1 to 128 letters, digits or '-', like a Cognito sub."] });

    private static ProblemHttpResult NotFound(string userId) => TypedResults.Problem(
        statusCode: StatusCodes.Status404NotFound, title: "Profile not found", detail: $"No profile for user '{userId}'.");
}
