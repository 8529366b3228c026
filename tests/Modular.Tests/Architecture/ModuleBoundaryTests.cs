using System.Reflection;
using System.Xml.Linq;
using Modular.Tests.Infrastructure;

namespace Modular.Tests.Architecture;

/// <summary>
/// A module references only BuildingBlocks and other modules' contracts; contracts reference nothing;
/// only the host references module projects. Checked in the project files and in the compiled assemblies.
/// </summary>
public sealed class ModuleBoundaryTests
{
    private static readonly string Root = TestEnvironment.RepositoryRoot();

    public static TheoryData<string> ModuleProjects() =>
        new(Directory.GetFiles(Path.Combine(Root, "src", "Modules"), "*.csproj", SearchOption.AllDirectories)
            .Where(p => !p.Contains(".Contracts")).Select(p => Path.GetRelativePath(Root, p)));

    [Theory]
    [MemberData(nameof(ModuleProjects))]
    public void a_module_references_only_building_blocks_and_contracts(string project)
    {
        foreach (var reference in ProjectReferences(project))
            (reference == "BuildingBlocks" || reference.EndsWith(".Contracts")).ShouldBeTrue($"{project} references {reference}");

        var assembly = Assembly.Load($"Modular.{Path.GetFileNameWithoutExtension(project)}");
        foreach (var name in assembly.GetReferencedAssemblies().Select(a => a.Name!).Where(n => n.StartsWith("Modular.")))
            (name == "Modular.BuildingBlocks" || name.EndsWith(".Contracts")).ShouldBeTrue($"{assembly.GetName().Name} uses {name}");
    }

    [Fact]
    public void contracts_projects_hold_records_only_and_reference_nothing()
    {
        var contracts = Directory.GetFiles(Path.Combine(Root, "src", "Modules"), "*.Contracts.csproj", SearchOption.AllDirectories);
        contracts.ShouldNotBeEmpty();
        foreach (var project in contracts)
        {
            var xml = XDocument.Load(project);
            xml.Descendants("PackageReference").ShouldBeEmpty(project);
            xml.Descendants("ProjectReference").ShouldBeEmpty(project);
        }
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
