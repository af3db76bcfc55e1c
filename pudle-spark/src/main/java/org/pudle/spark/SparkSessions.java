package org.pudle.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/**
 * The SparkSession of a job. Under {@code spark-submit} the master and settings come from there;
 * run directly, the job starts Spark embedded on {@code local[*]}. An embedded (local) Spark
 * listens on 127.0.0.1 only, with the UI off; a cluster run takes its shared secret from the
 * environment and first checks that a standalone master accepts it ({@link SparkSecurity}). A
 * session that was already running (a test's, a notebook's) is used and left running.
 */
public final class SparkSessions {
  private SparkSessions() {}

  /** A session and whether this handle started it (and so stops it on close). */
  public static final class Handle implements AutoCloseable {
    private final SparkSession session;
    private final boolean owned;

    private Handle(SparkSession session, boolean owned) {
      this.session = session;
      this.owned = owned;
    }

    public SparkSession session() {
      return session;
    }

    public JavaSparkContext context() {
      return JavaSparkContext.fromSparkContext(session.sparkContext());
    }

    @Override
    public void close() {
      if (owned) {
        session.stop();
      }
    }
  }

  /** The active session, or a new one configured for pudle. */
  public static Handle open(String appName) {
    var active = SparkSession.getActiveSession();
    if (active.isEmpty()) {
      active = SparkSession.getDefaultSession();
    }
    if (active.isDefined() && !active.get().sparkContext().isStopped()) {
      return new Handle(active.get(), false);
    }
    SparkConf conf = new SparkConf().setAppName(appName);
    boolean embedded = !conf.contains("spark.master");
    if (embedded) {
      conf.setMaster("local[*]");
    }
    String master = conf.get("spark.master");
    SparkSecurity.sharedSecret(conf, System.getenv());
    if (SparkSecurity.isLocal(master)) {
      SparkSecurity.embedded(conf);
    } else if (master.startsWith("spark://")) {
      StandaloneMasterCheck.check(master, conf);
    }
    localDefaults(conf);
    // one BLAS thread per task: each core runs one task
    conf.setIfMissing("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    try {
      return new Handle(SparkSession.builder().config(conf).getOrCreate(), true);
    } catch (IllegalArgumentException e) {
      throw embedded ? heapTooSmall(e) : e;
    }
  }

  /**
   * The defaults of a local master (the executor is this JVM), each unless set: a task's
   * out-of-memory error fails the task rather than ending the JVM, and a task's result goes
   * straight to the driver.
   */
  static void localDefaults(SparkConf conf) {
    if (!conf.get("spark.master").matches("local(\\[.*])?")) {
      return;
    }
    // Spark would end this JVM at a task's out-of-memory error with status 52 and a stack trace;
    // as a failed task the error reaches the driver instead, which exits with status 1 and one
    // line (cli.ExitStatus)
    conf.setIfMissing("spark.executor.killOnFatalError.depth", "0");
    // a task's result (the m x p gradient sums: 12 MB at m = 1000, p = 1500) goes in the status
    // update rather than through the block manager and a fetch over the loopback (0.45 s against
    // 0.1 s per update at that size); Spark caps it at spark.rpc.message.maxSize
    conf.setIfMissing("spark.task.maxDirectResultSize", "128m");
  }

  private static final Pattern SYSTEM_MEMORY = Pattern.compile("System memory (\\d+) must be at least (\\d+)");

  /**
   * Spark's "System memory ... must be at least ..." names spark-submit's {@code --driver-memory};
   * run embedded by submit/pudle, the driver's heap is {@code PUDLE_DRIVER_MEMORY}.
   */
  static RuntimeException heapTooSmall(IllegalArgumentException e) {
    Matcher mt = SYSTEM_MEMORY.matcher(String.valueOf(e.getMessage()));
    if (!mt.find()) {
      return e;
    }
    long has = Long.parseLong(mt.group(1)) >> 20;
    long needs = (Long.parseLong(mt.group(2)) + (1 << 20) - 1) >> 20;
    return new UserInputException("the JVM's heap of " + has + " MB is smaller than the " + needs + " MB Spark needs: "
        + "set PUDLE_DRIVER_MEMORY to 1g or more (submit/pudle runs Spark embedded in this JVM; the default is 4g)", e);
  }
}
