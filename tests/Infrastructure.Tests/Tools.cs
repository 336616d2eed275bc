using System.Diagnostics;

namespace Samples.Infrastructure.Tests;

/// <summary>Runs the Python tools the template tests need (cfn-lint, the SAM translator).</summary>
internal static class Tools
{
    /// <summary>
    /// The start of a Python script (argv: the template) that defines <c>template</c>: the template after the
    /// AWS::LanguageExtensions transform, as CloudFormation runs it before the SAM transform (cfn-lint's implementation:
    /// Fn::ForEach, then Fn::FindInMap over literal keys), as plain JSON values.
    /// </summary>
    public const string LanguageExtensions = """
        import os, sys, json
        import cfnlint.decode
        from cfnlint.template import Template
        from cfnlint.template.transforms._language_extensions import language_extension
        decoded, _ = cfnlint.decode.decode(sys.argv[1])
        _, expanded = language_extension(Template(sys.argv[1], decoded, ["us-east-1"]))
        template = json.loads(json.dumps(expanded))

        """;

    /// <summary>
    /// The start of a Python script (argv: the template, a JSON object of parameter values) that runs, after
    /// <see cref="LanguageExtensions"/>, the SAM transform as `sam deploy` would (function code stood in for) and defines,
    /// for what follows: <c>out</c> (the transformed template), <c>params</c>, <c>conditions</c>, <c>holds(condition)</c> (Equals, Not, And, Or and Condition over
    /// parameters, as CloudFormation evaluates them) and <c>chosen(node)</c> (a value with its Fn::If, parameter Refs and
    /// AWS::NoValue resolved).
    /// </summary>
    public const string SamTransform = LanguageExtensions + """
        from samtranslator.translator.transform import transform
        from samtranslator.public.translator import ManagedPolicyLoader
        os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
        given = json.loads(sys.argv[2])
        template["Transform"] = "AWS::Serverless-2016-10-31"
        for resource in template["Resources"].values():
            if resource["Type"] == "AWS::Serverless::Function":
                resource["Properties"]["CodeUri"] = "s3://bucket/key.zip"
        class NoPolicies(ManagedPolicyLoader):
            def __init__(self): pass
            def load(self): return {}
        params = {name: str(spec.get("Default", "")) for name, spec in template["Parameters"].items()}
        params.update(given)
        out = transform(template, {"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws", **given}, NoPolicies())
        conditions = out.get("Conditions", {})
        def value(node):
            if isinstance(node, dict) and "Ref" in node: return params[node["Ref"]]
            return str(node)
        def holds(node):
            if isinstance(node, dict):
                (fn, args), = node.items()
                if fn == "Fn::Equals": return value(args[0]) == value(args[1])
                if fn == "Fn::Not": return not holds(args[0])
                if fn == "Fn::And": return all(holds(a) for a in args)
                if fn == "Fn::Or": return any(holds(a) for a in args)
                if fn == "Condition": return holds(conditions[args])
            raise ValueError(node)
        def chosen(node):
            if isinstance(node, dict) and "Fn::If" in node:
                condition, yes, no = node["Fn::If"]
                return chosen(yes if holds(conditions[condition]) else no)
            if isinstance(node, dict) and node.get("Ref") == "AWS::NoValue": return None
            if isinstance(node, dict) and node.get("Ref") in params: return params[node["Ref"]]
            if isinstance(node, dict): return {key: chosen(item) for key, item in node.items()}
            return node

        """;

    public static Task<(int ExitCode, string Output)> RunAsync(string command, params string[] arguments) =>
        RunAsync(command, new Dictionary<string, string>(), arguments);

    public static async Task<(int ExitCode, string Output)> RunAsync(string command, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo(command) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        try
        {
            using var process = Process.Start(start)!;
            var stdout = process.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
            await process.WaitForExitAsync(TestContext.Current.CancellationToken);
            return (process.ExitCode, await stdout + "\n" + await stderr);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException(
                $"`{command}` is not on PATH. The template tests need Python 3 with cfn-lint and aws-sam-translator (pip install cfn-lint).", exception);
        }
    }
}
