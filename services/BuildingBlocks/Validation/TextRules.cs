using System.Globalization;
using System.Text;

namespace Samples.BuildingBlocks.Validation;

/// <summary>
/// What free text must be before it is stored. Names must show something: a string of zero-width spaces,
/// joiners, BOMs, Hangul fillers or NULs is "not blank" to <c>string.IsNullOrWhiteSpace</c> but is blank to a
/// reader. Control characters, line separators and bidirectional overrides never belong in stored text (they
/// forge log lines, break displays and reorder what a reader sees); multi-line text may hold line breaks and tabs.
/// The gateway models in infra/template.yaml spell the same rules as patterns.
/// </summary>
public static class TextRules
{
    /// <summary>One line of text with at least one letter, digit, punctuation mark or symbol, and no control characters.</summary>
    public static bool IsVisibleLine(string text) => !HasControl(text, allowLineBreaks: false) && HasVisibleRune(text);

    /// <summary>Text that may span lines, with at least one letter, digit, punctuation mark or symbol.</summary>
    public static bool IsVisibleText(string text) => !HasControl(text, allowLineBreaks: true) && HasVisibleRune(text);

    /// <summary>Free text that may span lines: tabs and line breaks are allowed, other control characters are not.</summary>
    public static bool IsMultilineText(string text) => !HasControl(text, allowLineBreaks: true);

    /// <summary>Lengths in Unicode code points, as JSON Schema's maxLength counts them at the gateway.</summary>
    public static int CodePoints(string text) => text.EnumerateRunes().Count();

    private static bool HasControl(string text, bool allowLineBreaks)
    {
        foreach (var c in text)
        {
            if (IsForbidden(c, allowLineBreaks))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsForbidden(char c, bool allowLineBreaks) => c switch
    {
        '\n' or '\r' or '\t' => !allowLineBreaks,
        _ when char.IsControl(c) => true,
        // Line and paragraph separators, and the bidirectional embeddings, overrides and isolates that make
        // text display in another order than it is stored ("Trojan source").
        >= '\u2028' and <= '\u202E' or >= '\u2066' and <= '\u2069' => true,
        _ => false,
    };

    private static bool HasVisibleRune(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (IsVisible(rune))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsVisible(Rune rune)
    {
        // Letters that render as nothing: Hangul fillers and the blank Braille pattern.
        if (rune.Value is 0x115F or 0x1160 or 0x3164 or 0xFFA0 or 0x2800)
        {
            return false;
        }

        return Rune.GetUnicodeCategory(rune) switch
        {
            UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter or UnicodeCategory.TitlecaseLetter
                or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.ConnectorPunctuation or UnicodeCategory.DashPunctuation or UnicodeCategory.OpenPunctuation
                or UnicodeCategory.ClosePunctuation or UnicodeCategory.InitialQuotePunctuation or UnicodeCategory.FinalQuotePunctuation
                or UnicodeCategory.OtherPunctuation
                or UnicodeCategory.MathSymbol or UnicodeCategory.CurrencySymbol or UnicodeCategory.ModifierSymbol
                or UnicodeCategory.OtherSymbol => true,
            _ => false,
        };
    }
}
