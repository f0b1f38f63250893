package io.flowkit.core.internal.decode;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Connection;
import io.flowkit.FlowTracker;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every tunnel pair of the Zeek corpus, run through a whole tracker: the set of connections
 * (5-tuple and how many tunnel parents) equals the one in Zeek's conn.log. Counts and states
 * are the conformance runner's business; this pins what decapsulation decides: which inner
 * connections exist, which outer ones are logged, and through how many tunnels each came.
 */
class TunnelConformanceTest {

    static Stream<String> tunnelPairs() {
        return Conformance.manifest().stream().filter(r -> r[5].equals("tunnel")).map(r -> r[0]);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tunnelPairs")
    void findsTheConnectionsAndTunnelParentsZeekLogs(String name) throws IOException {
        Path root = Conformance.root();
        String[] row = Conformance.manifest().stream().filter(r -> r[0].equals(name)).findFirst().orElseThrow();
        List<Connection> records = new ArrayList<>();
        FlowTracker t = FlowTracker.builder().ignoreChecksums(row[4].contains(" -C ")).uidSeed(1)
                .connectionListener(records::add).build();
        ClassicPcap pcap = ClassicPcap.read(root.resolve(row[1]));
        for (ClassicPcap.Frame f : pcap.frames) {
            t.onFrame(f.tsNanos(), pcap.linkType, pcap.buffer, f.offset(), f.caplen(), f.wirelen());
        }
        t.close();
        Set<String> ours = new TreeSet<>();
        for (Connection c : records) {
            ours.add(key(c.origAddress(), c.origPort(), c.respAddress(), c.respPort(), c.protocol().name(),
                    c.tunnelParents().size()));
        }
        assertThat(ours).isEqualTo(expected(root.resolve("expected/" + name + ".conn.log")));
    }

    private static Set<String> expected(Path log) throws IOException {
        List<String> fields = null;
        Set<String> rows = new TreeSet<>();
        for (String line : Files.readAllLines(log)) {
            if (line.startsWith("#fields")) {
                fields = Arrays.asList(line.split("\t")).subList(1, line.split("\t").length);
            } else if (!line.startsWith("#") && fields != null) {
                String[] v = line.split("\t", -1);
                String parents = v[fields.indexOf("tunnel_parents")];
                rows.add(key(InetAddress.getByName(v[fields.indexOf("id.orig_h")]),
                        Integer.parseInt(v[fields.indexOf("id.orig_p")]),
                        InetAddress.getByName(v[fields.indexOf("id.resp_h")]),
                        Integer.parseInt(v[fields.indexOf("id.resp_p")]), v[fields.indexOf("proto")].toUpperCase(),
                        parents.equals("-") ? 0 : parents.split(",").length));
            }
        }
        return rows;
    }

    private static String key(InetAddress oh, int op, InetAddress rh, int rp, String proto, int parents) {
        return oh.getHostAddress() + ":" + op + " > " + rh.getHostAddress() + ":" + rp + " " + proto + " parents="
                + parents;
    }
}
