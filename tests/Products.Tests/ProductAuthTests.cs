using System.Net;
using System.Net.Http.Json;
using System.Security.Claims;
using Samples.ServiceDefaults.Authentication;

namespace Samples.Products.Tests;

public sealed class ProductAuthTests(ProductsApp app) : IClassFixture<ProductsApp>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static TheoryData<string, string?> RefusedTokens => new()
    {
        { "no token", null },
        { "expired", TestIssuer.Token("admin-sub", ["admin"], expires: DateTime.UtcNow.AddMinutes(-10)) },
        { "wrong issuer", TestIssuer.Token("admin-sub", ["admin"], issuer: "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Other") },
        { "wrong audience", TestIssuer.Token("admin-sub", ["admin"], audience: "another-app-client") },
        { "wrong audience, access token", TestIssuer.Token("admin-sub", ["admin"], tokenUse: "access", audience: "another-app-client") },
        { "bad signature", TestIssuer.Token("admin-sub", ["admin"], foreignKey: true) },
        { "alg none", TestIssuer.UnsignedToken("admin-sub") },
        { "not a jwt", "definitely-not-a-token" },
    };

    [Theory]
    [MemberData(nameof(RefusedTokens))]
    public async Task Writes_with_a_missing_or_bad_token_get_401_and_change_nothing(string why, string? token)
    {
        var id = await app.CreateProductAsync();
        var before = await TestTables.SnapshotAsync(app.Table);
        using var client = app.ClientWithToken(token);

        using var create = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);
        using var replace = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("Hijacked"), "\"1\""), Cancel);
        using var delete = await client.DeleteAsync($"/products/{id}", Cancel);

        foreach (var response in new[] { create, replace, delete })
        {
            await Problems.AssertAsync(response, HttpStatusCode.Unauthorized);
        }

        Assert.True(before.SequenceEqual(await TestTables.SnapshotAsync(app.Table)), $"A request with {why} changed the table.");
    }

    [Fact]
    public async Task Writes_by_a_signed_in_non_admin_get_403_and_change_nothing()
    {
        var id = await app.CreateProductAsync();
        var before = await TestTables.SnapshotAsync(app.Table);
        using var client = app.ClientWithToken(ProductsApp.MemberToken);

        using var create = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);
        using var replace = await client.SendAsync(Requests.Put($"/products/{id}", ProductsApp.ValidBody("Hijacked"), "\"1\""), Cancel);
        using var delete = await client.DeleteAsync($"/products/{id}", Cancel);

        foreach (var response in new[] { create, replace, delete })
        {
            await Problems.AssertAsync(response, HttpStatusCode.Forbidden);
        }

        Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
    }

    [Fact]
    public async Task An_admin_access_token_is_accepted_like_api_gateways_jwt_authorizer_does()
    {
        using var client = app.ClientWithToken(TestIssuer.Token("admin-sub", ["admin"], tokenUse: "access"));

        using var response = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_token_validated_once_keeps_working_and_a_tampered_copy_is_still_refused()
    {
        var token = ProductsApp.AdminToken;
        using var client = app.ClientWithToken(token);
        var tampered = token[..^4] + (token[^4] == 'A' ? "BBBB" : "AAAA");
        using var forger = app.ClientWithToken(tampered);

        using var first = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);
        using var second = await client.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);
        using var forged = await forger.PostAsJsonAsync("/products", ProductsApp.ValidBody(), Cancel);

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.Created, second.StatusCode);
        await Problems.AssertAsync(forged, HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Reads_need_no_token_and_ignore_a_bad_one()
    {
        var id = await app.CreateProductAsync();
        using var anonymous = app.Anonymous();
        using var badToken = app.ClientWithToken(TestIssuer.Token("someone", foreignKey: true));

        using var list = await anonymous.GetAsync("/products", Cancel);
        using var get = await anonymous.GetAsync($"/products/{id}", Cancel);
        using var listWithBadToken = await badToken.GetAsync("/products", Cancel);
        using var getWithBadToken = await badToken.GetAsync($"/products/{id}", Cancel);

        Assert.All(new[] { list, get, listWithBadToken, getWithBadToken }, response => Assert.Equal(HttpStatusCode.OK, response.StatusCode));
    }

    [Theory]
    [InlineData("admin")]            // REST API authorizer: comma-separated
    [InlineData("readers,admin")]
    [InlineData("[readers admin]")]  // HTTP API JWT authorizer: "[a b]"
    public async Task A_gateway_identity_in_the_admin_group_writes_without_a_bearer_token(string groups)
    {
        using var client = app.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = JsonContent.Create(ProductsApp.ValidBody()) };
        request.Headers.Add(GatewayIdentity.TestHeader, "gateway-admin|" + groups);

        using var response = await client.SendAsync(request, Cancel);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var product = await response.Content.ReadFromJsonAsync<System.Text.Json.Nodes.JsonObject>(Cancel);
        Assert.Equal("gateway-admin", product!["createdBy"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_gateway_identity_outside_the_admin_group_gets_403()
    {
        using var client = app.Anonymous();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/products") { Content = JsonContent.Create(ProductsApp.ValidBody()) };
        request.Headers.Add(GatewayIdentity.TestHeader, "gateway-reader|[readers administrators]");

        using var response = await client.SendAsync(request, Cancel);

        await Problems.AssertAsync(response, HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Cognito_groups_in_all_three_claim_shapes_become_roles_once()
    {
        static ClaimsPrincipal With(params string[] values) =>
            new(new ClaimsIdentity(values.Select(v => new Claim(CognitoGroups.ClaimType, v)), "test"));

        Assert.Equal(["admin", "readers"], CognitoGroups.Of(With("admin", "readers")).Order());
        Assert.Equal(["admin", "readers"], CognitoGroups.Of(With("admin,readers")).Order());
        Assert.Equal(["admin", "readers"], CognitoGroups.Of(With("[admin readers]")).Order());
        Assert.Equal(["admin"], CognitoGroups.Of(With("[admin]")));
        Assert.Empty(CognitoGroups.Of(With("[]")));

        var transformation = new CognitoGroups();
        foreach (var shape in new[] { With("admin", "readers"), With("admin,readers"), With("[admin readers]") })
        {
            var principal = await transformation.TransformAsync(await transformation.TransformAsync(shape));
            Assert.True(principal.IsInRole(CognitoGroups.Admin));
            Assert.True(principal.IsInRole("readers"));
            Assert.Equal(2, principal.FindAll(ClaimTypes.Role).Count()); // transformed twice, added once
        }

        Assert.False((await transformation.TransformAsync(With("administrators"))).IsInRole(CognitoGroups.Admin));
    }
}
