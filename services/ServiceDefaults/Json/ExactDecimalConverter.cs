using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Samples.ServiceDefaults.Json;

/// <summary>
/// Reads a JSON number into a <see cref="decimal"/> only if the decimal holds exactly the number sent.
/// System.Text.Json rounds silently: 1.0000000000000000000000000000001 becomes 1 and 1e-400 becomes 0, so a
/// price would be stored as something the client never said. Such numbers are refused instead
/// (<see cref="InexactNumberException"/>, a 400 naming the field). Writing is unchanged.
/// </summary>
public sealed class ExactDecimalConverter : JsonConverter<decimal>
{
    // Longer than any decimal (29 digits, exponent within ±28, sign, point) written in plain or e-notation.
    private const int MaxNumberLength = 128;

    public override decimal Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number)
        {
            throw new JsonException(); // strict number handling: "12" is not a number
        }

        var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
        if (raw.Length > MaxNumberLength || !reader.TryGetDecimal(out var value)
            || Normalize(Encoding.ASCII.GetString(raw)) != Normalize(value.ToString(CultureInfo.InvariantCulture)))
        {
            throw new InexactNumberException();
        }

        return value;
    }

    public override void Write(Utf8JsonWriter writer, decimal value, JsonSerializerOptions options) => writer.WriteNumberValue(value);

    /// <summary>
    /// A number as sign, significant digits and power of ten (12.50 and 1.25e1 both give "+125e-1"), so two
    /// spellings of the same value compare equal. Input is a valid JSON number of bounded length.
    /// </summary>
    private static string Normalize(string number)
    {
        var negative = number.StartsWith('-');
        var body = negative ? number[1..] : number;
        var exponentAt = body.IndexOfAny(['e', 'E']);
        long exponent = 0;
        if (exponentAt >= 0 && !long.TryParse(body[(exponentAt + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out exponent))
        {
            return "out of range"; // an exponent of 19 digits or more: no decimal is that large or that small
        }

        var mantissa = exponentAt < 0 ? body : body[..exponentAt];
        var point = mantissa.IndexOf('.', StringComparison.Ordinal);
        if (point >= 0)
        {
            exponent -= mantissa.Length - point - 1;
            mantissa = mantissa.Remove(point, 1);
        }

        var digits = mantissa.TrimStart('0');
        if (digits.Length == 0)
        {
            return "0"; // -0 and 0e5 are zero
        }

        var significant = digits.TrimEnd('0');
        exponent += digits.Length - significant.Length;
        return $"{(negative ? '-' : '+')}{significant}e{exponent}";
    }
}

/// <summary>A JSON number that the target type cannot hold exactly (too many digits, too large or too small).</summary>
public sealed class InexactNumberException : JsonException;
