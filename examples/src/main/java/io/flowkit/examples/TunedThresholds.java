package io.flowkit.examples;

import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.PortKey;
import io.flowkit.ScanDetection;
import io.flowkit.ScanEvent;
import io.flowkit.core.ConnLogWriter;
import io.flowkit.pcap.PcapFile;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A tracker tuned for a site: longer TCP timeouts for SSH, the site's own networks, stricter
 * scan thresholds with an allow-listed DNS server, conn.log written to a file and scan events
 * printed with their evidence.
 *
 * <p>Run: {@code java -cp ... io.flowkit.examples.TunedThresholds capture.pcap conn.log}
 */
public final class TunedThresholds {
    private TunedThresholds() {
    }

    /**
     * Analyzes a capture with tuned settings.
     *
     * @param args the capture file and the conn.log to write
     * @throws Exception if a file cannot be read or written
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: TunedThresholds CAPTURE CONN_LOG");
            System.exit(2);
        }
        try (OutputStream out = Files.newOutputStream(Path.of(args[1]));
             ConnLogWriter connLog = ConnLogWriter.builder(out).build()) {
            FlowTracker tracker = FlowTracker.builder()
                    .tcpInactivityTimeout(Duration.ofMinutes(15))
                    .inactivityTimeout(PortKey.parse("22/tcp"), Duration.ofHours(8))
                    .localNetworks("10.0.0.0/8", "192.168.0.0/16", "2001:db8::/32")
                    .maxConnections(500_000)
                    .scanDetection(ScanDetection.builder()
                            .addressScanThreshold(20)
                            .portScanThreshold(10)
                            .portAddressScanThreshold(PortKey.parse("5060/udp"), 50)
                            .window(Duration.ofMinutes(10))
                            .allowSources("10.0.0.53/32")
                            .build())
                    .connectionListener(connLog)
                    .scanListener(TunedThresholds::report)
                    .build();
            try (PacketSource source = PcapFile.open(Path.of(args[0]))) {
                tracker.run(source);
            }
            tracker.close();
        }
    }

    private static void report(ScanEvent e) {
        System.out.printf("%s %s %s: %d hosts, %d ports, %d of %d attempts failed, top ports %s, hint %s, e.g. %s%n",
                e.timestamp(), e.scanner().getHostAddress(), e.kind(), e.distinctHosts(), e.distinctPorts(),
                e.failedAttempts(), e.attempts(), e.topPorts(), e.hint(), e.sampleUids());
    }
}
