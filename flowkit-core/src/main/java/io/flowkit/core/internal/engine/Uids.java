package io.flowkit.core.internal.engine;

import java.io.File;
import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.SecureRandom;

/**
 * Connection uids in Zeek's shape: {@code C} followed by base62 digits.
 *
 * <p>The n-th connection of a tracker gets a uid derived from {@code n} and the seed by a
 * bijective 64-bit mix (SplitMix64's finaliser), written as exactly 11 base62 digits, followed by
 * a few digits of a second mix for Zeek's look. The first part alone differs for every {@code n},
 * so uids are unique per tracker; the same seed gives the same uids.
 */
final class Uids {
    private static final char[] DIGITS =
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

    private final long seed;

    Uids(long seed) {
        this.seed = seed;
    }

    /**
     * Returns a random seed for a tracker's uids: 8 bytes of the kernel's random source,
     * {@code /dev/urandom}, where the system has one, otherwise {@link SecureRandom}. On Linux
     * SecureRandom reads the same source but first initialises the JCA provider framework, which
     * takes 50 to 100 ms of a fresh JVM's start (measured), a tenth of a short command's time.
     *
     * @return the seed
     */
    static long randomSeed() {
        File urandom = new File("/dev/urandom");
        if (urandom.canRead()) {
            try (InputStream in = new FileInputStream(urandom)) {
                byte[] b = in.readNBytes(8);
                if (b.length == 8) {
                    long v = 0;
                    for (byte x : b) {
                        v = (v << 8) | (x & 0xFF);
                    }
                    return v;
                }
            } catch (IOException e) {
                // unreadable after all: SecureRandom below
            }
        }
        return new SecureRandom().nextLong();
    }

    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    String uid(long n) {
        long a = mix(n * 0x9E3779B97F4A7C15L + seed);
        long b = mix(a ^ seed ^ 0x2545F4914F6CDD1DL) >>> 40;
        char[] out = new char[1 + 11 + 5];
        out[0] = 'C';
        // the last digit divides unsigned; the quotient is below 2^58, so the rest divide signed,
        // which the compiler turns into multiplications
        long q = Long.divideUnsigned(a, 62);
        out[11] = DIGITS[(int) (a - q * 62)];
        a = q;
        for (int i = 10; i >= 1; i--) {
            out[i] = DIGITS[(int) (a % 62)];
            a /= 62;
        }
        int len = 12;
        do {
            out[len++] = DIGITS[(int) (b % 62)];
            b /= 62;
        } while (b != 0 && len < out.length);
        return new String(out, 0, len);
    }
}
