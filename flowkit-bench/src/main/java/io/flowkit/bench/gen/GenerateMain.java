package io.flowkit.bench.gen;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;

/**
 * Command-line entry of the traffic generator; {@code flowkit generate} delegates here.
 *
 * <pre>
 * generate --out FILE [--packets N] [--flows N] [--seed N] [--mss N] [--scan] [--flood N] [--fragments SHARE]
 * </pre>
 *
 * Exit status 0 on success, 2 with the usage on bad options, 1 when the files cannot be written.
 */
public final class GenerateMain {
    static final String USAGE = String.join("\n",
            "usage: generate --out FILE [--packets N] [--flows N] [--seed N] [--mss N] [--scan] [--flood N]",
            "                [--fragments SHARE]",
            "  --out FILE     capture to write (pcap, nanosecond timestamps); the ground truth",
            "                 goes beside it as FILE without .pcap plus .truth.tsv",
            "  --packets N    number of packets to write (default " + GeneratorOptions.DEFAULT_PACKETS + ")",
            "  --flows N      connections open at once (default 1000)",
            "  --seed N       random seed; equal options and seed give identical files (default 1)",
            "  --mss N        largest TCP segment / UDP payload, 64..1460 (default 1460)",
            "  --scan         add an address scanner, a port scanner and a block scanner",
            "  --flood N      add N SYNs from random spoofed sources, spread over the capture",
            "                 (not in the truth; the ordinary packets stay the same)",
            "  --fragments SHARE",
            "                 send this share (0..1) of UDP responses as one 1.5-8 KB datagram",
            "                 in IP fragments (default 0)",
            "  --help         print this and exit");

    private GenerateMain() {
    }

    /**
     * Runs the generator and exits with its status.
     *
     * @param args the options, see the class comment
     */
    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /**
     * Runs the generator without exiting the JVM.
     *
     * @param args the options
     * @param out  receives the summary and the help text
     * @param err  receives error messages and the usage
     * @return the exit status: 0 success, 1 write failure, 2 bad options
     */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        GeneratorOptions.Builder b = GeneratorOptions.builder();
        boolean haveOut = false;
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                switch (a) {
                    case "--help", "-h" -> {
                        out.println(USAGE);
                        return 0;
                    }
                    case "--scan" -> b.scanners(true);
                    case "--flood" -> b.floodPackets(number(args, ++i, a));
                    case "--out" -> {
                        b.output(Path.of(value(args, ++i, a)));
                        haveOut = true;
                    }
                    case "--packets" -> b.packets(number(args, ++i, a));
                    case "--flows" -> b.concurrentFlows(Math.toIntExact(number(args, ++i, a)));
                    case "--seed" -> b.seed(number(args, ++i, a));
                    case "--mss" -> b.maxSegmentSize(Math.toIntExact(number(args, ++i, a)));
                    case "--fragments" -> b.fragmentShare(share(args, ++i, a));
                    default -> throw new IllegalArgumentException("unknown option: " + a);
                }
            }
            if (!haveOut) {
                throw new IllegalArgumentException("--out FILE is required");
            }
        } catch (IllegalArgumentException | ArithmeticException e) {
            err.println("generate: " + e.getMessage());
            err.println(USAGE);
            return 2;
        }
        GeneratorOptions options = b.build();
        try {
            TrafficGenerator.Summary s = TrafficGenerator.generate(options);
            out.printf("wrote %d packets, %d flows to %s (truth: %s)%n", s.packets(), s.flows(), s.capture(),
                    s.truth());
            return 0;
        } catch (IOException e) {
            err.println("generate: cannot write " + options.output() + ": " + e.getMessage());
            return 1;
        }
    }

    private static String value(String[] args, int i, String option) {
        if (i >= args.length) {
            throw new IllegalArgumentException(option + " needs a value");
        }
        return args[i];
    }

    private static double share(String[] args, int i, String option) {
        String v = value(args, i, option);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a share from 0 to 1, got '" + v + "'");
        }
    }

    private static long number(String[] args, int i, String option) {
        String v = value(args, i, option);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(option + " needs a whole number, got '" + v + "'");
        }
    }
}
