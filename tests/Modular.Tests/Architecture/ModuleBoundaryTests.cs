using System.Reflection;
using System.Xml.Linq;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Architecture;

/// <summary>
/// A module references only BuildingBlocks and other modules' contracts; contracts reference only the markers of src/Contracts;
/// only the host references module projects. Checked in the project files and in the compiled assemblies.
/// </summary>
public sealed class ModuleBoundaryTests
{
    private static readonly string Root = TestEnvironment.RepositoryRoot();

    public static TheoryData<string> ModuleProjects() => new(ModuleProjectPaths());

    private static IEnumerable<string> ModuleProjectPaths() =>
        Directory.GetFiles(Path.Combine(Root, "src", "Modules"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains(".Contracts")).Select(p => Path.GetRelativePath(Root, p));

    [Theory]
    [MemberData(nameof(ModuleProjects))]
    public void a_module_references_only_building_blocks_and_contracts(string project)
    {
        foreach (var reference in ProjectReferences(project))
            (reference is "BuildingBlocks" or "BuildingBlocks.Persistence" || reference.EndsWith(".Contracts"))
                .ShouldBeTrue($"{project} references {reference}");

        var assembly = Assembly.Load($"Modular.{Path.GetFileNameWithoutExtension(project)}");
        foreach (var name in assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Modular.")))
            (name is "Modular.BuildingBlocks" or "Modular.BuildingBlocks.Persistence" || name.EndsWith(".Contracts"))
                .ShouldBeTrue($"{assembly.GetName().Name} uses {name}");
    }

    [Fact]
    public void contracts_projects_hold_records_only_and_reference_nothing_but_the_markers()
    {
        var contracts = Directory.GetFiles(Path.Combine(Root, "src", "Modules"), "*.Contracts.csproj", SearchOption.AllDirectories)
            .Append(Path.Combine(Root, "src", "Contracts", "Contracts.csproj"));
        foreach (var project in contracts)
        {
            var xml = XDocument.Load(project);
            xml.Descendants("PackageReference").ShouldBeEmpty(project);
            var references = ProjectReferences(Path.GetRelativePath(Root, project)).ToList();
            // src/Contracts: IRequest and IEvent, which say where a contract travels (MessagingTopology).
            references.ShouldBe(project.EndsWith(Path.Combine("src", "Contracts", "Contracts.csproj")) ? [] : ["Contracts"], project);
        }
    }

    [Fact]
    public void a_module_without_a_database_pulls_in_no_marten_and_no_module_pulls_in_kafka()
    {
        // The gateway keeps its state in Redis: neither it nor anything it references brings Marten or Npgsql. The Kafka
        // transport is the host's (BuildingBlocks.Hosting): a module talks to the others through Wolverine only.
        var gateway = PackagesOf(Path.Combine("src", "Modules", "Gateway", "Gateway.csproj")).ToList();
        gateway.ShouldContain("StackExchange.Redis"); // the walk reads the package references at all
        gateway.Where(p => p.Contains("Marten") || p.Contains("Npgsql", StringComparison.OrdinalIgnoreCase)).ShouldBeEmpty();
        foreach (var project in ModuleProjectPaths())
            PackagesOf(project).Where(p => p.Contains("Kafka")).ShouldBeEmpty(project);
        PackagesOf(Path.Combine("src", "Host", "Host.csproj")).ShouldContain("WolverineFx.Kafka");
    }

    /// <summary>The packages a project references, itself or through the projects it references.</summary>
    private static IEnumerable<string> PackagesOf(string project)
    {
        var xml = XDocument.Load(Path.Combine(Root, project));
        var own = xml.Descendants("PackageReference").Select(r => r.Attribute("Include")!.Value);
        var referenced = xml.Descendants("ProjectReference").SelectMany(r => PackagesOf(Path.GetRelativePath(Root,
            Path.GetFullPath(Path.Combine(Root, Path.GetDirectoryName(project)!, r.Attribute("Include")!.Value.Replace('\\', '/'))))));
        return own.Concat(referenced).Distinct();
    }

    [Fact]
    public void only_the_host_references_module_projects()
    {
        var projects = Directory.GetFiles(Path.Combine(Root, "src"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains(Path.Combine("src", "Host")));
        foreach (var project in projects)
            ProjectReferences(project).Where(r => r is "Gateway" or "Users" or "Notifications").ShouldBeEmpty(project);
    }

    private static IEnumerable<string> ProjectReferences(string project) =>
        XDocument.Load(Path.Combine(Root, project)).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension(r.Attribute("Include")!.Value.Replace('\\', '/')));
}
