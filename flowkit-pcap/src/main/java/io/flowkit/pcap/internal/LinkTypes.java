package io.flowkit.pcap.internal;

/**
 * Translates libpcap's {@code DLT_} values, which differ between platforms for a few link types,
 * into the platform-independent {@code LINKTYPE_} values that files and {@link io.flowkit.LinkType}
 * use. Follows libpcap's {@code dlt_to_linktype}: values 0-10, 50, 51, 99 and 104 upwards are the
 * same in both numberings; the BSD-era values below 104 are mapped, accepting both the common
 * and the OpenBSD value where they differ (DLT_RAW is 12 on most systems, 14 on OpenBSD).
 * {@link #toDlt(int, boolean)} goes the other way, as libpcap's {@code linktype_to_dlt} does when
 * it opens a file.
 */
public final class LinkTypes {
    private LinkTypes() {
    }

    /**
     * Returns the LINKTYPE value of a DLT value.
     *
     * @param dlt a DLT value as reported by libpcap on this platform
     * @return the LINKTYPE value; an unknown DLT value is returned unchanged
     */
    public static int fromDlt(int dlt) {
        switch (dlt) {
            case 11: // DLT_ATM_RFC1483
                return 100;
            case 12: // DLT_RAW
            case 14: // DLT_RAW on OpenBSD
                return 101;
            case 15: // DLT_SLIP_BSDOS
                return 102;
            case 16: // DLT_PPP_BSDOS
                return 103;
            case 18: // DLT_PFSYNC
                return 246;
            case 19: // DLT_ATM_CLIP
                return 106;
            default:
                return dlt;
        }
    }

    /**
     * Returns the DLT value libpcap uses on this kind of platform for a LINKTYPE value: what
     * {@code pcap_open_dead} must be given for libpcap to treat frames of that link type as it
     * does when it reads them from a file.
     *
     * @param linkType a LINKTYPE value
     * @param openBsd  true on OpenBSD, whose DLT_RAW (14 rather than 12) and DLT_PFSYNC (18 rather
     *                 than 246) differ
     * @return the DLT value; a value numbered alike in both schemes is returned unchanged
     */
    public static int toDlt(int linkType, boolean openBsd) {
        switch (linkType) {
            case 100:
                return 11;
            case 101:
                return openBsd ? 14 : 12;
            case 102:
                return 15;
            case 103:
                return 16;
            case 106:
                return 19;
            case 246: // DLT_PFSYNC is 18 on OpenBSD only
                return openBsd ? 18 : 246;
            default:
                return linkType;
        }
    }
}
