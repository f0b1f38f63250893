/**
 * Packet sources for flowkit: capture files and live interfaces.
 *
 * <p>{@link io.flowkit.pcap.PcapFile} reads pcap, pcapng and gzip-compressed captures without
 * allocating per frame (regular files are memory-mapped); {@link io.flowkit.pcap.PcapLive}
 * captures from a network interface through libpcap (pcap4j). Both return
 * {@link io.flowkit.PacketSource}s, which feed a {@link io.flowkit.FlowTracker} or any other
 * {@link io.flowkit.FrameHandler}. {@link io.flowkit.pcap.BpfFilter} applies a tcpdump filter
 * expression to any source, as {@code tcpdump -r} and {@code zeek -r -f} do, compiled by libpcap
 * and run in Java without allocating per frame.
 *
 * <p>This module has no module descriptor because pcap4j has none; its automatic module name is
 * {@code io.flowkit.pcap}. Only this package is API; {@code io.flowkit.pcap.internal} carries
 * no compatibility promise.
 */
package io.flowkit.pcap;
