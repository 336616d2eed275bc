using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Xunit;

namespace Samples.Testing;

/// <summary>One generated bad request body, named so a failure says which.</summary>
public sealed record HostileCase(string Name, byte[] Body)
{
    public override string ToString() => Name;
}

/// <summary>
/// Generated hostile input: a valid body broken in every way we know a client or an attacker breaks one —
/// malformed and truncated JSON, invalid UTF-8 and UTF-16, wrong types, duplicate and unknown fields, deep
/// nesting, numbers too large, too small or too precise, and text with control, invisible and bidirectional
/// characters — plus field-specific bad values. Every case must be refused with a 4xx and change nothing.
/// </summary>
public static class HostileCorpus
{
    private const string Marker = "@@hostile@@";

    /// <summary>Characters no stored text may hold (line breaks and tabs aside, for multi-line fields).</summary>
    public static readonly string[] ForbiddenCharacters =
    [
        "\u0000", "\u0001", "\u0007", "\u0008", "\u000B", "\u000C", "\u001B", "\u001F", "\u007F", "\u0085", "\u009F",
        "\u2028", "\u2029", "\u202A", "\u202B", "\u202C", "\u202D", "\u202E", "\u2066", "\u2067", "\u2068", "\u2069",
    ];

    /// <summary>Characters that show nothing: a name made only of these is blank.</summary>
    public static readonly string[] InvisibleCharacters =
    [
        " ", "\u00A0", "\u00AD", "\u034F", "\u115F", "\u1160", "\u180E", "\u200B", "\u200C", "\u200D", "\u200E", "\u200F",
        "\u2060", "\u2061", "\u2062", "\u2063", "\u2064", "\u3000", "\u3164", "\u2800", "\uFEFF", "\uFFA0", "\U000E0020", "\U000E007F",
    ];

    /// <summary>Single-line text no name may be: line breaks anywhere (a trailing newline too), forbidden and invisible-only text.</summary>
    public static IEnumerable<string> BadLines(string word)
    {
        foreach (var breakChar in new[] { "\n", "\r", "\r\n", "\t" }.Concat(ForbiddenCharacters))
        {
            yield return word + breakChar;
        }

        foreach (var forbidden in ForbiddenCharacters.Where((_, index) => index % 3 == 0))
        {
            yield return forbidden + word;
            yield return word[..1] + forbidden + word[1..];
        }

        foreach (var invisible in InvisibleCharacters)
        {
            yield return invisible;
            yield return invisible + invisible + invisible;
        }

        yield return "\u200B\u200C\u200D\uFEFF";
        yield return "\u0000";
        yield return " \u0000 ";
    }

    /// <summary>Multi-line text that is still refused: forbidden characters anywhere.</summary>
    public static IEnumerable<string> BadMultiline(string text) =>
        ForbiddenCharacters.SelectMany(forbidden => new[] { text + forbidden, forbidden + text });

    /// <summary>Numbers no price-like field may hold: too precise, too large, too small to store exactly.</summary>
    public static readonly string[] BadNumbers =
    [
        "1.0000000000000000000000000000001", "1e-400", "-1e-400", "1e400", "-1e400", "79228162514264337593543950336",
        "12.500000000000000000000000001", "0.000000000000000000000000000001", "1E-29", "123456789012345678901234567890.5",
        "1e99999999999999999999", "1e-99999999999999999999", "NaN", "Infinity", "-Infinity", "0x10", "01", "+1", ".5", "1.",
    ];

    /// <summary>
    /// The corpus for one route: structural breakage of <paramref name="valid"/>, then each field replaced by each
    /// of its bad raw JSON values (<paramref name="badValues"/>: field name → JSON tokens, as written on the wire).
    /// </summary>
    public static IReadOnlyList<HostileCase> Bodies(JsonObject valid, IReadOnlyDictionary<string, IEnumerable<string>> badValues)
    {
        var cases = new List<HostileCase>();
        var json = valid.ToJsonString();
        void Add(string name, string body) => cases.Add(new(name, Encoding.UTF8.GetBytes(body)));

        // Malformed and truncated JSON.
        for (var length = 0; length < json.Length; length += Math.Max(1, json.Length / 24))
        {
            Add($"truncated at {length}", json[..length]);
        }

        foreach (var trailer in new[] { "}", "]", ",", "x", "{}", "\u0000", "\n}", "//", "/* */", "'" })
        {
            Add($"trailing {Escape(trailer)}", json + trailer);
        }

        foreach (var root in new[] { "null", "[]", "[{}]", "\"text\"", "42", "true", "", " ", "{", "{\"", "{'a':1}", "{a:1}", "{\"a\" 1}" })
        {
            Add($"root {Escape(root)}", root);
        }

        Add("depth 65", new string('[', 65) + new string(']', 65));
        Add("depth 5000", new string('[', 5000));
        Add("object nested in field", json.Insert(1, "\"nested\":" + string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70) + ","));

