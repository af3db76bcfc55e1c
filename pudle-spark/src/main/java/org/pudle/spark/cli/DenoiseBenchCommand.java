package org.pudle.spark.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

import org.pudle.kernels.GradientKind;
import org.pudle.kernels.bench.ConvBench;
import org.pudle.spark.UserInputException;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "denoise-bench", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Benchmark the convolutional kernel of the denoiser in one thread.",
        "It reports seconds and GFLOP/s per training crop (per gradient kind) and per whole-image reconstruction, next to this machine's DGEMM rate",
        "at the kernel's GEMM shapes. Flops counted: the GEMMs (2T+1 convolutions per crop for dec, 6T-1 for the",
        "ae gradients, 2T per reconstruction, each 2 k^2 filters positions); im2col and thresholds are not counted."})
final class DenoiseBenchCommand implements Callable<Integer> {

  @Option(names = "--reps", defaultValue = "5", description = "timed repetitions; medians are reported (default ${DEFAULT-VALUE})")
  int reps;

  @Option(names = "--filters", defaultValue = "64", description = "filters (default ${DEFAULT-VALUE})")
  int filters;

  @Option(names = "--filter-size", defaultValue = "9", description = "filter size (default ${DEFAULT-VALUE})")
  int k;

  @Option(names = "--stride", defaultValue = "4", description = "stride (default ${DEFAULT-VALUE})")
  int stride;

  @Option(names = "--T", defaultValue = "15", description = "unfolded layers (default ${DEFAULT-VALUE})")
  int layers;

  @Option(names = "--crop", defaultValue = "129", description = "training crop side (default ${DEFAULT-VALUE})")
  int crop;

  @Option(names = "--image", defaultValue = "321x481", description = "whole-image size HxW (default ${DEFAULT-VALUE})")
  String image;

  @Option(names = "--kinds", defaultValue = "dec,ae-ls", description = "gradient kinds (default ${DEFAULT-VALUE})")
  String kinds;

  @Override
  public Integer call() {
    String[] hw = image.split("x");
    int h;
    int w;
    try {
      if (hw.length != 2) {
        throw new NumberFormatException();
      }
      h = Integer.parseInt(hw[0].trim());
      w = Integer.parseInt(hw[1].trim());
    } catch (NumberFormatException e) {
      throw new UserInputException("--image: expected HxW, got " + image);
    }
    List<GradientKind> ks = new ArrayList<>();
    for (String s : kinds.split(",")) {
      try {
        ks.add(GradientKind.parse(s));
      } catch (IllegalArgumentException e) {
        throw new UserInputException("--kinds: " + e.getMessage(), e);
      }
    }
    ConvBench.run(k, stride, filters, layers, crop, h, w, ks, reps, System.out);
    return 0;
  }
}
