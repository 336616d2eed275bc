using Amazon.Lambda.Core;
using AWS.Lambda.Powertools.Logging;
using Microsoft.AspNetCore.Http;
using Samples.ServiceDefaults.Http;
using Samples.ServiceDefaults.Logging;

namespace Samples.ServiceDefaults.Tests;

/// <summary>
/// The keys a request's Powertools log lines carry in
/// Lambda. Keys appended with Logger.AppendKey are written on every line, so the test reads them from there.
/// </summary>
public sealed class PowertoolsLogKeysTests
{
    [Fact]
    public async Task A_request_appends_the_lambda_keys_and_its_correlation_id_and_removes_them_when_it_ends()
    {
        var context = new DefaultHttpContext();
        context.Items["LambdaContext"] = new InvocationContext("products-fn", "aws-request-1");
        context.Request.Headers[CorrelationId.HeaderName] = "checkout-42";
        Dictionary<string, object>? during = null;
        var middleware = new PowertoolsLogKeys(_ =>
        {
            during = Logger.GetAllKeys().ToDictionary(pair => pair.Key, pair => pair.Value);
            return Task.CompletedTask;
        });

        await middleware.InvokeAsync(context);

        Assert.NotNull(during);
        Assert.Equal("products-fn", during[PowertoolsLogKeys.FunctionName]);
        Assert.Equal("aws-request-1", during[PowertoolsLogKeys.FunctionRequestId]);
        Assert.Equal("checkout-42", during[CorrelationId.LogKey]);
        Assert.IsType<bool>(during[PowertoolsLogKeys.ColdStart]);
        Assert.DoesNotContain(Logger.GetAllKeys(), pair => pair.Key is PowertoolsLogKeys.FunctionRequestId or CorrelationId.LogKey);
    }

    /// <summary>The invocation's context, as the runtime hands it to the hosting library.</summary>
    private sealed class InvocationContext(string functionName, string requestId) : ILambdaContext
    {
        public string AwsRequestId => requestId;

        public IClientContext ClientContext => null!;

        public string FunctionName => functionName;

        public string FunctionVersion => "1";

        public ICognitoIdentity Identity => null!;

        public string InvokedFunctionArn => $"arn:aws:lambda:us-east-1:123456789012:function:{functionName}:live";

        public ILambdaLogger Logger => null!;

        public string LogGroupName => "/aws/lambda/" + functionName;

        public string LogStreamName => "stream";

        public int MemoryLimitInMB => 1024;

        public TimeSpan RemainingTime => TimeSpan.FromSeconds(10);
    }
}
