using Samples.ServiceDefaults.Data;

namespace Samples.Users;

/// <summary>Bound from the "Users" section (env: Users__TableName).</summary>
public sealed class UsersOptions : TableServiceOptions
{
    public const string SectionName = "Users";
}
