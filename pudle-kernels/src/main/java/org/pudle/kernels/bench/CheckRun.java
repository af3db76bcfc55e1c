package org.pudle.kernels.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.pudle.kernels.cuda.CudaContext;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.GemmProvider;
import org.pudle.kernels.cuda.Precision;

/**
 * One run of {@link CudaCheck}: its options, table, verdicts and device. It runs the sections in
 * order ({@link DeviceSections}, {@link TimingSections}), each on a worker thread within the time
 * left, turns a failure into a row, and at the end adds the result rows, prints the table, writes
 * the files and returns the exit status.
 */
final class CheckRun {
  /** One GEMM provider and precision under test. */
  record Setting(GemmProvider gemm, Precision precision) {}

  /** One GEMM provider and precision under test, and its kernels. */
  record Backend(GemmProvider gemm, Precision precision, CudaKernels kernels) {
    String label() {
      return gemm + "/" + precision.label();
    }
  }

  /** An agreement verdict, for the last line. */
  record Verdict(String what, double worst, double tolerance, boolean pass) {}

  final CheckOptions o;
  final PrintStream out;
  final CheckTable table = new CheckTable();
  private final List<Verdict> verdicts = new ArrayList<>();
  private final long start = System.nanoTime();
  private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "cuda-check");
    t.setDaemon(true);
    return t;
  });
  private boolean sectionFailed;
  private CheckDevice ctx;
  /** The GEMM providers under test, in order (the device section fills it). */
  final List<GemmProvider> providers = new ArrayList<>();
  /** The cuBLAS rate at 4096^3 per precision (GFLOP/s), once measured: the device's limit. */
  final Map<Precision, Double> limit = new ConcurrentHashMap<>();

  /** @param device the device to check, or null for the CUDA driver's (probed) */
  CheckRun(CheckOptions o, PrintStream out, CheckDevice device) {
    this.o = o;
    this.out = out;
    this.ctx = device;
  }

  /** The device under test; null when there is none. */
  CheckDevice device() {
    return ctx;
  }

  void say(String format, Object... args) {
    out.println(String.format(Locale.ROOT, "[%6.1f s] ", elapsed()) + String.format(Locale.ROOT, format, args));
    out.flush();
  }

  private double elapsed() {
    return (System.nanoTime() - start) * 1e-9;
  }

  interface Body {
    void run() throws Exception;
  }

  /**
   * Runs {@code body} on the worker thread within the time left; a failure becomes a row. At the
   * limit, writes the table and exits the JVM (a stuck device call cannot be interrupted).
   */
  void section(String name, Body body) {
    double left = o.timeLimit() - elapsed();
    if (left <= 0) {
      table.fact(name, "skipped", "", "", "SKIPPED",
          String.format(Locale.ROOT, "the time limit of %.0f s was reached", o.timeLimit()));
      sectionFailed = true;
      say("%s: skipped, the time limit of %.0f s was reached", name, o.timeLimit());
      return;
    }
    say("== %s", name);
    Future<?> f = worker.submit(() -> {
      body.run();
      return null;
    });
    try {
      f.get((long) Math.ceil(left * 1000), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      table.fact(name, "timed out", "", "", "TIMEOUT", String.format(Locale.ROOT,
          "still running at the time limit of %.0f s; the table ends here", o.timeLimit()));
      say("%s: still running at the time limit of %.0f s: writing the table", name, o.timeLimit());
      sectionFailed = true;
      throw new OutOfTime();
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      failure(name, name, "", "", c);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
    write();
  }

  /**
   * A section still running at the time limit: the table is written and the run ends (the
   * section's thread, a daemon, is left behind: a device call cannot be interrupted; main exits).
   */
  private static final class OutOfTime extends RuntimeException {
    private static final long serialVersionUID = 1L;

    OutOfTime() {
      super(null, null, false, false);
    }
  }

  /** A failed part: a row with the exception's first line, and its stack on the console. */
  void failure(String section, String item, String gemm, String precision, Throwable t) {
    sectionFailed = true;
    String msg = t.getClass().getSimpleName() + ": " + String.valueOf(t.getMessage()).split("\n", 2)[0];
    table.fact(section, item, gemm, precision, "FAILED", msg);
    say("%s %s %s %s: FAILED with %s", section, item, gemm, precision, msg);
    t.printStackTrace(out);
    out.flush();
  }

  /** Adds an agreement verdict (from any thread). */
  void verdict(Verdict v) {
    synchronized (verdicts) {
      verdicts.add(v);
    }
  }

  private void write() {
    try {
      table.write(o.out());
    } catch (IOException e) {
      say("cannot write the table into %s: %s", o.out(), e.getMessage());
    }
  }

  int run() {
    try {
      return sections();
    } catch (OutOfTime e) {
      return finish();
    } finally {
      worker.shutdownNow();
    }
  }

  private int sections() {
    try {
      Files.createDirectories(o.out());
    } catch (IOException e) {
      out.println("cuda-check: --out " + o.out() + ": cannot create the folder: " + e.getMessage());
      return 2;
    }
    say("pudle cuda-check: Java %s (%s), %d cores, output %s, time limit %.0f s", System.getProperty("java.version"),
        System.getProperty("java.vm.name"), Runtime.getRuntime().availableProcessors(), o.out().toAbsolutePath(),
        o.timeLimit());
    DeviceSections device = new DeviceSections(this);
    TimingSections timing = new TimingSections(this);
    CudaContext.Availability a = ctx != null ? new CudaContext.Availability(true, ctx.name()) : CudaContext.probe();
    if (!a.available()) {
      table.fact("device", "CUDA", "", "", "none", a.description());
      say("no usable CUDA device: %s", a.description());
      if (o.requireCuda()) {
        table.fact("result", "cuda-check", "", "", "NO DEVICE", "--require-cuda: exit 3");
        write();
        out.println();
        table.print(out);
        String why = a.description().startsWith("no CUDA driver") ? "" : "no CUDA driver or device: ";
        out.println("cuda-check: " + why + a.description());
        out.flush();
        return 3;
      }
    } else {
      if (ctx == null) {
        ctx = CheckDevice.of(CudaContext.shared());
      }
      section("device", device::device);
    }
    if (ctx != null) {
      section("gemm", device::gemmRates);
      section("agreement", device::agreement);
      if (o.bench()) {
        section("gradients", () -> timing.gradients("gradients", o.m(), o.p(), o.T(), o.samples()));
        section("b1", () -> timing.gradients("b1", 50, 100, 200, o.b1Samples()));
      }
    }
    if (o.conv()) {
      section("conv", timing::conv);
    }
    if (o.study()) {
      section("study", timing::study);
    }
    if (o.cpu()) {
      section("cpu", timing::cpu);
    }
    return finish();
  }

  /** The result rows, the table, the files and the last line; returns the exit status. */
  private int finish() {
    boolean ok = !sectionFailed;
    StringBuilder line = new StringBuilder();
    synchronized (verdicts) {
      for (Verdict v : verdicts) {
        table.fact("result", "agreement " + v.what(), "", "", v.pass() ? "PASS" : "FAIL",
            String.format(Locale.ROOT, "%.2e (required <= %.0e)", v.worst(), v.tolerance()));
        line.append(line.length() == 0 ? "" : ", ").append(v.what()).append(' ').append(v.pass() ? "PASS" : "FAIL");
        ok &= v.pass();
      }
    }
    if (ctx != null && verdicts.isEmpty()) {
      ok = false;
    }
    table.fact("result", "cuda-check", "", "", ok ? "PASS" : "FAIL", sectionFailed
        ? "a section failed, was skipped or ran out of time (rows above)" : "");
    write();
    out.println();
    out.println("==== pudle cuda-check: " + o.out().toAbsolutePath().resolve("check.csv") + " ====");
    table.print(out);
    out.println("cuda-check " + (ok ? "PASS" : "FAIL") + ": agreement "
        + (line.length() == 0 ? "not checked (no device)" : line) + (sectionFailed ? "; a section failed" : "")
        + String.format(Locale.ROOT, " (%.0f s)", elapsed()));
    out.flush();
    return ok ? 0 : 1;
  }

  /** The (provider, precision) pairs under test, in order. */
  List<Setting> pairs() {
    List<Setting> list = new ArrayList<>();
    for (GemmProvider g : providers) {
      for (Precision precision : o.precisions()) {
        list.add(new Setting(g, precision));
      }
    }
    return list;
  }

  /** A backend of its own (closed after use, freeing its device memory). */
  Backend backend(Setting pair) {
    GemmProvider g = pair.gemm();
    Precision precision = pair.precision();
    double fraction = Double.parseDouble(System.getProperty("pudle.cuda.memory.fraction", "0.9"));
    return new Backend(g, precision, new CudaKernels(ctx.devices(g), precision, fraction));
  }
}
