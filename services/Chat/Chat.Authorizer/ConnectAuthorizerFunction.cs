using System.Text.Json.Serialization;
using Amazon.Lambda.APIGatewayEvents;
using Amazon.Lambda.Core;
using Amazon.Lambda.RuntimeSupport;
using Amazon.Lambda.Serialization.SystemTextJson;
using Microsoft.Extensions.Logging;
using Samples.ServiceDefaults;
using Samples.ServiceDefaults.Authentication;
using Samples.ServiceDefaults.Logging;

namespace Samples.Chat.Authorizer;

/// <summary>
/// The $connect REQUEST authorizer's Lambda entry point (Handler: ChatAuthorizer). A thin adapter: the
/// decision is <see cref="ChatAuthorizer"/>'s, which the local gateway uses too.
/// </summary>
public static class ConnectAuthorizerFunction
{
    // Created once per execution environment: the signing keys are fetched once and cached. Log lines are
    // Powertools JSON on stdout, which Lambda sends to the function's log group.
    private static readonly ChatAuthorizer Authorizer = new(
        CognitoTokenValidator.Create(new CognitoAuthOptions
        {
            Authority = Environment.GetEnvironmentVariable("Auth__Authority") ?? "",
            Audience = Environment.GetEnvironmentVariable("Auth__Audience") ?? "",
        }),
        PowertoolsLogKeys.CreateLoggerFactory().CreateLogger<ChatAuthorizer>());

    public static async Task Main()
    {
        // SnapStart (managed runtime): before the snapshot, run one refusal through the validator, so the snapshot
        // holds the pool's signing keys and warm token-handling code. The token is refused, and nothing of it is kept.
        // Named in full: RuntimeSupport's dependency SnapshotRestore.Registry has a namespace of the same name.
        Amazon.Lambda.Core.SnapshotRestore.RegisterBeforeSnapshot(async () =>
            await Authorizer.AuthorizeAsync(new Dictionary<string, string> { ["token"] = LambdaHosting.WarmupToken }.AsReadOnly(), "arn:aws:execute-api:warm-up", CancellationToken.None));

        // Source-generated (de)serialization: the same code runs in the managed runtime and as a Native AOT binary.
        using var bootstrap = LambdaBootstrapBuilder
            .Create<APIGatewayCustomAuthorizerRequest, APIGatewayCustomAuthorizerResponse>(HandleAsync, new SourceGeneratorLambdaJsonSerializer<AuthorizerJson>())
            .Build();
        await bootstrap.RunAsync();
    }

    public static async Task<APIGatewayCustomAuthorizerResponse> HandleAsync(APIGatewayCustomAuthorizerRequest request, ILambdaContext context)
    {
        // Leave time to answer: a validator that cannot reach Cognito ends in Deny, never in a timeout.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(Math.Max(100, (context.RemainingTime - TimeSpan.FromMilliseconds(500)).TotalMilliseconds)));
        using var logKeys = PowertoolsLogKeys.ForInvocation(context, request.RequestContext?.RequestId ?? context.AwsRequestId, ColdStart.Take());
        var result = await Authorizer.AuthorizeAsync(request.QueryStringParameters?.AsReadOnly(), request.MethodArn, timeout.Token);

        var output = new APIGatewayCustomAuthorizerContextOutput();
        foreach (var (key, value) in result.Context)
        {
            output[key] = value;
        }

        return new APIGatewayCustomAuthorizerResponse
        {
            PrincipalID = result.PrincipalId,
            PolicyDocument = new APIGatewayCustomAuthorizerPolicy
            {
                Version = "2012-10-17",
                Statement =
                [
                    new APIGatewayCustomAuthorizerPolicy.IAMPolicyStatement
                    {
                        Effect = result.Effect,
                        Action = ["execute-api:Invoke"],
                        Resource = [result.Resource],
                    },
                ],
            },
            Context = output,
        };
    }
}

/// <summary>The authorizer's event and answer, for the source-generated Lambda serializer.</summary>
[JsonSerializable(typeof(APIGatewayCustomAuthorizerRequest))]
[JsonSerializable(typeof(APIGatewayCustomAuthorizerResponse))]
internal sealed partial class AuthorizerJson : JsonSerializerContext;
