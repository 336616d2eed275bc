namespace Samples.StandIns;

/// <summary>Where things are in this repository, found from any working directory inside it.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    public static string Template => Path.Combine(Root, "infra", "template.yaml");

    public static string NodeModules => Path.Combine(Root, "node_modules");

    public static string StateDirectory => Path.Combine(Root, ".local");

    /// <summary>
    /// The folder of a project under services/, named as the project: services/Products, or one level down in a service
    /// of several projects, services/Chat/Chat.Rooms.
    /// </summary>
    public static string ProjectDirectory(string project) =>
        new[] { Path.Combine(Root, "services", project) }
            .Concat(Directory.EnumerateDirectories(Path.Combine(Root, "services")).Select(service => Path.Combine(service, project)))
            .FirstOrDefault(directory => File.Exists(Path.Combine(directory, project + ".csproj")))
        ?? throw new InvalidOperationException($"services/ has no {project}/{project}.csproj.");

    private static string FindRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Samples.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException("Run this from inside the repository (no Samples.sln found above the working directory).");
    }
}
