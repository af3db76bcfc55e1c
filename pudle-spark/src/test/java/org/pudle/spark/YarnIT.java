package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.pudle.kernels.data.SignMode;
import org.pudle.kernels.data.SyntheticModel;
import org.pudle.kernels.io.Npy;

/**
 * pudle on YARN: a MiniYARNCluster (one ResourceManager, one NodeManager) and a MiniDFSCluster run
 * in this JVM, {@code HADOOP_CONF_DIR} holds their client settings, and {@code submit/pudle train
 * ... --master yarn} submits from a SPARK_HOME whose jars/ are Spark's, Hadoop's, spark-yarn's and
 * hadoop-aws's only: pudle, picocli, JFreeChart and OpenBLAS reach the YARN containers inside
 * pudle-spark-app.jar. The NodeManager starts the application master and the executors as
 * separate JVMs; Spark's jars come from the local SPARK_HOME ({@code spark.yarn.jars=local:...}).
 *
 * <p>Checks: a cluster-mode run reads {@code .npy} shards from HDFS and its dictionary equals the
 * embedded local-mode run's; its executors load the OpenBLAS bundled in the application jar with
 * one thread; a client-mode run whose executor container is killed mid-training still finishes
 * with the same dictionary. Tolerance 1e-12 (relative, max norm), as in {@link ClusterIT}: two
 * partitions, whose partial sums the final merge adds commutatively.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnIT {
  private static final int M = 16;
  private static final int P = 24;
  private static final int N = 1200;
  private static final int UPDATES = 20;
  private static final String EXECUTOR_MAIN = "org.apache.spark.executor.YarnCoarseGrainedExecutorBackend";

  private static Path root;
  private static Path work;
  private static Path sparkHome;
  private static Path confDir;
  private static MiniDFSCluster dfs;
  private static MiniYARNCluster yarn;
  private static FileSystem hdfs;
  private static String hdfsUri;
  private static List<Path> nodeLogDirs;
  private static double[] clusterDictionary;

  @BeforeAll
  static void start() throws Exception {
    root = Path.of(System.getProperty("pudle.root", "..")).toAbsolutePath().normalize();
    Path lib = root.resolve("pudle-spark/target/lib");
    Path appJar = root.resolve("pudle-spark/target/pudle-spark-app.jar");
    assertTrue(Files.isDirectory(lib) && Files.exists(appJar), "run after package: " + lib);
    work = Files.createTempDirectory("pudle-yarn-it");
    sparkHome = Files.createDirectories(work.resolve("spark-home"));
    linkClusterJars(lib, appJar, Files.createDirectories(sparkHome.resolve("jars")));

    Configuration conf = new YarnConfiguration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, work.resolve("dfs").toString());
    dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    dfs.waitActive();
    hdfs = dfs.getFileSystem();
    hdfsUri = hdfs.getUri().toString();

    conf.set("fs.defaultFS", hdfsUri);
    conf.setInt(YarnConfiguration.NM_PMEM_MB, 6144);
    conf.setInt(YarnConfiguration.NM_VCORES, 8);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 128);
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 100.0f);
    // hadoop-client-minicluster has no capacity-scheduler.xml: one queue with all of the cluster,
    // and no 10% cap on application masters (a 1.4 GB driver would wait forever for a 6 GB node)
    conf.set("yarn.scheduler.capacity.root.queues", "default");
    conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
    conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
    conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
    conf.set("yarn.scheduler.capacity.root.default.state", "RUNNING");
    conf.set("yarn.scheduler.capacity.root.default.acl_submit_applications", "*");
    conf.set("yarn.scheduler.capacity.root.default.acl_administer_queue", "*");
    conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1.0f);
    conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
    yarn = new MiniYARNCluster("pudle-yarn-it", 1, 1, 1);
    yarn.init(conf);
    yarn.start();
    // start() may return before the ResourceManager has its port in the configuration
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (yarn.getConfig().get(YarnConfiguration.RM_ADDRESS).endsWith(":0")) {
      assertTrue(System.nanoTime() < deadline, "the ResourceManager did not publish its address");
      Thread.sleep(100);
    }
    nodeLogDirs = new ArrayList<>();
    for (String d : yarn.getNodeManager(0).getConfig().getTrimmedStrings(YarnConfiguration.NM_LOG_DIRS)) {
      nodeLogDirs.add(Path.of(d.startsWith("file:") ? java.net.URI.create(d).getPath() : d));
    }

    // HADOOP_CONF_DIR, as a gateway machine of the cluster has it
    confDir = Files.createDirectories(work.resolve("hadoop-conf"));
    Configuration core = new Configuration(false);
    core.set("fs.defaultFS", hdfsUri);
    try (OutputStream o = Files.newOutputStream(confDir.resolve("core-site.xml"))) {
      core.writeXml(o);
    }
    // the ResourceManager's addresses only: the minicluster's own settings name test classes that
    // a gateway's classpath (and the containers') does not have
    Configuration site = new Configuration(false);
    for (String key : List.of(YarnConfiguration.RM_ADDRESS, YarnConfiguration.RM_SCHEDULER_ADDRESS,
        YarnConfiguration.RM_RESOURCE_TRACKER_ADDRESS, YarnConfiguration.RM_ADMIN_ADDRESS,
        YarnConfiguration.RM_WEBAPP_ADDRESS)) {
      site.set(key, yarn.getConfig().get(key));
    }
    try (OutputStream o = Files.newOutputStream(confDir.resolve("yarn-site.xml"))) {
      site.writeXml(o);
    }

    SyntheticModel model = new SyntheticModel(M, P, 3, 7, SignMode.PER_SAMPLE, 0);
    double[] dTilde = model.dictionaryTilde();
    double[] x = new double[M * N];
    model.generate(dTilde, 0, N, x, 0, null, null);
    int half = 700;
    writeNpy("/data/x/part-0.npy", Arrays.copyOfRange(x, 0, M * half), half, M, false);
    writeNpy("/data/x/part-1.npy", Arrays.copyOfRange(x, M * half, M * N), N - half, M, false);
    writeNpy("/data/d0.npy", model.initialDictionary(dTilde, 0.6), M, P, true);
    writeNpy("/data/dtilde.npy", dTilde, M, P, true);
  }

  /**
   * Links into {@code jars} every jar of {@code lib} whose classes and resources the application
   * jar does not bundle: what a Spark installation with spark-yarn and hadoop-aws holds.
   */
  private static void linkClusterJars(Path lib, Path appJar, Path jars) throws IOException {
    Set<String> bundled = new HashSet<>();
    try (JarFile app = new JarFile(appJar.toFile())) {
      app.stream().forEach(e -> bundled.add(e.getName()));
    }
    int linked = 0;
    try (Stream<Path> s = Files.list(lib)) {
      for (Path j : (Iterable<Path>) s::iterator) {
        if (!isBundled(j, bundled)) {
          Files.createSymbolicLink(jars.resolve(j.getFileName()), j);
          linked++;
        }
      }
    }
    assertTrue(linked > 50 && !Files.exists(jars.resolve("picocli-4.7.7.jar")), "the cluster's jars: " + linked);
  }

  private static boolean isBundled(Path jar, Set<String> bundled) throws IOException {
    try (JarFile j = new JarFile(jar.toFile())) {
      for (JarEntry e : (Iterable<JarEntry>) j.stream()::iterator) {
        if (!e.isDirectory() && !e.getName().startsWith("META-INF/")) {
          return bundled.contains(e.getName());
        }
      }
    }
    return false;
  }

  private static void writeNpy(String path, double[] data, int rows, int cols, boolean columnMajor) throws IOException {
    try (OutputStream o = hdfs.create(new org.apache.hadoop.fs.Path(path))) {
      if (columnMajor) {
        Npy.writeColumnMajor(o, data, rows, cols);
      } else {
        Npy.writeRowMajor(o, data, rows, cols);
      }
    }
  }

  private static double[] readNpy(String path) throws IOException {
    try (DataInputStream in = hdfs.open(new org.apache.hadoop.fs.Path(path))) {
      return Npy.read(in, path).columnMajor();
    }
  }

  @AfterAll
  static void stop() throws Exception {
    for (ProcessHandle h : ProcessHandle.current().descendants().toList()) {
      h.destroyForcibly();
    }
    if (yarn != null) {
      yarn.stop();
      deleteTree(yarn.getTestWorkDir().toPath());
    }
    if (dfs != null) {
      dfs.shutdown();
    }
    if (work != null) {
      deleteTree(work);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }

  /** A local config file whose paths are all on HDFS. */
  private static Path config(String name) throws IOException {
    Path c = work.resolve(name + ".properties");
    Files.writeString(c, "input = " + hdfsUri + "/data/x\ninit = " + hdfsUri + "/data/d0.npy\nreference = " + hdfsUri
        + "/data/dtilde.npy\np = " + P + "\nseed = 3\nT = 20\nlambda = 0.2\nalpha = 0.2\ngradient = ae-ls\n"
        + "adam.lr = 5e-3\nupdates = " + UPDATES + "\nbatch.size = 400\npartitions = 2\nblock.size = 128\n"
        + "progress.seconds = 0\noutput = " + hdfsUri + "/runs/" + name + "\n");
    return c;
  }

  private record Submitted(Process process, TrainProcessOutput output) {}

  /** {@code submit/pudle train CONFIG}, on YARN in {@code deployMode}, or embedded when it is null. */
  private static Submitted submit(Path config, String deployMode) throws IOException {
    List<String> cmd = new ArrayList<>(List.of("bash", root.resolve("submit/pudle").toString(), "train",
        config.toString()));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.remove("SPARK_HOME");
    env.remove("HADOOP_CONF_DIR");
    env.remove("YARN_CONF_DIR");
    if (deployMode != null) {
      cmd.addAll(List.of("--master", "yarn", "--deploy-mode", deployMode));
      pb.command(cmd);
      String javaHome = System.getProperty("java.home");
      env.put("SPARK_HOME", sparkHome.toString());
      env.put("HADOOP_CONF_DIR", confDir.toString());
      env.put("SPARK_LOCAL_IP", "127.0.0.1");
      String opts = "--conf spark.yarn.jars=local:" + sparkHome.resolve("jars") + "/*"
          + " --conf spark.executor.instances=2 --conf spark.executor.cores=1 --conf spark.executor.memory=512m"
          + " --conf spark.yarn.am.memory=512m --conf spark.yarn.maxAppAttempts=1 --conf spark.ui.enabled=false"
          + " --conf spark.executorEnv.JAVA_HOME=" + javaHome + " --conf spark.yarn.appMasterEnv.JAVA_HOME=" + javaHome
          + " --conf spark.executorEnv.SPARK_LOCAL_IP=127.0.0.1"
          + " --conf spark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1";
      if (deployMode.equals("client")) {
        opts += " --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1";
      }
      env.put("PUDLE_SUBMIT_OPTS", opts);
    } else {
      env.put("PUDLE_JAVA_OPTS", "-Dspark.master=local[2] -Dspark.driver.host=127.0.0.1 -Dspark.ui.enabled=false");
    }
    env.put("PUDLE_NO_BUILD", "1");
    env.put("PUDLE_DRIVER_MEMORY", "1g");
    env.put("OPENBLAS_NUM_THREADS", "1");
    Process p = pb.start();
    return new Submitted(p, TrainProcessOutput.follow(p));
  }

  private static void finish(Submitted s, String what) throws Exception {
    if (!s.process().waitFor(400, TimeUnit.SECONDS)) {
      s.process().descendants().forEach(ProcessHandle::destroyForcibly);
      s.process().destroyForcibly();
      fail(what + " did not finish in 400 s:\n" + s.output().log());
    }
    Thread.sleep(200);
    assertEquals(0, s.process().exitValue(), what + " failed:\n" + s.output().log() + containerLogs(null));
  }

  /** The YARN applications whose containers have left logs on the NodeManager. */
  private static Set<Path> applications() throws IOException {
    Set<Path> apps = new HashSet<>();
    for (Path d : nodeLogDirs) {
      if (Files.isDirectory(d)) {
        try (Stream<Path> s = Files.list(d)) {
          s.filter(a -> a.getFileName().toString().startsWith("application_")).forEach(apps::add);
        }
      }
    }
    return apps;
  }

  /** The container folders of an application (of all when null), by name. */
  private static List<Path> containers(Path application) throws IOException {
    List<Path> out = new ArrayList<>();
    for (Path app : application == null ? applications() : Set.of(application)) {
      try (Stream<Path> s = Files.list(app)) {
        s.filter(Files::isDirectory).forEach(out::add);
      }
    }
    out.sort(Comparator.comparing(Path::toString));
    return out;
  }

  /** The stdout and stderr of the containers, for failure messages. */
  private static String containerLogs(Path application) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (Path c : containers(application)) {
      for (String f : List.of("stdout", "stderr")) {
        Path log = c.resolve(f);
        if (Files.exists(log)) {
          String text = Files.readString(log);
          sb.append("\n--- ").append(c.getFileName()).append('/').append(f).append(" ---\n")
              .append(text.length() > 6000 ? text.substring(text.length() - 6000) : text);
        }
      }
    }
    return sb.toString();
  }

  private static Path newApplication(Set<Path> before) throws IOException {
    Set<Path> after = applications();
    after.removeAll(before);
    assertEquals(1, after.size(), "one new YARN application: " + after);
    return after.iterator().next();
  }

  private static double relativeDifference(double[] a, double[] b) {
    double num = 0;
    double den = 0;
    for (int i = 0; i < a.length; i++) {
      num = Math.max(num, Math.abs(a[i] - b[i]));
      den = Math.max(den, Math.abs(b[i]));
    }
    return num / den;
  }

  /** Appends a measured value to target/it-reports/YarnIT.txt (tests print nothing). */
  private static void report(String line) throws IOException {
    Path dir = Files.createDirectories(root.resolve("pudle-spark/target/it-reports"));
    Files.writeString(dir.resolve("YarnIT.txt"), java.time.Instant.now() + " " + line + "\n",
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
  }

  @Test
  @Order(1)
  void clusterModeReadsHdfsAndEqualsTheEmbeddedRun() throws Exception {
    Set<Path> before = applications();
    long t0 = System.nanoTime();
    Submitted cluster = submit(config("yarn-cluster"), "cluster");
    finish(cluster, "the YARN cluster-mode run");
    double seconds = (System.nanoTime() - t0) * 1e-9;
    Path app = newApplication(before);
    List<Path> containers = containers(app);
    // the driver ran in the application master's container, the first one
    String driver = Files.readString(containers.get(0).resolve("stdout"));
    assertTrue(driver.contains("[train] read " + N + " samples in "), driver + containerLogs(app));
    // each executor found the OpenBLAS inside the application jar and runs it with one thread
    int executors = containers.size() - 1;
    for (Path c : containers.subList(1, containers.size())) {
      String log = Files.readString(c.resolve("stderr"));
      assertTrue(log.contains("BLAS: JNIBLAS (bundled OpenBLAS ") && log.contains("OPENBLAS_NUM_THREADS=1"),
          c.getFileName() + " did not load the bundled OpenBLAS with one thread:\n" + log);
    }
    assertEquals(2, executors, "executor containers of " + app.getFileName() + ": " + containers);

    Submitted local = submit(config("embedded"), null);
    finish(local, "the embedded run");
    clusterDictionary = readNpy("/runs/yarn-cluster/dictionary.npy");
    double diff = relativeDifference(clusterDictionary, readNpy("/runs/embedded/dictionary.npy"));
    report(String.format("YARN cluster mode (%s, %d executors, %.0f s) vs embedded local: relative difference %s",
        app.getFileName(), executors, seconds, diff));
    assertTrue(diff <= 1e-12, "YARN cluster mode vs embedded: relative difference " + diff);
    assertTrue(relativeDifference(clusterDictionary, readNpy("/data/d0.npy")) > 1e-3, "the dictionary moved");
    assertTrue(hdfs.exists(new org.apache.hadoop.fs.Path("/runs/yarn-cluster/checkpoint")));
  }

  @Test
  @Order(2)
  void clientModeWithAKilledExecutorContainerGivesTheSameDictionary() throws Exception {
    Set<Path> before = applications();
    Submitted run = submit(config("yarn-killed"), "client");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
    while (run.output().update() < 8 && run.process().isAlive() && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    // the NodeManager in this JVM started the executor containers: they are its descendants
    List<ProcessHandle> executors = ProcessHandle.current().descendants()
        .filter(h -> h.info().commandLine().orElse("").contains(EXECUTOR_MAIN)).toList();
    int at = run.output().update();
    assertTrue(run.process().isAlive() && at >= 8 && at < UPDATES && !executors.isEmpty(),
        "the run should be training on YARN executors (update " + at + ", executors " + executors.size() + "):\n"
            + run.output().log());
    ProcessHandle victim = executors.get(0);
    victim.destroyForcibly();
    finish(run, "the run with a killed executor container");
    assertEquals(UPDATES, run.output().update());
    assertFalse(victim.isAlive(), "the executor container was killed");
    Path app = newApplication(before);
    long executorContainers = containers(app).size() - 1;
    double[] d = readNpy("/runs/yarn-killed/dictionary.npy");
    double[] reference = clusterDictionary != null ? clusterDictionary : readNpy("/runs/yarn-cluster/dictionary.npy");
    double diff = relativeDifference(d, reference);
    report("YARN client mode: executor container " + victim.pid() + " killed after update " + at + " of " + UPDATES
        + " (" + executorContainers + " executor containers in all): relative difference to the cluster-mode run "
        + diff);
    assertTrue(diff <= 1e-12, "executor container killed at update " + at + ": relative difference " + diff);
  }
}
