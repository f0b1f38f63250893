package io.flowkit;

/** What kind of scan a {@link ScanEvent} reports. */
public enum ScanKind {
    /** One source attempted many distinct hosts (any ports) within the window. */
    ADDRESS_SCAN,
    /** One source attempted many distinct ports on one host within the window. */
    PORT_SCAN,
    /** One source attempted many distinct hosts on one port within the window. */
    PORT_ADDRESS_SCAN,
    /** Threshold Random Walk: the source's first contacts failed often enough to accept the scanner hypothesis. */
    TRW
}
