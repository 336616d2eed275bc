using Microsoft.AspNetCore.Http;

namespace Samples.ServiceDefaults;

/// <summary>
/// Which request is the function's cold start: the first one after the init phase or, with SnapStart, after a
/// restore (LambdaHosting.cs calls <see cref="Rearm"/> then). The SnapStart warm-up requests run before
/// the snapshot, so without the re-arm they would take the flag and no real request would report a cold start.
/// The log keys and the ColdStart metric ask for the same request and get the same answer.
/// </summary>
public static class ColdStart
{
    private const string Item = "Samples.ColdStart";
    private static int pending = 1;

    /// <summary>True for every caller during the one request that is the cold start; false for all others.</summary>
    public static bool Of(HttpContext context)
    {
        if (context.Items.TryGetValue(Item, out var known) && known is bool cold)
        {
            return cold;
        }

        cold = Take();
        context.Items[Item] = cold;
        return cold;
    }

    /// <summary>True for the first invocation that asks (a function that is not a web app asks once per invocation).</summary>
    public static bool Take() => Interlocked.Exchange(ref pending, 0) == 1;

    /// <summary>The next request is a cold start again (after a SnapStart restore).</summary>
    public static void Rearm() => Volatile.Write(ref pending, 1);
}
