using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace Samples.ServiceDefaults.Http;

/// <summary>
/// Where the data protection key ring lives: in memory, for the life of the process. The services protect nothing
/// (bearer tokens, no cookies or antiforgery), but AddAuthentication brings data protection, whose hosted service
/// creates a key at start. With a file repository that key would be written under $HOME (Lambda's file system is
/// read-only outside /tmp) and logged at Warning as "persisted to storage in unencrypted form" on every cold start.
/// </summary>
internal sealed class InMemoryKeyRing : IXmlRepository
{
    private readonly List<XElement> elements = [];
    private readonly Lock gate = new();

    public IReadOnlyCollection<XElement> GetAllElements()
    {
        lock (gate)
        {
            return [.. elements.Select(element => new XElement(element))];
        }
    }

    public void StoreElement(XElement element, string friendlyName)
    {
        lock (gate)
        {
            elements.Add(new XElement(element));
        }
    }
}
