using Samples.BuildingBlocks.Idempotency;
using Samples.ServiceDefaults;
using Samples.ServiceDefaults.Data;
using Samples.Users;

var builder = WebApplication.CreateSlimBuilder(args);

builder.AddServiceDefaults();
builder.AddIdempotencyKeys();
// SnapStart warms a signed-in read: the gateway's identity, the profile's GetItem, the 404 of a user with none yet.
builder.AddLambdaHosting(LambdaEventSource.RestApi, new SnapStartWarmUp { SignedInReads = ["/users/me"] });

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
