package org.pudle.kernels.conv;

import org.pudle.kernels.linalg.Blas;

import dev.ludovic.netlib.blas.BLAS;

/**
 * The two linear maps of a strided convolutional dictionary, by im2col and one BLAS GEMM each
 * (layouts in {@link ConvGeometry}):
 * <ul>
 *   <li>{@code D^T r} (analysis, PyTorch's {@code conv2d(r, W, stride=s)}): for filter c and code
 *       position (i, j), {@code sum_{u,v} W_c[u, v] r[s i + u, s j + v]}. The image is unfolded
 *       into the {@code k^2 x positions} patch matrix {@code Col(r)}, and {@code D^T r = W^T Col(r)};
 *   <li>{@code D z} (synthesis, {@code conv_transpose2d(z, W, stride=s)}): every code entry adds
 *       its filter at its position, {@code (D z)[s i + u, s j + v] += z_c[i, j] W_c[u, v]}; the
 *       patch matrix {@code W z} is folded back onto the image (col2im).
 * </ul>
 * Folding is the transpose of unfolding, so {@code <D z, r> = <z, D^T r>} holds to rounding. The
 * gradient of {@code <r, D z>} with respect to the filters is the correlation
 * {@code Col(r) z^T} (a {@code k^2 x channels} GEMM), which {@link #correlate} adds.
 *
 * <p>Static methods on caller-owned buffers; nothing is allocated.
 */
public final class StridedConvolution {
  private static final BLAS BLAS_INSTANCE = Blas.blas();

  private StridedConvolution() {}

  /**
   * Unfolds the image into its patch matrix: {@code cols[t + k^2 n] = img[s i + u, s j + v]} with
   * {@code t = u k + v} and {@code n = i codeCols + j}.
   *
   * @param img  {@code height x width} row-major from {@code imgOff}; not modified
   * @param cols {@code k^2 x positions} column-major from 0; overwritten
   */
  public static void im2col(ConvGeometry g, double[] img, int imgOff, double[] cols) {
    int k = g.k();
    int s = g.stride();
    int w = g.width();
    int rows = g.codeRows();
    int cc = g.codeCols();
    int kk = k * k;
    int n = 0;
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cc; j++, n++) {
        int base = imgOff + s * i * w + s * j;
        int out = n * kk;
        for (int u = 0; u < k; u++) {
          System.arraycopy(img, base + u * w, cols, out + u * k, k);
        }
      }
    }
  }

  /**
   * Folds a patch matrix onto the image, adding: the transpose of {@link #im2col}.
   *
   * @param cols {@code k^2 x positions}; not modified
   * @param img  {@code height x width} from {@code imgOff}; added to
   */
  public static void col2imAdd(ConvGeometry g, double[] cols, double[] img, int imgOff) {
    int k = g.k();
    int s = g.stride();
    int w = g.width();
    int rows = g.codeRows();
    int cc = g.codeCols();
    int kk = k * k;
    int n = 0;
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cc; j++, n++) {
        int base = imgOff + s * i * w + s * j;
        int in = n * kk;
        for (int u = 0; u < k; u++) {
          int row = base + u * w;
          int c = in + u * k;
          for (int v = 0; v < k; v++) {
            img[row + v] += cols[c + v];
          }
        }
      }
    }
  }

  /**
   * {@code codes = scale D^T r + beta codes}: the strided convolution of the image with every
   * filter.
   *
   * @param filters {@code k^2 x channels}; not modified
   * @param img     not modified
   * @param cols    scratch of {@code k^2 positions} entries; overwritten
   * @param codes   {@code channels x positions}; overwritten (beta = 0) or added to
   */
  public static void analysis(ConvGeometry g, double[] filters, double[] img, int imgOff, double scale, double beta,
      double[] codes, double[] cols) {
    im2col(g, img, imgOff, cols);
    analysisOfColumns(g, filters, cols, scale, beta, codes, 0);
  }

  /**
   * {@code codes = scale W^T cols + beta codes} for a patch matrix already unfolded.
   *
   * @param codes {@code channels x positions} from {@code codesOff}; overwritten or added to
   */
  public static void analysisOfColumns(ConvGeometry g, double[] filters, double[] cols, double scale, double beta,
      double[] codes, int codesOff) {
    int kk = g.taps();
    BLAS_INSTANCE.dgemm("T", "N", g.channels(), g.positions(), kk, scale, filters, 0, kk, cols, 0, kk, beta, codes,
        codesOff, g.channels());
  }

  /**
   * {@code img = D z} (or {@code img += D z} when {@code add}): the transposed strided convolution.
   *
   * @param filters {@code k^2 x channels}; not modified
   * @param codes   {@code channels x positions} from {@code codesOff}; not modified
   * @param cols    scratch of {@code k^2 positions} entries; overwritten
   * @param img     {@code height x width} from {@code imgOff}; overwritten or added to
   */
  public static void synthesis(ConvGeometry g, double[] filters, double[] codes, int codesOff, double[] img,
      int imgOff, boolean add, double[] cols) {
    int kk = g.taps();
    BLAS_INSTANCE.dgemm("N", "N", kk, g.positions(), g.channels(), 1.0, filters, 0, kk, codes, codesOff,
        g.channels(), 0.0, cols, 0, kk);
    if (!add) {
      java.util.Arrays.fill(img, imgOff, imgOff + g.pixels(), 0.0);
    }
    col2imAdd(g, cols, img, imgOff);
  }

  /**
   * {@code grad += scale Col(r) z^T}: the gradient with respect to the filters of
   * {@code scale <r, D z>}, for a patch matrix {@code cols = Col(r)} already unfolded.
   *
   * @param cols  {@code k^2 x positions}; not modified
   * @param codes {@code channels x positions} from {@code codesOff}; not modified
   * @param grad  {@code k^2 x channels}; added to
   */
  public static void correlate(ConvGeometry g, double[] cols, double[] codes, int codesOff, double scale,
      double[] grad) {
    int kk = g.taps();
    BLAS_INSTANCE.dgemm("N", "T", kk, g.channels(), g.positions(), scale, cols, 0, kk, codes, codesOff, g.channels(),
        1.0, grad, 0, kk);
  }
}
