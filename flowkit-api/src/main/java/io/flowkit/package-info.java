/**
 * flowkit's public API.
 *
 * <p>A host application builds a {@link io.flowkit.FlowTracker} with
 * {@link io.flowkit.FlowTracker#builder()}, registers a {@link io.flowkit.ConnectionListener}
 * (and, for scan events, a {@link io.flowkit.ScanListener}), and feeds it frames from a
 * {@link io.flowkit.PacketSource} (a capture file or a live interface from {@code flowkit-pcap},
 * or the application's own). The tracker turns packets into Zeek-style connection records
 * ({@link io.flowkit.Connection}) and calls the listeners on its own thread.
 *
 * <h2>Threading</h2>
 * A tracker is single-threaded, like a Zeek worker: one thread at a time feeds it, and the
 * listeners run on that thread, synchronously, inside the call that fed the packet (or
 * {@link io.flowkit.FlowTracker#close()}). Configuration objects and event records are
 * immutable and may be shared freely.
 *
 * <h2>Time</h2>
 * Time is network time: the timestamps of the frames (nanoseconds since the Unix epoch) drive
 * every timeout. A tracker never reads the wall clock by itself.
 */
package io.flowkit;
