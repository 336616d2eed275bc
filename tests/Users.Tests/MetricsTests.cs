using System.Net;
using System.Net.Http.Json;
using Samples.BuildingBlocks.Observability;

namespace Samples.Users.Tests;

/// <summary>Profile writes and version conflicts, by the names and service dimension the code emits.</summary>
public sealed class MetricsTests(UsersApp app) : IClassFixture<UsersApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Profile_writes_and_version_conflicts_are_counted_under_the_users_service()
    {
        using var metrics = new MetricsRecorder(app.Services);
        using var client = app.As(UsersApp.NewSub("ada"));

        using var created = await client.PostAsJsonAsync("/users", UsersApp.Body(), Cancel);
        using var replaced = await client.SendAsync(Requests.Put("/users/me", UsersApp.Body(), "\"1\""), Cancel);
        using var stale = await client.SendAsync(Requests.Put("/users/me", UsersApp.Body(), "\"1\""), Cancel);
        using var deleted = await client.SendAsync(Requests.Delete("/users/me", "\"2\""), Cancel);

        Assert.Equal([HttpStatusCode.Created, HttpStatusCode.OK, HttpStatusCode.PreconditionFailed, HttpStatusCode.NoContent],
            new[] { created, replaced, stale, deleted }.Select(response => response.StatusCode));
        Assert.Equal(1, metrics.Total(UsersApi.Metric.Created));
        Assert.Equal(1, metrics.Total(UsersApi.Metric.Replaced));
        Assert.Equal(1, metrics.Total(UsersApi.Metric.Deleted));
        Assert.Equal(1, metrics.Total(BusinessMetrics.VersionConflicts));
        Assert.Equal(["users"], metrics.Services);
    }
}
