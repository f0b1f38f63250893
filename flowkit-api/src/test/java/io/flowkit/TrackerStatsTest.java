package io.flowkit;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TrackerStatsTest {

    @Test
    void fragmentCountersAreKeptComparedAndPrinted() {
        TrackerStats a = TrackerStats.builder().fragments(5).reassembledDatagrams(2).reassembliesDropped(1).build();
        assertThat(a.fragments()).isEqualTo(5);
        assertThat(a.reassembledDatagrams()).isEqualTo(2);
        assertThat(a.reassembliesDropped()).isEqualTo(1);
        TrackerStats same = TrackerStats.builder().fragments(5).reassembledDatagrams(2).reassembliesDropped(1).build();
        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(a).isNotEqualTo(TrackerStats.builder().fragments(5).reassembledDatagrams(2).build());
        assertThat(a.toString()).contains("fragments=5", "reassembledDatagrams=2", "reassembliesDropped=1");
    }

    @Test
    void skippedTotalAddsEveryReason() {
        TrackerStats s = TrackerStats.builder().skipped(SkipReason.NOT_IP, 3).skipped(SkipReason.NO_TRANSPORT, 4).build();
        assertThat(s.skipped(SkipReason.NO_TRANSPORT)).isEqualTo(4);
        assertThat(s.skippedTotal()).isEqualTo(7);
    }

    @Test
    void boundCountersAreKeptPerBoundComparedAndPrinted() {
        TrackerStats a = TrackerStats.builder().evictions(Bound.PENDING, 7).boundReached(Bound.PENDING, 2)
                .evictions(Bound.FRAGMENTS, 1).build();
        assertThat(a.evictions(Bound.PENDING)).isEqualTo(7);
        assertThat(a.boundReached(Bound.PENDING)).isEqualTo(2);
        assertThat(a.evictions(Bound.FRAGMENTS)).isEqualTo(1);
        assertThat(a.evictions(Bound.CONNECTIONS)).isZero();
        TrackerStats same = TrackerStats.builder().evictions(Bound.PENDING, 7).boundReached(Bound.PENDING, 2)
                .evictions(Bound.FRAGMENTS, 1).build();
        assertThat(a).isEqualTo(same).hasSameHashCodeAs(same);
        assertThat(a).isNotEqualTo(TrackerStats.builder().evictions(Bound.PENDING, 7).build());
        assertThat(a.toString()).contains("evictions.pending=7", "boundReached.pending=2", "evictions.fragments=1");
    }
}
