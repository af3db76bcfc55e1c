package org.pudle.kernels.conv;

import java.io.Serializable;

/**
 * The shapes of a strided convolutional dictionary applied to one image: {@code channels} filters
 * of {@code k x k} taps, stride {@code s}, on an image of {@code height x width} pixels.
 *
 * <p>The code of a filter is a {@code codeRows x codeCols} map with
 * {@code codeRows = (height - k) / s + 1}; the transposed convolution of such a map covers exactly
 * {@code (codeRows - 1) s + k} rows, so this class requires {@code (height - k)} and
 * {@code (width - k)} to be multiples of {@code s} (PyTorch's {@code conv2d} would drop the
 * uncovered last rows instead). {@link #fittingSize} gives the smallest such size; images of other
 * sizes are padded to it (see {@code Denoiser}). The paper's geometry fits: 9 x 9 filters with
 * stride 4 on 129 x 129 crops give 31 x 31 codes, and on the 321 x 481 BSD images 79 x 119.
 *
 * <p>Layouts: an image is row-major ({@code y * width + x}); filter {@code c} is column {@code c}
 * of a column-major {@code k^2 x channels} matrix with tap {@code (u, v)} at row {@code u k + v}
 * (the same bytes as a C-order {@code (channels, k, k)} array); codes are a column-major
 * {@code channels x (codeRows codeCols)} matrix, position {@code (i, j)} at column
 * {@code i codeCols + j}.
 *
 * @param k        filter size, at least 1
 * @param stride   at least 1
 * @param channels number of filters, at least 1
 * @param height   image rows, at least k
 * @param width    image columns, at least k
 */
public record ConvGeometry(int k, int stride, int channels, int height, int width) implements Serializable {

  public ConvGeometry {
    if (k < 1 || stride < 1 || channels < 1) {
      throw new IllegalArgumentException("convolution: expected filter size, stride and channels >= 1, got k = " + k
          + ", stride = " + stride + ", channels = " + channels);
    }
    if (height < k || width < k) {
      throw new IllegalArgumentException("image of " + height + " x " + width + " is smaller than a " + k + " x " + k
          + " filter");
    }
    if ((height - k) % stride != 0 || (width - k) % stride != 0) {
      throw new IllegalArgumentException("image of " + height + " x " + width + " does not fit " + k + " x " + k
          + " filters with stride " + stride + ": (size - " + k + ") must be a multiple of " + stride + "; the nearest "
          + "fitting size is " + fittingSize(height, k, stride) + " x " + fittingSize(width, k, stride));
    }
    long codes = (long) channels * ((height - k) / stride + 1) * ((width - k) / stride + 1);
    if ((long) height * width > Integer.MAX_VALUE / 2 || codes > Integer.MAX_VALUE / 2
        || (long) k * k * ((height - k) / stride + 1) * ((width - k) / stride + 1) > Integer.MAX_VALUE / 2) {
      throw new IllegalArgumentException("image of " + height + " x " + width + " is too large for one array");
    }
  }

  /** The smallest size {@code >= n} (and {@code >= k}) that {@code k x k} filters with stride s cover exactly. */
  public static int fittingSize(int n, int k, int stride) {
    if (n <= k) {
      return k;
    }
    return k + (n - k + stride - 1) / stride * stride;
  }

  /** Rows of a code map. */
  public int codeRows() {
    return (height - k) / stride + 1;
  }

  /** Columns of a code map. */
  public int codeCols() {
    return (width - k) / stride + 1;
  }

  /** Positions of a code map: {@code codeRows codeCols}. */
  public int positions() {
    return codeRows() * codeCols();
  }

  /** Entries of the codes of all filters: {@code channels positions}. */
  public int codeSize() {
    return channels * positions();
  }

  /** Taps of a filter: {@code k^2}, the rows of the filter matrix. */
  public int taps() {
    return k * k;
  }

  /** Pixels of the image. */
  public int pixels() {
    return height * width;
  }

  /** Entries of the filter matrix: {@code k^2 channels}. */
  public int filterSize() {
    return k * k * channels;
  }

  /** The flops of one strided convolution or transposed convolution by GEMM: {@code 2 k^2 channels positions}. */
  public double convolutionFlops() {
    return 2.0 * taps() * channels * positions();
  }
}
