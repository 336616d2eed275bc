using System.ComponentModel.DataAnnotations;
using Samples.BuildingBlocks.Data;

namespace Samples.ServiceDefaults.Data;

/// <summary>What every service that owns one table is configured with (its section: "Products", "Users"...).</summary>
public abstract class TableServiceOptions
{
    /// <summary>The table's name: the template passes the real one as {Section}__TableName.</summary>
    [Required]
    public string TableName { get; set; } = "";

    [Range(1, 1000)]
    public int DefaultPageSize { get; set; } = 20;

    [Range(1, 1000)]
    public int MaxPageSize { get; set; } = 100;

    public PageLimits Paging => new(DefaultPageSize, MaxPageSize);
}
