package io.flowkit.core.internal.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Uids against a reference that divides every digit out with unsigned arithmetic. */
class UidsTest {
    private static final String DIGITS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** The definition: 'C', the first mix as 11 unsigned base62 digits, then the second mix's digits. */
    private static String reference(long seed, long n) {
        long a = mix(n * 0x9E3779B97F4A7C15L + seed);
        long b = mix(a ^ seed ^ 0x2545F4914F6CDD1DL) >>> 40;
        char[] first = new char[11];
        for (int i = 10; i >= 0; i--) {
            first[i] = DIGITS.charAt((int) Long.remainderUnsigned(a, 62));
            a = Long.divideUnsigned(a, 62);
        }
        StringBuilder sb = new StringBuilder("C").append(first);
        do {
            sb.append(DIGITS.charAt((int) (b % 62)));
            b /= 62;
        } while (b != 0 && sb.length() < 17);
        return sb.toString();
    }

    @Test
    void matchesTheUnsignedDefinitionForLargeAndSmallMixes() {
        SplittableRandom rnd = new SplittableRandom(3);
        int negativeMixes = 0;
        for (int round = 0; round < 200; round++) {
            long seed = rnd.nextLong();
            Uids uids = new Uids(seed);
            for (int k = 0; k < 100; k++) {
                long n = k < 50 ? k : rnd.nextLong();
                if (mix(n * 0x9E3779B97F4A7C15L + seed) < 0) {
                    negativeMixes++;
                }
                assertThat(uids.uid(n)).isEqualTo(reference(seed, n));
            }
        }
        // half the mixes have the top bit set: the unsigned first division is exercised
        assertThat(negativeMixes).isGreaterThan(5_000);
    }

    @Test
    void givesDistinctUidsToDistinctConnections() {
        Uids uids = new Uids(42);
        Set<String> seen = new HashSet<>();
        for (long n = 0; n < 100_000; n++) {
            assertThat(seen.add(uids.uid(n).substring(0, 12))).isTrue();
        }
    }

    @Test
    void randomSeedsDifferFromCallToCall() {
        Set<Long> seeds = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            seeds.add(Uids.randomSeed());
        }
        assertThat(seeds).hasSize(20);
    }
}
