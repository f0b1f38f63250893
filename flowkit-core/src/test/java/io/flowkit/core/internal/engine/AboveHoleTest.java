package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class AboveHoleTest {

    private static String ranges(AboveHole h, int e) {
        AboveHole.Ranges r = h.get(e);
        if (r == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < r.n; i++) {
            sb.append('[').append(r.lo[i]).append(',').append(r.hi[i]).append(')');
        }
        return sb.toString();
    }

    @Test
    void keepsSortedDisjointIntervalsMergingOverlapsAndNeighbours() {
        AboveHole h = new AboveHole();
        h.add(3, 100, 200);
        h.add(3, 300, 400);
        h.add(3, 50, 60);
        assertThat(ranges(h, 3)).isEqualTo("[50,60)[100,200)[300,400)");
        h.add(3, 200, 250);
        assertThat(ranges(h, 3)).isEqualTo("[50,60)[100,250)[300,400)");
        h.add(3, 55, 350);
        assertThat(ranges(h, 3)).isEqualTo("[50,400)");
        assertThat(ranges(h, 4)).isEmpty();
    }

    @Test
    void mergesTheClosestPairInsteadOfGrowingPastTheBound() {
        AboveHole h = new AboveHole();
        for (int i = 0; i < AboveHole.MAX_INTERVALS; i++) {
            h.add(0, i * 100L, i * 100L + (i == 5 ? 99 : 10));
        }
        h.add(0, 10_000, 10_010);
        AboveHole.Ranges r = h.get(0);
        assertThat(r.n).isEqualTo(AboveHole.MAX_INTERVALS);
        assertThat(ranges(h, 0)).contains("[500,610)");
    }

    @Test
    void reusesIntervalArraysOnceAnEndpointIsCleared() {
        AboveHole h = new AboveHole();
        h.add(1, 10, 20);
        AboveHole.Ranges first = h.get(1);
        h.clear(1);
        assertThat(h.get(1)).isNull();
        h.add(2, 30, 40);
        assertThat(h.get(2)).isSameAs(first);
        assertThat(ranges(h, 2)).isEqualTo("[30,40)");
    }
}
