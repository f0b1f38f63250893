package io.flowkit.examples;

import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.core.ConnLogWriter;
import io.flowkit.pcap.PcapLive;

/**
 * Live capture: conn.log lines on standard output as connections close, until Ctrl-C, then the
 * connections still open. Needs libpcap and capture permission (root or CAP_NET_RAW).
 *
 * <p>Run: {@code java -cp ... io.flowkit.examples.LiveCapture eth0 "tcp or udp"}
 */
public final class LiveCapture {
    private LiveCapture() {
    }

    /**
     * Captures from an interface.
     *
     * @param args the interface and an optional BPF filter
     * @throws Exception if the interface cannot be opened
     */
    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: LiveCapture IFACE [FILTER]");
            System.exit(2);
        }
        PcapLive.Builder capture = PcapLive.builder(args[0]).promiscuous(false);
        if (args.length > 1) {
            capture.filter(args[1]);
        }
        ConnLogWriter log = ConnLogWriter.builder(System.out).flushEachRecord(true).build();
        FlowTracker tracker = FlowTracker.builder()
                .ignoreChecksums(true)   // NICs with checksum offload hand unfinished checksums to the capture
                .connectionListener(log)
                .build();
        try (PcapLive live = capture.build()) {
            // stop() may be called from any thread; the poll loop then ends within milliseconds
            Thread main = Thread.currentThread();
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                live.stop();
                try {
                    main.join(5_000);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            // when the link is quiet, poll returns 0 after advancing the tracker's clock
            int n;
            do {
                n = live.poll(tracker, 256);
            } while (n != PacketSource.END_OF_INPUT);
        }
        tracker.close();
        log.close();
    }
}
