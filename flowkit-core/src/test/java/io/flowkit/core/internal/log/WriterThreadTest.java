package io.flowkit.core.internal.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The writer thread against a target that records what reaches it. */
class WriterThreadTest {

    /** Collects records; throws for the ones it is told to; counts flushes. */
    private static final class Collecting implements WriterThread.Target {
        final List<Object> written = new ArrayList<>();
        final List<Thread> threads = new ArrayList<>();
        int flushes;

        @Override
        public void write(Object record) {
            threads.add(Thread.currentThread());
            if (record.equals("bad")) {
                throw new IllegalArgumentException("cannot format " + record);
            }
            written.add(record);
        }

        @Override
        public void flush() {
            flushes++;
        }
    }

    @Test
    void writesEveryRecordInOrderOnItsOwnThreadAcrossManyTurnsOfTheRing() throws IOException {
        Collecting target = new Collecting();
        WriterThread t = new WriterThread("test-writer", target, false);
        int n = 10 * WriterThread.CAPACITY + 7;
        for (int i = 0; i < n; i++) {
            t.put(i);
        }
        t.close();
        assertThat(target.written).hasSize(n);
        for (int i = 0; i < n; i++) {
            assertThat(target.written.get(i)).isEqualTo(i);
        }
        assertThat(target.threads).doesNotContain(Thread.currentThread());
        assertThat(target.flushes).isZero(); // close leaves flushing the output to its owner
    }

    @Test
    void flushWaitsForTheRecordsBeforeItAndFlushesOnTheThread() throws IOException {
        Collecting target = new Collecting();
        WriterThread t = new WriterThread("test-writer", target, false);
        for (int i = 0; i < 100; i++) { // fewer than a wake-up batch: only the flush wakes the thread
            t.put(i);
        }
        t.flush();
        assertThat(target.written).hasSize(100);
        assertThat(target.flushes).isEqualTo(1);
        t.close();
    }

    @Test
    void reportsAFailedRecordOnFlushAndCloseAndWritesTheOthers() throws IOException {
        Collecting target = new Collecting();
        WriterThread t = new WriterThread("test-writer", target, true);
        t.put("a");
        t.put("bad");
        t.put("b");
        assertThatThrownBy(t::flush).isInstanceOf(IOException.class)
                .hasCauseInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot format bad");
        assertThatThrownBy(t::close).isInstanceOf(IOException.class);
        assertThat(target.written).containsExactly("a", "b");
    }

    @Test
    void refusesRecordsAfterCloseAndClosesOnce() throws IOException {
        WriterThread t = new WriterThread("test-writer", new Collecting(), false);
        t.close();
        t.close();
        t.flush();
        assertThatThrownBy(() -> t.put("late")).isInstanceOf(IllegalStateException.class);
    }
}
