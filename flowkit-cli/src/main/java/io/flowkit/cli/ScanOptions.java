package io.flowkit.cli;

import io.flowkit.ScanDetection;

/** The scan-detection options shared by {@code analyze} and {@code live}. */
final class ScanOptions {
    static final String USAGE = """
                  --no-scan            with -o: do not detect scans (no scan.log)
                  --scan-address-threshold N
                                       distinct hosts that make an address scan (25)
                  --scan-port-threshold N
                                       distinct ports on one host that make a port scan (15)
                  --scan-port-address-threshold N
                                       distinct hosts on one port that make a per-port scan (100)
                  --scan-window DURATION
                                       sliding window of those detectors, e.g. 90s, 5m (5m)
                  --no-trw             turn off the Threshold Random Walk detector
                  --scan-allow CIDR,.. sources whose attempts never count
            """;

    private final ScanDetection.Builder builder = ScanDetection.builder();
    boolean enabled = true;

    /**
     * Consumes {@code opt} if it is a scan option.
     *
     * @return whether it was one
     */
    boolean accept(String opt, Args args) throws UsageException {
        switch (opt) {
            case "--no-scan" -> {
                args.noValue(opt);
                enabled = false;
            }
            case "--scan-address-threshold" ->
                    builder.addressScanThreshold((int) Args.parseLong(opt, args.value(opt), 1));
            case "--scan-port-threshold" -> builder.portScanThreshold((int) Args.parseLong(opt, args.value(opt), 1));
            case "--scan-port-address-threshold" ->
                    builder.portAddressScanThreshold((int) Args.parseLong(opt, args.value(opt), 1));
            case "--scan-window" -> builder.window(Args.parseDuration(opt, args.value(opt)));
            case "--no-trw" -> {
                args.noValue(opt);
                builder.trw(false);
            }
            case "--scan-allow" -> builder.allowSources(Args.list(args.value(opt)));
            default -> {
                return false;
            }
        }
        return true;
    }

    ScanDetection build() {
        return builder.build();
    }
}