        // Bytes that are not UTF-8, and escapes that are not UTF-16.
        var bytes = Encoding.UTF8.GetBytes(json);
        foreach (var bad in new byte[][] { [0xFF], [0xC3], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0xAF] })
        {
            var firstQuote = Array.IndexOf(bytes, (byte)'"', Array.IndexOf(bytes, (byte)':') + 1) + 1;
            cases.Add(new($"invalid UTF-8 {Convert.ToHexString(bad)}", [.. bytes[..firstQuote], .. bad, .. bytes[firstQuote..]]));
        }

        // Unknown, duplicate and oddly named fields.
        foreach (var unknown in new[] { "__proto__", "constructor", "$type", "id ", "", "\u0000", "version", "extra" })
        {
            Add($"unknown field {Escape(unknown)}", json.Insert(1, $"{JsonSerializer.Serialize(unknown)}:1,"));
        }

        foreach (var field in valid.Select(pair => pair.Key))
        {
            Add($"duplicate {field}", json.Insert(1, $"{JsonSerializer.Serialize(field)}:{valid[field]!.ToJsonString()},"));
        }

        // Each field: every bad value, and the values no field of any type takes.
        foreach (var (field, values) in badValues)
        {
            foreach (var raw in values.Concat(["{}", "[[[]]]", "\"\\ud800\"", "\"\\udc00x\"", "\"a\\ud800\\u0041\""]).Distinct(StringComparer.Ordinal))
            {
                var body = (JsonObject)valid.DeepClone();
                body[field] = Marker;
                Add($"{field} = {Escape(raw)}", body.ToJsonString().Replace($"\"{Marker}\"", raw, StringComparison.Ordinal));
            }
        }

        return cases;
    }

    /// <summary>
    /// Sends every case of <paramref name="corpus"/> as a JSON body through <paramref name="request"/>, and
    /// asserts each got a 4xx problem whose correlation id is the response header's, and that the table
    /// (<paramref name="tableName"/>) never changed. Reports every case that failed, not only the first.
    /// </summary>
    public static async Task AssertEachRefusedAsync(
        HttpClient client, IReadOnlyList<HostileCase> corpus, string tableName, Func<HttpContent, HttpRequestMessage> request)
    {
        var cancel = TestContext.Current.CancellationToken;
        var before = await TestTables.SnapshotAsync(tableName);
        var failures = new List<string>();
        foreach (var hostile in corpus)
        {
            var content = new ByteArrayContent(hostile.Body);
            content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var message = request(content);
            using var response = await client.SendAsync(message, cancel);
            var text = await response.Content.ReadAsStringAsync(cancel);
            var problem = response.Content.Headers.ContentType?.MediaType == "application/problem+json" ? JsonNode.Parse(text) : null;
            var header = response.Headers.TryGetValues("X-Correlation-Id", out var values) ? values.Single() : null;
            var refused = (int)response.StatusCode is >= 400 and < 500
                && problem?["correlationId"]?.GetValue<string>() is { Length: > 0 } id && id == header;
            var after = await TestTables.SnapshotAsync(tableName);
            if (!refused || !before.SequenceEqual(after))
            {
                failures.Add($"{hostile.Name}: {(int)response.StatusCode}{(refused ? ", but the table changed" : " " + text)}");
                before = after;
            }
        }

        Assert.True(failures.Count == 0, $"{failures.Count} of {corpus.Count} hostile bodies were not refused cleanly:\n{string.Join("\n", failures.Take(40))}");
    }

    /// <summary>A string as a JSON token, written by hand so that lone surrogates survive.</summary>
    public static string Token(string text) => JsonSerializer.Serialize(text);

    private static string Escape(string text)
    {
        var builder = new StringBuilder();
        foreach (var c in text.Length > 40 ? text[..40] + "…" : text)
        {
            builder.Append(c is < ' ' or > '~' ? $"\\u{(int)c:X4}" : c.ToString());
        }

        return builder.ToString();
    }
}
