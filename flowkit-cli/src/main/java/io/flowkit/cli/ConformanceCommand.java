package io.flowkit.cli;

import io.flowkit.CaptureFormatException;
import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.TrackerConfig;
import io.flowkit.core.ConnLogWriter;
import io.flowkit.core.LogFormat;
import io.flowkit.pcap.BpfFilter;
import io.flowkit.pcap.PcapFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code flowkit conformance DIR}: runs every {@code full} and {@code cut} pair of a Zeek
 * conformance corpus ({@code DIR/manifest.tsv}, traces and Zeek's expected conn.log) through
 * flowkit and compares the rows.
 *
 * <p>Rows are compared on every column the expected log has, except {@code ts} (masked in the
 * corpus), {@code uid} (Zeek's seeded random ids) and {@code service} (Zeek's protocol analyzers);
 * {@code tunnel_parents} is compared by count. Expected rows are matched to flowkit's rows with
 * the same 5-tuple; a row is <em>matched</em> when flowkit produced an identical row for it.
 * <em>Extra</em> rows are the ones flowkit produced beyond the number expected for a 5-tuple.
 * The score is {@code matched / (expected + extra)}.
 *
 * <p>Each pair runs with the settings its manifest row names: {@code -C} ignores checksums;
 * {@code -b} (bare mode) restricts likely server ports to the protocol scripts the test loads;
 * redefinitions of {@code likely_server_ports}, {@code Site::local_nets} and
 * {@code ignore_checksums_nets} are applied, and so is a capture filter ({@code -f}).
 */
final class ConformanceCommand {
    static final String USAGE = """
            Usage: flowkit conformance [options] DIR

            Runs every conn.log pair (format full or cut) of DIR/manifest.tsv through flowkit and
            compares the rows with Zeek's on every field except ts, uid and service.

            Options:
                  --floor SCORE        exit 1 when the total score is below SCORE (0..1)
                  --category C,...     only pairs of these categories
                  --exclude-category C,...  leave out pairs of these categories
                  --pair NAME,...      only these pairs
                  --threads N          run each pair on N engines and threads (default 1); the
                                       score must not depend on it
              -v, --verbose            print each expected row that was not matched, and extra rows
              -h, --help               show this help
            """;

    /** Ports each Zeek base protocol script adds to likely_server_ports (used for -b runs). */
    private static final Map<String, List<String>> SCRIPT_PORTS = Map.ofEntries(
            Map.entry("dce-rpc", List.of("135/tcp")),
            Map.entry("dhcp", List.of("67/udp", "4011/udp")),
            Map.entry("dnp3", List.of("20000/tcp")),
            Map.entry("dns", List.of("53/udp", "53/tcp", "137/udp", "5353/udp", "5355/udp")),
            Map.entry("finger", List.of("79/tcp")),
            Map.entry("ftp", List.of("21/tcp", "2811/tcp")),
            Map.entry("http", List.of("80/tcp", "81/tcp", "631/tcp", "1080/tcp", "3128/tcp", "8000/tcp", "8080/tcp", "8888/tcp")),
            Map.entry("imap", List.of("143/tcp")),
            Map.entry("irc", List.of("6666/tcp", "6667/tcp", "6668/tcp", "6669/tcp")),
            Map.entry("krb", List.of("88/udp", "88/tcp")),
            Map.entry("ldap", List.of("389/tcp", "3268/tcp", "389/udp")),
            Map.entry("modbus", List.of("502/tcp")),
            Map.entry("mqtt", List.of("1883/tcp")),
            Map.entry("mysql", List.of("1434/tcp", "3306/tcp")),
            Map.entry("ntp", List.of("123/udp")),
            Map.entry("postgresql", List.of("5432/tcp")),
            Map.entry("quic", List.of("443/udp")),
            Map.entry("radius", List.of("1812/udp")),
            Map.entry("rdp", List.of("3389/tcp", "3389/udp")),
            Map.entry("redis", List.of("6379/tcp")),
            Map.entry("sip", List.of("5060/udp")),
            Map.entry("smb", List.of("139/tcp", "445/tcp")),
            Map.entry("smtp", List.of("25/tcp", "587/tcp")),
            Map.entry("snmp", List.of("161/udp", "162/udp")),
            Map.entry("socks", List.of("1080/tcp")),
            Map.entry("ssh", List.of("22/tcp")),
            Map.entry("ssl", List.of("443/tcp", "465/tcp", "563/tcp", "585/tcp", "614/tcp", "636/tcp", "989/tcp", "990/tcp", "992/tcp", "993/tcp", "995/tcp", "5223/tcp", "443/udp")),
            Map.entry("syslog", List.of("514/udp", "514/tcp")),
            Map.entry("xmpp", List.of("5222/tcp", "5269/tcp")));

    /** Tunnel ports: base/packet-protocols is loaded even in bare mode. */
    private static final List<String> ALWAYS_PORTS = List.of("5072/udp", "6081/udp", "4754/udp", "2123/udp", "2152/udp", "3544/udp", "4789/udp");

    private static final Set<String> NOT_COMPARED = Set.of("ts", "uid", "service");
    private static final List<String> KEY = List.of("id.orig_h", "id.orig_p", "id.resp_h", "id.resp_p", "proto");

    private final PrintStream out;
    private final PrintStream err;

    ConformanceCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(String[] argv) throws UsageException, InputException {
        Args args = new Args(argv, 1);
        double floor = -1;
        Set<String> categories = null;
        Set<String> excluded = new LinkedHashSet<>();
        Set<String> pairs = null;
        boolean verbose = false;
        int threads = 1;
        for (String opt; (opt = args.nextOption()) != null; ) {
            switch (opt) {
                case "--floor" -> {
                    String v = args.value(opt);
                    try {
                        floor = Double.parseDouble(v);
                    } catch (NumberFormatException e) {
                        throw new UsageException("option --floor needs a number between 0 and 1, got '" + v + "'");
                    }
                    if (floor < 0 || floor > 1) {
                        throw new UsageException("option --floor needs a number between 0 and 1, got '" + v + "'");
                    }
                }
                case "--category" -> categories = new LinkedHashSet<>(List.of(Args.list(args.value(opt))));
                case "--exclude-category" -> excluded.addAll(List.of(Args.list(args.value(opt))));
                case "--pair" -> pairs = new LinkedHashSet<>(List.of(Args.list(args.value(opt))));
                case "--threads" -> threads = (int) Math.min(256, Args.parseLong(opt, args.value(opt), 1));
                case "-v", "--verbose" -> {
                    args.noValue(opt);
                    verbose = true;
                }
                case "--debug" -> args.noValue(opt);
                case "-h", "--help" -> {
                    out.print(USAGE);
                    return 0;
                }
                default -> throw new UsageException("unknown option " + opt);
            }
        }
        if (args.operands().size() != 1) {
            throw new UsageException("expected exactly one corpus directory");
        }
        Path dir = Path.of(args.operands().get(0));
        Path manifest = dir.resolve("manifest.tsv");
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InputException("cannot read " + manifest + ": " + (Files.exists(manifest) ? e.getMessage() : "no such file"), e);
        }
        if (lines.isEmpty()) {
            throw new InputException(manifest + ": empty manifest", null);
        }
        List<String> header = List.of(lines.get(0).split("\t", -1));
        int cName = column(header, "name", manifest);
        int cTrace = column(header, "trace_file", manifest);
        int cCmd = column(header, "zeek_command_line", manifest);
        int cCat = column(header, "category", manifest);
        int cNotes = column(header, "notes", manifest);

        long totalMatched = 0;
        long totalExpected = 0;
        long totalExtra = 0;
        int run = 0;
        out.printf(Locale.ROOT, "%-34s %-11s %9s %6s  %s%n", "pair", "category", "matched", "extra", "notes");
        for (int i = 1; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            String[] row = lines.get(i).split("\t", -1);
            if (row.length < header.size()) {
                throw new InputException(manifest + ": line " + (i + 1) + " has " + row.length + " columns, expected "
                        + header.size(), null);
            }
            String name = row[cName];
            String category = row[cCat];
            Map<String, String> notes = noteKeys(row[cNotes]);
            String format = notes.getOrDefault("format", "");
            if (!format.equals("full") && !format.equals("cut")) {
                continue;
            }
            if ((categories != null && !categories.contains(category)) || excluded.contains(category)
                    || (pairs != null && !pairs.contains(name))) {
                continue;
            }
            PairResult r = runPair(dir, row[cTrace], row[cCmd], row[cNotes], notes.get("expected"), threads,
                    verbose);
            run++;
            totalMatched += r.matched;
            totalExpected += r.expected;
            totalExtra += r.extra;
            out.printf(Locale.ROOT, "%-34s %-11s %4d/%-4d %6d  %s%n", name, category, r.matched, r.expected, r.extra,
                    String.join("; ", r.remarks));
            for (String d : r.details) {
                out.println("    " + d);
            }
        }
        double score = totalExpected + totalExtra == 0 ? 0 : totalMatched / (double) (totalExpected + totalExtra);
        out.printf(Locale.ROOT, "TOTAL %d pairs: %d/%d rows matched, %d extra, score %.4f%n", run, totalMatched,
                totalExpected, totalExtra, score);
        if (floor >= 0 && score + 1e-9 < floor) {
            err.printf(Locale.ROOT, "flowkit: conformance score %.4f is below the floor %.4f%n", score, floor);
            return 1;
        }
        return 0;
    }

    private static int column(List<String> header, String name, Path manifest) throws InputException {
        int i = header.indexOf(name);
        if (i < 0) {
            throw new InputException(manifest + ": no column '" + name + "' in the header", null);
        }
        return i;
    }

    private static Map<String, String> noteKeys(String notes) {
        Map<String, String> m = new HashMap<>();
        for (String part : notes.split(";")) {
            String p = part.trim();
            int eq = p.indexOf('=');
            if (eq > 0 && p.indexOf(' ') < 0) {
                m.put(p.substring(0, eq), p.substring(eq + 1));
            }
        }
        return m;
    }

    private static final class PairResult {
        long matched;
        long expected;
        long extra;
        final List<String> remarks = new ArrayList<>();
        final List<String> details = new ArrayList<>();
    }

    private static final Pattern LIKELY = Pattern.compile("likely_server_ports\\s*\\+=\\s*\\{([^}]*)}");
    private static final Pattern LOCAL_NETS = Pattern.compile("Site::local_nets\\s*=\\s*\\{([^}]*)}");
    private static final Pattern IGNORE_NETS = Pattern.compile("ignore_checksums_nets\\s*\\+=\\s*\\{([^}]*)}");
    private static final Pattern BPF = Pattern.compile("\\s-f\\s+\"([^\"]*)\"");

    /** Derives a tracker configuration from what the Zeek test did, as the manifest describes it. */
    static FlowTracker.Builder builderFor(String command, String notes, List<String> remarks) {
        FlowTracker.Builder b = FlowTracker.builder().uidSeed(0x5EED);
        String all = command + " " + notes;
        if (command.matches(".*\\s-[a-zA-Z]*C[a-zA-Z]*\\s.*")) {
            b.ignoreChecksums(true);
        }
        Set<String> ports = new LinkedHashSet<>();
        if (command.matches(".*\\s-[a-zA-Z]*b[a-zA-Z]*\\s.*")) {
            ports.addAll(ALWAYS_PORTS);
            String scripts = command.replaceAll("\\S*\\$TRACES\\S*", "") + " " + scriptPart(notes);
            for (Map.Entry<String, List<String>> e : SCRIPT_PORTS.entrySet()) {
                if (Pattern.compile("\\b" + e.getKey() + "\\b").matcher(scripts).find()) {
                    ports.addAll(e.getValue());
                }
            }
        } else {
            TrackerConfig.DEFAULT_LIKELY_SERVER_PORTS.forEach(p -> ports.add(p.toString()));
        }
        Matcher m = LIKELY.matcher(all);
        while (m.find()) {
            for (String p : m.group(1).split(",")) {
                ports.add(p.trim());
            }
        }
        b.likelyServerPorts(ports.toArray(String[]::new));
        m = LOCAL_NETS.matcher(all);
        if (m.find()) {
            b.localNetworks(m.group(1).split("\\s*,\\s*"));
        }
        m = IGNORE_NETS.matcher(all);
        if (m.find()) {
            b.ignoreChecksumsFor(m.group(1).split("\\s*,\\s*"));
        }
        return b;
    }

    /** The part of the notes that says which scripts the test loads. */
    private static String scriptPart(String notes) {
        int i = notes.indexOf("script:");
        if (i < 0) {
            return "";
        }
        int end = notes.indexOf(';', i);
        return end < 0 ? notes.substring(i) : notes.substring(i, end);
    }

    private PairResult runPair(Path dir, String traceList, String command, String notes, String expectedPath,
                               int threads, boolean verbose) throws InputException {
        PairResult r = new PairResult();
        Path expectedFile = dir.resolve(expectedPath);
        Table expected;
        try {
            expected = Table.parse(Files.readAllLines(expectedFile, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InputException("cannot read " + expectedFile + ": " + e.getMessage(), e);
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ConnLogWriter log = ConnLogWriter.builder(bytes).format(LogFormat.ZEEK).build();
        FlowTracker tracker = builderFor(command, notes, r.remarks).threads(threads).connectionListener(log).build();
        Matcher bpf = BPF.matcher(command);
        BpfFilter filter = null;
        if (bpf.find()) {
            try {
                filter = BpfFilter.compile(bpf.group(1));
            } catch (RuntimeException e) {
                r.remarks.add("capture filter '" + bpf.group(1) + "' not applied: " + e.getMessage());
            }
        }
        try {
            for (String trace : traceList.split(";")) {
                Path p = dir.resolve(trace.trim());
                try (PacketSource opened = PcapFile.open(p);
                     PacketSource source = filter == null ? opened : filter.filter(opened)) {
                    tracker.run(source);
                } catch (CaptureFormatException e) {
                    r.remarks.add("input error: " + e.getMessage());
                } catch (IOException e) {
                    throw new InputException("cannot read " + p + ": " + e.getMessage(), e);
                }
            }
        } finally {
            tracker.close();
            try {
                log.close();
            } catch (IOException e) {
                throw new InputException("cannot write the in-memory log: " + e.getMessage(), e);
            }
        }
        Table actual = Table.parse(bytes.toString(StandardCharsets.UTF_8).lines().toList());
        compare(expected, actual, r, verbose);
        return r;
    }

    private static void compare(Table expected, Table actual, PairResult r, boolean verbose) {
        List<String> compared = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        for (String f : expected.fields) {
            if (NOT_COMPARED.contains(f)) {
                continue;
            }
            if (actual.fields.contains(f)) {
                compared.add(f);
            } else {
                missing.add(f);
            }
        }
        if (!missing.isEmpty()) {
            r.remarks.add("columns not produced: " + String.join(",", missing));
        }
        List<String> keyFields = new ArrayList<>();
        for (String k : KEY) {
            if (compared.contains(k)) {
                keyFields.add(k);
            }
        }
        Map<String, List<String>> want = group(expected, keyFields, compared);
        Map<String, List<String>> got = group(actual, keyFields, compared);
        r.expected = expected.rows.size();
        for (Map.Entry<String, List<String>> e : want.entrySet()) {
            List<String> ours = new ArrayList<>(got.getOrDefault(e.getKey(), List.of()));
            int expectedCount = e.getValue().size();
            int oursCount = ours.size();
            for (String w : e.getValue()) {
                if (ours.remove(w)) {
                    r.matched++;
                } else if (verbose) {
                    r.details.add("expected " + w);
                }
            }
            if (verbose) {
                for (String o : ours) {
                    r.details.add("flowkit  " + o);
                }
            }
            r.extra += Math.max(0, oursCount - expectedCount);
        }
        for (Map.Entry<String, List<String>> e : got.entrySet()) {
            if (!want.containsKey(e.getKey())) {
                r.extra += e.getValue().size();
                if (verbose) {
                    for (String o : e.getValue()) {
                        r.details.add("extra    " + o);
                    }
                }
            }
        }
        if (verbose && !r.details.isEmpty()) {
            r.details.add(0, "fields: " + String.join(" ", compared));
        }
    }

    private static Map<String, List<String>> group(Table t, List<String> keyFields, List<String> compared) {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Map<String, String> row : t.rows) {
            StringBuilder key = new StringBuilder();
            for (String k : keyFields) {
                key.append(row.get(k)).append('|');
            }
            StringBuilder value = new StringBuilder();
            for (String f : compared) {
                String v = row.get(f);
                if (f.equals("tunnel_parents")) {
                    v = v == null || v.equals("-") || v.equals("(empty)") ? "0" : String.valueOf(v.split(",").length);
                }
                value.append(value.length() == 0 ? "" : " ").append(v);
            }
            m.computeIfAbsent(key.toString(), k -> new ArrayList<>()).add(value.toString());
        }
        return m;
    }

    /** A parsed conn.log: Zeek ASCII with #fields, or a zeek-cut table with a bare header line. */
    static final class Table {
        final List<String> fields = new ArrayList<>();
        final List<Map<String, String>> rows = new ArrayList<>();

        static Table parse(List<String> lines) {
            Table t = new Table();
            boolean headerSeen = false;
            for (String line : lines) {
                if (line.startsWith("###") || line.isEmpty()) {
                    continue;
                }
                if (line.startsWith("#fields\t")) {
                    t.fields.addAll(List.of(line.substring(8).split("\t", -1)));
                    headerSeen = true;
                    continue;
                }
                if (line.startsWith("#")) {
                    continue;
                }
                String[] v = line.split("\t", -1);
                if (!headerSeen) {
                    t.fields.addAll(List.of(v));
                    headerSeen = true;
                    continue;
                }
                Map<String, String> row = new HashMap<>();
                for (int i = 0; i < t.fields.size() && i < v.length; i++) {
                    row.put(t.fields.get(i), v[i]);
                }
                t.rows.add(row);
            }
            return t;
        }
    }
}
