using Samples.BuildingBlocks.Idempotency;
using Samples.ServiceDefaults;
using Samples.ServiceDefaults.Data;
using Samples.Users;

var builder = WebApplication.CreateSlimBuilder(args);

builder.AddServiceDefaults();
builder.AddIdempotencyKeys();
// SnapStart runs every route before its snapshot, changing nothing, as a signed-in user with no profile: the read, a
// create that fails validation, a replace and a delete that find no profile; and a profile's JSON, which none finds.
builder.AddLambdaHosting(LambdaEventSource.RestApi, new SnapStartWarmUp
{
    Requests =
    [
        new("GET", "/users/me", SignedIn: true),
        new("POST", "/users", Body: "{}", SignedIn: true),
        new("PUT", "/users/me", Body: """{"displayName": "Warm-up"}""", IfMatch: "\"1\"", SignedIn: true),
        new("DELETE", "/users/me", IfMatch: "\"1\"", SignedIn: true),
    ],
    Answers = [UserProfile.Create(SnapStartWarmUp.Subject, null, new ProfileDraft("Warm-up", Bio: null, AvatarUrl: null), DateTimeOffset.UnixEpoch)],
});

builder.Services.AddTableServiceOptions<UsersOptions, UsersOptionsValidator>(UsersOptions.SectionName, (options, section) => section.Bind(options));
builder.Services.AddSingleton<UserRepository>();
// Built-in minimal-API validation. Called here, not in the service defaults: its source generator finds
// the validatable types of the calling assembly.
builder.Services.AddValidation();
builder.Services.ConfigureHttpJsonOptions(options => options.SerializerOptions.TypeInfoResolverChain.Insert(0, UsersJsonContext.Default));

var app = builder.Build();

app.UseServiceDefaults();
app.MapUsersApi();

app.Run();

/// <summary>The entry point, public so tests can host the app with WebApplicationFactory.</summary>
public partial class Program;
