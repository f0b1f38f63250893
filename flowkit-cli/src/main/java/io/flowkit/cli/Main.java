package io.flowkit.cli;

import java.io.FileDescriptor;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.util.Properties;

/**
 * The {@code flowkit} command. Exit status: 0 success, 1 unreadable input, 2 bad usage; errors
 * are one line on stderr (with {@code --debug}, also the stack trace).
 */
public final class Main {
    static final String USAGE = """
            Usage: flowkit COMMAND [options] ...

            Commands:
              analyze FILE...      turn pcap/pcapng captures into Zeek-style conn.log
              live -i IFACE        capture from an interface, conn.log as connections close
              generate --out FILE  write a synthetic capture and its ground truth
              conformance DIR      compare flowkit's conn.log with Zeek's on a conformance corpus
              help [COMMAND]       show help
              version              show the version

            Run 'flowkit COMMAND --help' for a command's options.
            """;

    private Main() {
    }

    /**
     * Runs the command and exits with its status.
     *
     * @param args the command line
     */
    public static void main(String[] args) {
        // standard input unbuffered, as the file it is: 'analyze -' then reads it through its
        // channel into a direct buffer (one copy) instead of through the JVM's buffered stream
        System.setIn(new FileInputStream(FileDescriptor.in));
        int status = run(args, System.out, System.err);
        System.out.flush();
        System.exit(status);
    }

    /**
     * Runs the command without exiting; for tests and embedding.
     *
     * @param args the command line
     * @param out  standard output
     * @param err  standard error
     * @return the exit status
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        boolean debug = false;
        for (String a : args) {
            if (a.equals("--debug")) {
                debug = true;
            }
        }
        if (args.length == 0) {
            err.print(USAGE);
            return 2;
        }
        String command = args[0];
        try {
            switch (command) {
                case "analyze":
                    return new AnalyzeCommand(out, err).run(args);
                case "live":
                    return new LiveCommand(out, err).run(args);
                case "conformance":
                    return new ConformanceCommand(out, err).run(args);
                case "generate":
                    return io.flowkit.bench.gen.GenerateMain.run(java.util.Arrays.copyOfRange(args, 1, args.length),
                            out, err);
                case "version":
                case "--version":
                    out.println("flowkit " + version());
                    return 0;
                case "help":
                case "--help":
                case "-h":
                    if (args.length > 1) {
                        return run(new String[] {args[1], "--help"}, out, err);
                    }
                    out.print(USAGE);
                    return 0;
                default:
                    throw new UsageException("unknown command '" + command + "'");
            }
        } catch (UsageException e) {
            err.println("flowkit: " + e.getMessage());
            err.print(usageOf(command));
            return 2;
        } catch (InputException e) {
            err.println("flowkit: " + e.getMessage());
            if (debug && e.getCause() != null) {
                e.getCause().printStackTrace(err);
            }
            return 1;
        } catch (IOException e) {
            err.println("flowkit: " + e.getMessage());
            if (debug) {
                e.printStackTrace(err);
            }
            return 1;
        } catch (RuntimeException e) {
            err.println("flowkit: internal error: " + e + (debug ? "" : " (run with --debug for details)"));
            if (debug) {
                e.printStackTrace(err);
            }
            return 1;
        }
    }

    private static String usageOf(String command) {
        return switch (command) {
            case "analyze" -> AnalyzeCommand.USAGE;
            case "conformance" -> ConformanceCommand.USAGE;
            case "live" -> LiveCommand.USAGE;
            default -> USAGE;
        };
    }

    static String version() {
        try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
            if (in == null) {
                return "unknown";
            }
            Properties p = new Properties();
            p.load(in);
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}
