package io.flowkit.core.internal.scan;

import java.util.Arrays;

/**
 * Everything the detectors remember about one (source, transport): activity counters, the
 * threshold detectors' target sets, the TRW walk, and the suppression records of its events.
 * Sets are created on first use, so a source seen once carries only what its one attempt
 * touched. Mutated only on the tracker's thread.
 */
final class SourceState {
    /** Most suppression records per source; at the bound the oldest record is dropped. */
    static final int MAX_SUPPRESSIONS = 64;
    /**
     * Heap of a source with no sets: this object (152 B), its key (32 B) and its cache entry
     * (Caffeine node and hash-table node, about 88 B).
     */
    static final int BASE_BYTES = 272;
    /** Heap per suppression record (four parallel arrays). */
    private static final int SUPPRESSION_BYTES = 21;

    final SourceKey key;

    /** Estimated heap of this state: {@link #BASE_BYTES}, its sets' arrays, its suppression records. */
    long bytes = BASE_BYTES;
    /** {@link #bytes} when the cache last weighed this state; 0 until it is first cached. */
    long weighed;

    long attempts;
    long failed;
    /** Boyer-Moore majority vote over originator ports: candidate and its margin. */
    int origPortCandidate = -1;
    int origPortVotes;
    long origPortsSeen;

    /** Address scan: hosts with failed attempts, capped at the threshold. */
    TargetSet hosts;
    /** Port scan: hosts (capped) each with its set of failed ports (capped at the threshold). */
    TargetSet portScanHosts;
    /** Per-port address scan: ports (capped) each with its set of failed hosts. */
    TargetSet portAddressPorts;

    /** TRW: hosts already contacted (their first contact was judged); count holds walk id and outcome. */
    TargetSet contacts;
    /** TRW: log of the likelihood ratio of the current walk. */
    double walk;
    int walkId;
    int walkContacts;
    int walkFailures;

    /** Suppression records: kind ordinal, port, time of the last event, repeats suppressed since. */
    private byte[] suppKind;
    private int[] suppPort;
    private long[] suppLast;
    private long[] suppRepeats;
    private int suppSize;
    /** Until when a suppression record must outlive the source's idle expiry. */
    long suppressUntil = Long.MIN_VALUE;

    SourceState(SourceKey key) {
        this.key = key;
    }

    void voteOrigPort(int port) {
        if (port < 0) {
            return;
        }
        origPortsSeen++;
        if (origPortVotes == 0) {
            origPortCandidate = port;
            origPortVotes = 1;
        } else if (origPortCandidate == port) {
            origPortVotes++;
        } else {
            origPortVotes--;
        }
    }

    /**
     * The dominant originator port, or -1. The vote's margin is a lower bound of the candidate's
     * count, so a margin of half the votes means the port sent at least three quarters of them.
     */
    int dominantOrigPort() {
        return origPortVotes > 0 && 2L * origPortVotes >= origPortsSeen ? origPortCandidate : -1;
    }

    /**
     * Decides whether an event of (kind, port) may be delivered now.
     *
     * @return -1 if it is suppressed (and counted), otherwise the repeats suppressed since the
     *         previous delivered event of the same kind and port
     */
    long admit(int kind, int port, long now, long interval) {
        int i = findSuppression(kind, port);
        if (i >= 0 && now - suppLast[i] < interval) {
            suppRepeats[i]++;
            return -1;
        }
        long repeats = 0;
        if (i >= 0) {
            repeats = suppRepeats[i];
        } else {
            i = newSuppression(kind, port);
        }
        suppLast[i] = now;
        suppRepeats[i] = 0;
        suppressUntil = Math.max(suppressUntil, now + interval);
        return repeats;
    }

    private int findSuppression(int kind, int port) {
        for (int i = 0; i < suppSize; i++) {
            if (suppPort[i] == port && suppKind[i] == kind) {
                return i;
            }
        }
        return -1;
    }

    private int newSuppression(int kind, int port) {
        if (suppKind == null) {
            suppKind = new byte[2];
            suppPort = new int[2];
            suppLast = new long[2];
            suppRepeats = new long[2];
            bytes += 4 * 16 + 2 * SUPPRESSION_BYTES;
        }
        int i = suppSize;
        if (i == MAX_SUPPRESSIONS) {
            i = 0;
            for (int j = 1; j < suppSize; j++) {
                if (suppLast[j] < suppLast[i]) {
                    i = j;
                }
            }
        } else {
            if (i == suppKind.length) {
                int n = Math.min(MAX_SUPPRESSIONS, i * 2);
                bytes += (long) (n - i) * SUPPRESSION_BYTES;
                suppKind = Arrays.copyOf(suppKind, n);
                suppPort = Arrays.copyOf(suppPort, n);
                suppLast = Arrays.copyOf(suppLast, n);
                suppRepeats = Arrays.copyOf(suppRepeats, n);
            }
            suppSize++;
        }
        suppKind[i] = (byte) kind;
        suppPort[i] = port;
        return i;
    }

    void resetWalk() {
        walk = 0;
        walkId++;
        walkContacts = 0;
        walkFailures = 0;
    }
}
