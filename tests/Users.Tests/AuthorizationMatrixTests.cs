using System.Net;
using System.Text;

namespace Samples.Users.Tests;

/// <summary>
/// {self, another user, admin, no token, forged token} × every route. The target is the profile of
/// "self"; "another user" and "self" each have a profile, the admin has none. Every refused request must
/// leave the table exactly as it was.
/// </summary>
public sealed class AuthorizationMatrixTests(UsersApp app) : IClassFixture<UsersApp>
{
    public enum Actor { Self, Other, Admin, NoToken, Forged }

    public static TheoryData<string, string, Actor, HttpStatusCode> Cases()
    {
        var data = new TheoryData<string, string, Actor, HttpStatusCode>();
        void Route(string method, string path, HttpStatusCode self, HttpStatusCode other, HttpStatusCode admin)
        {
            data.Add(method, path, Actor.Self, self);
            data.Add(method, path, Actor.Other, other);
            data.Add(method, path, Actor.Admin, admin);
            data.Add(method, path, Actor.NoToken, HttpStatusCode.Unauthorized);
            data.Add(method, path, Actor.Forged, HttpStatusCode.Unauthorized);
        }

        // {target} is self's user id. POST names it in the body: it already exists.
        Route("POST", "/users", HttpStatusCode.Conflict, HttpStatusCode.Forbidden, HttpStatusCode.Conflict);
        Route("GET", "/users", HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.OK);
        Route("GET", "/users/me", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NotFound);
        Route("PUT", "/users/me", HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.NotFound);
        Route("DELETE", "/users/me", HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.NotFound);
        Route("GET", "/users/{target}", HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.OK);
        Route("PUT", "/users/{target}", HttpStatusCode.OK, HttpStatusCode.NotFound, HttpStatusCode.OK);
        Route("DELETE", "/users/{target}", HttpStatusCode.NoContent, HttpStatusCode.NotFound, HttpStatusCode.NoContent);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Each_caller_gets_what_the_rules_allow_and_refusals_change_nothing(string method, string path, Actor actor, HttpStatusCode expected)
    {
        var self = UsersApp.NewSub("self");
        var other = UsersApp.NewSub("other");
        await app.CreateOwnProfileAsync(self);
        await app.CreateOwnProfileAsync(other);
        var token = actor switch
        {
            Actor.Self => UsersApp.Token(self),
            Actor.Other => UsersApp.Token(other),
            Actor.Admin => UsersApp.Token(UsersApp.NewSub("admin"), admin: true),
            Actor.Forged => TestIssuer.UnsignedToken(self),
            _ => null,
        };
        using var client = app.ClientWithToken(token);
        using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{target}", self, StringComparison.Ordinal));
        if (method is "POST" or "PUT")
        {
            var userId = method == "POST" ? $",\"userId\":\"{self}\"" : "";
            request.Content = new StringContent($$"""{"displayName":"Changed"{{userId}}}""", Encoding.UTF8, "application/json");
            request.Headers.TryAddWithoutValidation("If-Match", "\"1\"");
        }

        var before = await TestTables.SnapshotAsync(app.Table);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        if ((int)expected >= 400)
        {
            await Problems.AssertAsync(response, expected);
            Assert.Equal(before, await TestTables.SnapshotAsync(app.Table));
        }
        else if (method is "PUT" or "DELETE")
        {
            // The write landed on the right profile: the caller's own for /me, the target's otherwise.
            var owner = path.EndsWith("/me", StringComparison.Ordinal) ? (actor == Actor.Other ? other : self) : self;
            var item = await TestTables.GetItemAsync(app.Table, "userId", owner);
            if (method == "DELETE")
            {
                Assert.Null(item);
            }
            else
            {
                Assert.Equal("Changed", item!["displayName"].S);
            }
        }
    }
}
