package org.pudle.spark.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.Test;
import org.pudle.kernels.cuda.Precision;

/** One backend vocabulary for every job; the denoiser's old {@code backend} key still works. */
class ExecutionSettingsTest {

  /** Collects the warnings of {@link ExecutionSettings}. */
  private static final class Warnings extends AbstractAppender {
    final List<String> messages = new CopyOnWriteArrayList<>();

    Warnings() {
      super("warnings", null, null, true, Property.EMPTY_ARRAY);
    }

    @Override
    public void append(LogEvent event) {
      messages.add(event.getMessage().getFormattedMessage());
    }
  }

  @Test
  void theOldBackendKeyIsReadAsKernelsAndPrecisionAndWarnsOnceNamingTheReplacement() {
    String name = ExecutionSettings.class.getName();
    LoggerContext ctx = (LoggerContext) LogManager.getContext(false);
    Warnings warnings = new Warnings();
    warnings.start();
    LoggerConfig logger = new LoggerConfig(name, Level.WARN, false);
    logger.addAppender(warnings, Level.WARN, null);
    ctx.getConfiguration().addLogger(name, logger);
    ctx.updateLoggers();
    try {
      ExecutionSettings.forgetWarnings();
      for (int i = 0; i < 3; i++) {
        ExecutionSettings.Backend b = ExecutionSettings.backend(Config.fromString("backend = cuda:float"), true);
        assertEquals(new ExecutionSettings.Backend("cuda", Precision.FLOAT), b);
      }
      assertEquals(List.of("config key 'backend' (inline) is deprecated: write kernels = cuda and kernel.precision = "
          + "float instead"), warnings.messages);
    } finally {
      ctx.getConfiguration().removeLogger(name);
      ctx.updateLoggers();
      warnings.stop();
    }
    assertEquals(new ExecutionSettings.Backend("auto", Precision.DOUBLE),
        ExecutionSettings.backend(Config.fromString("backend = auto"), true));
  }

  @Test
  void bothSpellingsAtOnceOrTheOldKeyWhereItNeverExistedAreErrors() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExecutionSettings.backend(Config.fromString("backend = cpu\nkernel.precision = double"), true));
    assertTrue(e.getMessage().startsWith("config key 'backend' (inline): is replaced by kernels and kernel.precision"),
        e.getMessage());
    // train never had the backend key
    e = assertThrows(ConfigException.class, () -> TrainParams.from(Config.fromString("backend = cpu")));
    assertTrue(e.getMessage().startsWith("unknown config key: 'backend'"), e.getMessage());
    assertEquals(new ExecutionSettings.Backend("cuda", Precision.DOUBLE),
        ExecutionSettings.backend(Config.fromString("kernels = CUDA"), false));
  }

  @Test
  void cudaGemmTravelsInTheKernelSpecAndIsValidated() {
    ExecutionParams auto = ExecutionParams.from(Config.fromString(""));
    assertEquals(org.pudle.kernels.cuda.GemmProvider.AUTO, auto.gemm());
    assertEquals("auto:double", auto.kernelsSpec());
    ExecutionParams own = ExecutionParams.from(Config.fromString("kernels = cuda\ncuda.gemm = own"));
    assertEquals("cuda:double:own", own.kernelsSpec());
    org.pudle.kernels.pool.KernelSpec spec = org.pudle.kernels.pool.KernelSpec.parse(own.kernelsSpec());
    assertEquals(org.pudle.kernels.cuda.GemmProvider.OWN, spec.gemm());
    assertEquals(org.pudle.kernels.cuda.Precision.DOUBLE, spec.precision());
    assertEquals("cuda:float:cublas", ExecutionParams.from(Config.fromString(
        "kernel.precision = float\ncuda.gemm = CUBLAS\nkernels = cuda")).kernelsSpec());
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExecutionParams.from(Config.fromString("cuda.gemm = cudnn")));
    assertTrue(e.getMessage().contains("cuda.gemm") && e.getMessage().contains("auto, cublas or own"), e.getMessage());
    // the denoiser reads the same key
    assertEquals(new ExecutionSettings.Backend("cuda", Precision.FLOAT, org.pudle.kernels.cuda.GemmProvider.OWN),
        ExecutionSettings.backend(Config.fromString("kernels = cuda\nkernel.precision = float\ncuda.gemm = own"), true));
  }

  @Test
  void kernelLayersTravelInTheSpec() {
    ExecutionParams auto = ExecutionParams.from(Config.fromString(""));
    assertEquals(org.pudle.kernels.pool.KernelSpec.Layers.AUTO, auto.layers());
    ExecutionParams dense = ExecutionParams.from(Config.fromString("kernels = cpu\nkernel.layers = DENSE"));
    assertEquals("cpu:double:auto:dense", dense.kernelsSpec());
    assertEquals(org.pudle.kernels.pool.KernelSpec.Layers.DENSE,
        org.pudle.kernels.pool.KernelSpec.parse(dense.kernelsSpec()).layers());
    assertEquals("cuda:double:own:dense", ExecutionParams.from(Config.fromString(
        "kernels = cuda\ncuda.gemm = own\nkernel.layers = dense")).kernelsSpec());
    ConfigException e = assertThrows(ConfigException.class,
        () -> ExecutionParams.from(Config.fromString("kernel.layers = sparse")));
    assertTrue(e.getMessage().contains("kernel.layers") && e.getMessage().contains("auto or dense"), e.getMessage());
  }
}
