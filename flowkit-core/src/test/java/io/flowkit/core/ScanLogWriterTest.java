package io.flowkit.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.flowkit.Protocol;
import io.flowkit.ScanEvent;
import io.flowkit.ScanKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class ScanLogWriterTest {

    private static ScanEvent event(ScanKind kind, int port, String hint, List<String> uids) throws Exception {
        return new ScanEvent(1_700_000_123_456_789_000L, InetAddress.getByName("198.51.100.4"), kind, Protocol.UDP, port,
                100, 2, 130, 120, 1_700_000_000_000_001_000L, 1_700_000_123_000_000_000L,
                List.of(new ScanEvent.PortCount(5060, 110), new ScanEvent.PortCount(5061, 10)), hint,
                List.of(InetAddress.getByName("10.0.0.1")), uids, 3);
    }

    private static String write(LogFormat format, ScanEvent... events) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ScanLogWriter w = ScanLogWriter.builder(bytes).format(format).build()) {
            for (ScanEvent e : events) {
                w.onScan(e);
            }
            assertThat(w.records()).isEqualTo(events.length);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void writesZeekHeaderRowsAndFooterInTheDocumentedColumnOrder() throws Exception {
        String log = write(LogFormat.ZEEK, event(ScanKind.PORT_ADDRESS_SCAN, 5060, null, List.of("CabC1", "Cx2")),
                event(ScanKind.ADDRESS_SCAN, -1, "p2p-random-ports", List.of()));
        List<String> lines = log.lines().toList();
        assertThat(lines.get(0)).isEqualTo("#separator \\x09");
        assertThat(lines.get(1)).isEqualTo("#set_separator\t,");
        assertThat(lines.get(2)).isEqualTo("#empty_field\t(empty)");
        assertThat(lines.get(3)).isEqualTo("#unset_field\t-");
        assertThat(lines.get(4)).isEqualTo("#path\tscan");
        assertThat(lines.get(5)).matches("#open\t\\d{4}-\\d\\d-\\d\\d-\\d\\d-\\d\\d-\\d\\d");
        assertThat(lines.get(6)).isEqualTo("#fields\tts\tscanner\tkind\tproto\tport\tdistinct_hosts\tdistinct_ports"
                + "\tattempts\tfailed\tfirst_seen\tlast_seen\ttop_ports\thint\tsample_uids");
        assertThat(lines.get(7)).isEqualTo("#types\ttime\taddr\tenum\tenum\tport\tcount\tcount\tcount\tcount\ttime\ttime"
                + "\tvector[string]\tstring\tset[string]");
        assertThat(lines.get(8)).isEqualTo("1700000123.456789\t198.51.100.4\tport_address_scan\tudp\t5060\t100\t2\t130\t120"
                + "\t1700000000.000001\t1700000123.000000\t5060:110,5061:10\t-\tCabC1,Cx2");
        assertThat(lines.get(9)).isEqualTo("1700000123.456789\t198.51.100.4\taddress_scan\tudp\t-\t100\t2\t130\t120"
                + "\t1700000000.000001\t1700000123.000000\t5060:110,5061:10\tp2p-random-ports\t(empty)");
        assertThat(lines.get(10)).startsWith("#close\t");
        assertThat(lines).hasSize(11);
    }

    @Test
    void writesJsonLinesWithTheSameFieldNamesAndLeavesUnsetFieldsOut() throws Exception {
        String log = write(LogFormat.JSON, event(ScanKind.TRW, -1, null, List.of("C1")),
                event(ScanKind.PORT_ADDRESS_SCAN, 5060, "say \"hi\"", List.of()));
        List<String> lines = log.lines().toList();
        assertThat(lines).hasSize(2);
        assertThat(lines.get(0)).isEqualTo("{\"ts\":1700000123.456789,\"scanner\":\"198.51.100.4\",\"kind\":\"trw\","
                + "\"proto\":\"udp\",\"distinct_hosts\":100,\"distinct_ports\":2,\"attempts\":130,\"failed\":120,"
                + "\"first_seen\":1700000000.000001,\"last_seen\":1700000123.000000,"
                + "\"top_ports\":[\"5060:110\",\"5061:10\"],\"sample_uids\":[\"C1\"]}");
        assertThat(lines.get(1)).contains("\"port\":5060,").contains("\"hint\":\"say \\\"hi\\\"\"")
                .endsWith("\"sample_uids\":[]}");
    }
}
