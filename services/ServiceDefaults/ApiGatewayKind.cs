namespace Samples.ServiceDefaults;

/// <summary>The API Gateway flavour that fronts a service, and so the Lambda event shape it receives.</summary>
public enum ApiGatewayKind
{
    /// <summary>REST API, payload format 1.0.</summary>
    RestApi,

    /// <summary>HTTP API, payload format 2.0.</summary>
    HttpApi,

    /// <summary>WebSocket API: every route arrives as <c>POST /{routeKey}</c>.</summary>
    WebSocketApi,
}
