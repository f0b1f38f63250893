package io.flowkit.examples;

import io.flowkit.Connection;
import io.flowkit.ConnectionListener;
import io.flowkit.FlowTracker;
import io.flowkit.PacketSource;
import io.flowkit.pcap.PcapFile;
import java.nio.file.Path;

/**
 * The smallest useful flowkit program: read a capture file and print one line per connection.
 *
 * <p>Run: {@code java -cp ... io.flowkit.examples.PrintConnections demo/demo.pcap}
 */
public final class PrintConnections {
    private PrintConnections() {
    }

    /**
     * Prints the connections of a capture file.
     *
     * @param args the capture file
     * @throws Exception if the file cannot be read
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: PrintConnections FILE");
            System.exit(2);
        }
        // Listeners run on the tracker's thread, once per connection, when it is removed.
        ConnectionListener printer = (Connection c) -> System.out.printf("%s %-5s %s:%d -> %s:%d %s %s%n",
                c.uid(), c.protocol().zeekName(), c.origAddress().getHostAddress(), c.origPort(),
                c.respAddress().getHostAddress(), c.respPort(), c.state(), c.history());

        FlowTracker tracker = FlowTracker.builder().connectionListener(printer).build();
        try (PacketSource source = PcapFile.open(Path.of(args[0]))) {
            tracker.run(source);
        }
        tracker.close();   // delivers the connections still open at the end of the capture
        System.err.println(tracker.stats());
    }
}
