package org.pudle.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.Test;

class SideBySideTest {
  /** Both run, at the same time (each waits for the other to have started), on two threads. */
  @Test
  void bothRunAtOnceOnTwoThreads() throws IOException {
    CountDownLatch a = new CountDownLatch(1);
    CountDownLatch b = new CountDownLatch(1);
    AtomicReference<Thread> there = new AtomicReference<>();
    AtomicReference<ClassLoader> loader = new AtomicReference<>();
    SideBySide.run("side", () -> {
      a.countDown();
      await(b);
    }, () -> {
      there.set(Thread.currentThread());
      loader.set(Thread.currentThread().getContextClassLoader());
      b.countDown();
      await(a);
    });
    assertNotSame(Thread.currentThread(), there.get());
    assertEquals("side", there.get().getName());
    assertSame(Thread.currentThread().getContextClassLoader(), loader.get());
    assertTrue(!there.get().isAlive(), "the helper has ended");
  }

  /** The helper's failure is thrown after the caller's work ended; the caller's comes first. */
  @Test
  void failuresComeBackAfterBothEnded() {
    CountDownLatch helperDone = new CountDownLatch(1);
    IOException fromHelper = assertThrows(IOException.class, () -> SideBySide.run("side", () -> {
      await(helperDone);
    }, () -> {
      helperDone.countDown();
      throw new IOException("helper failed");
    }));
    assertEquals("helper failed", fromHelper.getMessage());

    CountDownLatch release = new CountDownLatch(1);
    boolean[] helperEnded = new boolean[1];
    IllegalStateException mine = assertThrows(IllegalStateException.class, () -> SideBySide.run("side", () -> {
      release.countDown();
      throw new IllegalStateException("caller failed");
    }, () -> {
      await(release);
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      helperEnded[0] = true;
      throw new IOException("helper failed too");
    }));
    assertEquals("caller failed", mine.getMessage());
    assertTrue(helperEnded[0], "run returned only after the helper ended");
    assertEquals(1, mine.getSuppressed().length);
    assertEquals("helper failed too", mine.getSuppressed()[0].getMessage());
  }

  private static void await(CountDownLatch l) {
    try {
      if (!l.await(30, TimeUnit.SECONDS)) {
        throw new IllegalStateException("the other side never started");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
