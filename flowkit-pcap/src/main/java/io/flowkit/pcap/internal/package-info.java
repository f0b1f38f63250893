/**
 * Implementation of the capture readers: inputs (memory-mapped windows, reusable stream
 * buffer), the pcap and pcapng parsers, format recognition and link-type translation. Not API:
 * anything here may change in any release.
 */
package io.flowkit.pcap.internal;
