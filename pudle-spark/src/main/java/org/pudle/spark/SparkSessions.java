package org.pudle.spark;

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
    if (!conf.contains("spark.master")) {
      conf.setMaster("local[*]");
    }
    String master = conf.get("spark.master");
    SparkSecurity.sharedSecret(conf, System.getenv());
    if (SparkSecurity.isLocal(master)) {
      SparkSecurity.embedded(conf);
    } else if (master.startsWith("spark://")) {
      StandaloneMasterCheck.check(master, conf);
    }
    if (conf.get("spark.master").matches("local(\\[.*])?")) {
      // in local mode the executor is this JVM: Spark would end it at a task's out-of-memory error
      // with status 52 and a stack trace; as a failed task the error reaches the driver instead,
      // which exits with status 1 and one line (cli.ExitStatus)
      conf.setIfMissing("spark.executor.killOnFatalError.depth", "0");
    }
    // one BLAS thread per task: each core runs one task
    conf.setIfMissing("spark.executorEnv.OPENBLAS_NUM_THREADS", "1");
    conf.setIfMissing("spark.ui.showConsoleProgress", "false");
    return new Handle(SparkSession.builder().config(conf).getOrCreate(), true);
  }
}
