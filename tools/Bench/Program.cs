namespace Modular.Bench;

// The baselines and load helpers of `make bench` (scripts/bench.sh). Each command prints its result
// as one JSON line on stdout, so the script only collects lines and `report` turns them into the table.
internal static class Program
{
    private const string Usage = """
        usage: Modular.Bench <command> [options]
          serve --port N                                bare Kestrel GET /json: the machine's HTTP limit
          hash-rate [--seconds S] [--threads N]         verifies/s of Modular.Users.Passwords on every core
          login-rate --gateway URL[,URL] --email E --topology T [--rounds 4] [--seconds 6] [--clients 8]
                                                        login rounds alternated with hash-rate rounds
          mail-latency --gateway URL[,URL] --smtp-port P [--count 50] [--topology T]
                                                        sequential registers; register response -> welcome e-mail
          smtp-sink --port P [--count-file F]           an SMTP server that accepts and drops every e-mail
          burst --gateway URL[,URL] [--count 200] [--clients 16] [--topology T]
                                                        concurrent registrations (the memory pass)
          report --input FILE --json OUT [--markdown FILE]
                                                        the table, from the JSON lines the others printed
        """;

    private static async Task<int> Main(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine(Usage);
            return 2;
        }
        try
        {
            var options = Options.Parse(args[1..]);
            return args[0] switch
            {
                "serve" => await Serve.RunAsync(options),
                "hash-rate" => HashRate.Run(options),
                "login-rate" => await LoginRate.RunAsync(options),
                "mail-latency" => await MailLatency.RunAsync(options),
                "smtp-sink" => await SmtpSink.RunAsync(options),
                "burst" => await Burst.RunAsync(options),
                "report" => Report.Run(options),
                _ => throw new ArgumentException($"unknown command {args[0]}"),
            };
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"bench: {e.Message}\n{Usage}");
            return 2;
        }
    }
}
