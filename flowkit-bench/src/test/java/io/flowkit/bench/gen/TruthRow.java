package io.flowkit.bench.gen;

import java.io.IOException;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One row of a {@code .truth.tsv} file, parsed by column name from its {@code #fields} line. */
record TruthRow(String kind, String proto, InetAddress origH, int origP, InetAddress respH, int respP,
                long firstNanos, long lastNanos, long origPkts, long origIpBytes, long respPkts, long respIpBytes,
                long origBytes, long respBytes, String connState, String history) {

    static final List<String> FIELDS = List.of("kind", "proto", "orig_h", "orig_p", "resp_h", "resp_p", "first_ns",
            "last_ns", "orig_pkts", "orig_ip_bytes", "resp_pkts", "resp_ip_bytes", "orig_bytes", "resp_bytes",
            "conn_state", "history");

    /** Same key as {@link FrameCheck.Packet#key()}: ICMP flows are keyed by their addresses. */
    String key() {
        int p = proto.equals("tcp") ? 6 : proto.equals("udp") ? 17 : origH.getAddress().length == 4 ? 1 : 58;
        boolean icmp = p == 1 || p == 58;
        String a = origH.getHostAddress() + "/" + (icmp ? 0 : origP);
        String b = respH.getHostAddress() + "/" + (icmp ? 0 : respP);
        return p + " " + (a.compareTo(b) < 0 ? a + " " + b : b + " " + a);
    }

    static List<TruthRow> read(Path path) throws IOException {
        List<TruthRow> rows = new ArrayList<>();
        boolean header = false;
        for (String line : Files.readAllLines(path)) {
            if (line.startsWith("#fields\t")) {
                if (!List.of(line.substring(8).split("\t")).equals(FIELDS)) {
                    throw new AssertionError("unexpected truth columns: " + line);
                }
                header = true;
                continue;
            }
            if (line.startsWith("#")) {
                continue;
            }
            if (!header) {
                throw new AssertionError("truth row before the #fields line");
            }
            String[] c = line.split("\t", -1);
            if (c.length != FIELDS.size()) {
                throw new AssertionError("truth row with " + c.length + " columns: " + line);
            }
            rows.add(new TruthRow(c[0], c[1], ip(c[2]), Integer.parseInt(c[3]), ip(c[4]), Integer.parseInt(c[5]),
                    Long.parseLong(c[6]), Long.parseLong(c[7]), Long.parseLong(c[8]), Long.parseLong(c[9]),
                    Long.parseLong(c[10]), Long.parseLong(c[11]), Long.parseLong(c[12]), Long.parseLong(c[13]),
                    c[14], c[15]));
        }
        return rows;
    }

    private static InetAddress ip(String literal) {
        if (!literal.matches("[0-9a-f.:]+")) {
            throw new AssertionError("not an address literal: " + literal);
        }
        try {
            return InetAddress.getByName(literal);   // a literal: no name lookup
        } catch (UnknownHostException e) {
            throw new AssertionError(e);
        }
    }
}
