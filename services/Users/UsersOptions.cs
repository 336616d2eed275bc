using Microsoft.Extensions.Options;
using Samples.ServiceDefaults.Data;

namespace Samples.Users;

/// <summary>Bound from the "Users" section (env: Users__TableName).</summary>
public sealed class UsersOptions : TableServiceOptions
{
    public const string SectionName = "Users";
}

/// <summary>Checks the options' attributes at start-up; the code is generated at compile time (no reflection).</summary>
[OptionsValidator]
internal sealed partial class UsersOptionsValidator : IValidateOptions<UsersOptions>;
