package org.pudle.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.pudle.kernels.cuda.CudaKernels;
import org.pudle.kernels.cuda.Precision;
import org.pudle.spark.cli.PudleMain;
import org.pudle.spark.config.Config;
import org.pudle.spark.config.ConfigException;
import org.pudle.spark.config.ExecutionParams;
import org.pudle.spark.config.TrainParams;
import org.pudle.spark.train.TrainJob;

/** The {@code kernels} and {@code kernel.precision} keys, and the backend resolved on the executors. */
class KernelSelectionTest {
  private static final String SMALL = "m=12\np=20\nk=2\nn=300\nT=8\nupdates=3\npartitions=2\nblock.size=64\n"
      + "progress.seconds=1000\n";

  @Test
  void keysParseAndRejectWhatCannotRun() {
    ExecutionParams d = ExecutionParams.from(Config.fromString(""));
    assertEquals("auto", d.kernels());
    assertEquals(Precision.DOUBLE, d.precision());
    assertEquals("auto:double", d.kernelsSpec());
    assertEquals("cuda:float", ExecutionParams.from(Config.fromString("kernels=CUDA\nkernel.precision=float"))
        .kernelsSpec());
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExecutionParams.from(Config.fromString("kernels=gpu")));
    assertTrue(e.getMessage().contains("config key 'kernels'") && e.getMessage().contains("auto, cpu or cuda"),
        e.getMessage());
    e = assertThrows(ConfigException.class,
        () -> ExecutionParams.from(Config.fromString("kernels=cpu\nkernel.precision=float")));
    assertTrue(e.getMessage().contains("config key 'kernel.precision'"), e.getMessage());
    e = assertThrows(ConfigException.class, () -> ExecutionParams.from(Config.fromString("kernel.precision=half")));
    assertTrue(e.getMessage().contains("double or float"), e.getMessage());
  }

  private static TrainJob.Summary train(String text, Path out, ByteArrayOutputStream console) throws IOException {
    Config c = Config.fromString(text + "output = " + out + "\n");
    TrainParams params = TrainParams.from(c);
    return TrainJob.run(SparkTestSupport.sc(), TrainJob.prepare(c, params), c.values(),
        new PrintStream(console, true, StandardCharsets.UTF_8), false);
  }

  @Test
  void autoWithoutADeviceTrainsOnTheCpuAndSaysSo(@TempDir Path dir) throws IOException {
    assumeFalse(CudaKernels.availability().available(), "this machine has a CUDA device");
    ByteArrayOutputStream autoLog = new ByteArrayOutputStream();
    TrainJob.Summary auto = train(SMALL + "kernels=auto\n", dir.resolve("auto"), autoLog);
    TrainJob.Summary cpu = train(SMALL + "kernels=cpu\n", dir.resolve("cpu"), new ByteArrayOutputStream());
    assertArrayEquals(cpu.dictionary(), auto.dictionary(), 0.0);
    String log = autoLog.toString(StandardCharsets.UTF_8);
    assertTrue(log.contains("[train] kernels: ") && log.contains(": cpu ("), log);
    assertTrue(Files.readString(dir.resolve("auto").resolve("run.properties")).contains("kernels = auto"));
  }

  @Test
  void cudaWithoutADeviceIsAConfigErrorBeforeAnythingIsWritten(@TempDir Path dir) throws IOException {
    assumeFalse(CudaKernels.availability().available(), "this machine has a CUDA device");
    Path out = dir.resolve("out");
    ConfigException e = assertThrows(ConfigException.class,
        () -> train(SMALL + "kernels=cuda\n", out, new ByteArrayOutputStream()));
    assertTrue(e.getMessage().startsWith("kernels: executor ") && e.getMessage().contains("kernels=cuda: no CUDA"),
        e.getMessage());
    assertFalse(Files.exists(out), "nothing written");

    // through the command line: exit status 2 (the shared test context is reused)
    SparkTestSupport.sc();
    Path conf = dir.resolve("cuda.properties");
    Files.writeString(conf, SMALL + "kernels=cuda\noutput=" + out + "\n");
    StringWriter err = new StringWriter();
    int status = PudleMain.execute(new PrintWriter(new StringWriter(), true), new PrintWriter(err, true), "train",
        conf.toString());
    assertEquals(2, status, err.toString());
    assertTrue(err.toString().contains("no CUDA"), err.toString());
    assertFalse(Files.exists(out), "nothing written");
  }
}
