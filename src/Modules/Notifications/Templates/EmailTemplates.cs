using System.Collections.Frozen;
using System.Text.Encodings.Web;
using System.Text.RegularExpressions;
using Fluid;
using MimeKit;

namespace Modular.Notifications.Templates;

/// <summary>
/// The e-mails, rendered from the Liquid templates embedded in this assembly: <c>Templates/&lt;name&gt;.subject.liquid</c>,
/// <c>.text.liquid</c> and <c>.html.liquid</c> for each e-mail. Static rather than a service, because the templates
/// are part of the build and need no configuration.
/// </summary>
public static partial class EmailTemplates
{
    private const string Extension = ".liquid";
    private static readonly string ResourcePrefix = typeof(EmailTemplates).Namespace + ".";

    // Strict: a value a template names but the model lacks (a renamed property, a typo) fails the render instead
    // of sending an e-mail with a blank where the reset link should be.
    private static readonly TemplateOptions Options = new() { StrictVariables = true, StrictFilters = true };

    // Parsed once, at first use; IFluidTemplate is thread-safe, a TemplateContext is not (one per render).
    private static readonly Lazy<FrozenDictionary<string, IFluidTemplate>> Parsed = new(Load);

    /// <summary>How e-mails show a moment: to the minute, in UTC, said so in the text.</summary>
    public static string UtcMinute(DateTimeOffset moment) =>
        moment.ToUniversalTime().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// Renders the e-mail <paramref name="template"/> (e.g. <c>welcome</c>) for <paramref name="model"/>, an object whose
    /// public properties the templates name (<c>new { name, email }</c>): a one-line subject, a text part and an HTML
    /// part in which every value is HTML-encoded.
    /// </summary>
    /// <exception cref="InvalidOperationException">
    /// There is no such template, one of its three parts is missing, or a part names a value <paramref name="model"/> lacks.
    /// </exception>
    public static MimeMessage Render(string template, object model, MailboxAddress from, MailboxAddress to)
    {
        ArgumentNullException.ThrowIfNull(model);

        var subject = Whitespace().Replace(RenderPart(template, "subject", model, NullEncoder.Default), " ").Trim();
        var body = new BodyBuilder
        {
            TextBody = RenderPart(template, "text", model, NullEncoder.Default),
            HtmlBody = RenderPart(template, "html", model, HtmlEncoder.Default),
        };

        var message = new MimeMessage { Subject = subject, Body = body.ToMessageBody() };
        message.From.Add(from);
        message.To.Add(to);
        return message;
    }

    private static string RenderPart(string template, string part, object model, TextEncoder encoder)
    {
        var name = $"{template}.{part}{Extension}";
        if (!Parsed.Value.TryGetValue(name, out var parsed))
            throw new InvalidOperationException(
                $"There is no e-mail template '{template}': the embedded resource Templates/{name} is missing.");

        try
        {
            return parsed.Render(new TemplateContext(model, Options), encoder);
        }
        catch (FluidException e)
        {
            throw new InvalidOperationException($"The e-mail template Templates/{name} does not render: {e.Message}", e);
        }
    }

    private static FrozenDictionary<string, IFluidTemplate> Load()
    {
        var parser = new FluidParser();
        var assembly = typeof(EmailTemplates).Assembly;
        var templates = new Dictionary<string, IFluidTemplate>(StringComparer.Ordinal);
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            if (!resource.StartsWith(ResourcePrefix, StringComparison.Ordinal) || !resource.EndsWith(Extension, StringComparison.Ordinal))
                continue;

            using var reader = new StreamReader(assembly.GetManifestResourceStream(resource)!);
            var name = resource[ResourcePrefix.Length..];
            templates[name] = parser.TryParse(reader.ReadToEnd(), out var parsed, out var error)
                ? parsed
                : throw new InvalidOperationException($"The e-mail template Templates/{name} does not parse: {error}");
        }
        return templates.ToFrozenDictionary(StringComparer.Ordinal);
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
