using System.Reflection;
using Microsoft.ML;
using Microsoft.ML.Runtime;

namespace MLNetDeep.Trainers.Hosting;

/// <summary>
/// Recovers the environment of the user's <see cref="MLContext"/> from an ML.NET trainer catalog.
/// </summary>
/// <remarks>
/// ML.NET's catalogs keep their environment behind the internal interface <c>IInternalCatalog</c>.
/// Our trainers need it to log through <c>mlContext.Log</c>, draw their seed from the context and honour
/// <see cref="MLContext.GpuDeviceId"/>, so it is read by reflection once per catalog type. The property is
/// implemented explicitly, hence the lookup by name suffix rather than by plain name.
/// </remarks>
internal static class CatalogContext
{
    public static IHostEnvironment FromCatalog(object catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        for (var type = catalog.GetType(); type != null; type = type.BaseType)
        {
            var property = type
                .GetProperties(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public | BindingFlags.DeclaredOnly)
                .FirstOrDefault(p => p.Name.EndsWith("Environment", StringComparison.Ordinal) && typeof(IHostEnvironment).IsAssignableFrom(p.PropertyType));
            if (property?.GetValue(catalog) is IHostEnvironment env)
                return env;
        }
        throw new InvalidOperationException(
            $"Could not find the MLContext behind the catalog {catalog.GetType().FullName}. This build of MLNetDeep supports Microsoft.ML 5.0.x.");
    }
}
