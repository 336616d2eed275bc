using Amazon.Lambda.APIGatewayEvents;
using Amazon.Lambda.Core;
using Amazon.Lambda.Serialization.SystemTextJson;
using Samples.ServiceDefaults.Authentication;

namespace Samples.Chat;

/// <summary>
/// The $connect REQUEST authorizer (Handler: Chat::Samples.Chat.ConnectAuthorizerFunction::HandleAsync).
/// A thin adapter: the decision is <see cref="ChatAuthorizer"/>'s, which the tests exercise in every build.
/// Compiled only in the full build.
/// </summary>
public sealed class ConnectAuthorizerFunction
{
    // Created once per execution environment: the signing keys are fetched once and cached.
    private static readonly ChatAuthorizer Authorizer = new(CognitoTokenValidator.Create(new CognitoAuthOptions
    {
        Authority = Environment.GetEnvironmentVariable("Auth__Authority") ?? "",
        Audience = Environment.GetEnvironmentVariable("Auth__Audience") ?? "",
    }));

    [LambdaSerializer(typeof(DefaultLambdaJsonSerializer))]
    public async Task<APIGatewayCustomAuthorizerResponse> HandleAsync(APIGatewayCustomAuthorizerRequest request, ILambdaContext context)
    {
        using var timeout = new CancellationTokenSource(context.RemainingTime - TimeSpan.FromMilliseconds(500));
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
