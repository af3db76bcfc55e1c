// pudle_kernels.cu: the device kernels of the CUDA backend (org.pudle.kernels.cuda).
//
// Compiled to PTX for a virtual architecture by build-ptx (beside this file); the PTX ships as
// the classpath resource org/pudle/kernels/cuda/pudle_kernels.ptx and is loaded with
// cuModuleLoadData by CudaContext. No CUDA library beyond the driver is used: the GEMMs are
// written here.
//
// Every matrix is column-major with a leading dimension. Every kernel exists for double (_f64)
// and float (_f32) storage; statistics are always summed in double.
//
// The source is also compiled by g++ against a small host emulation of the thread grid
// (src/test/cuda/), which checks every kernel against a loop reference without a GPU; so it uses
// no warp intrinsics and no CUDA headers, only __shared__, __syncthreads and the index builtins.

#ifndef PUDLE_HOST_EMULATION
#define PUDLE_LAUNCH_BOUNDS(n) __launch_bounds__(n)
#endif

namespace pudle {

// GEMM tiling: a 256-thread block computes a BM x BN tile of C; each thread an 8 x 8 register
// tile with rows tx + 16 i and columns ty + 16 j (so that a warp reads 16 consecutive values of
// the shared A tile and broadcasts the B values). The K loop steps by BK with two shared buffers
// and a register prefetch of the next tile, one barrier per step.
constexpr int BM = 128;
constexpr int BN = 128;
constexpr int BK = 8;
constexpr int THREADS = 256;
// Row pitch of the shared tiles: 132 = 4 (mod 16 doubles, mod 32 floats) spreads the stores of
// the k-fastest loads over all banks.
constexpr int PITCH = BM + 4;
constexpr int LOADS = BM * BK / THREADS;  // 4 values of A and of B per thread and step

// Epilogues of the GEMM and of pudle_threshold: 0 none, 1 soft threshold, 2 hard threshold,
// 3 non-negative soft threshold, 4 non-negative hard threshold (the last two for the
// convolutional encoder, ConvThreshold).
constexpr int EPI_SOFT = 1;
constexpr int EPI_HARD = 2;
constexpr int EPI_SOFT_NONNEG = 3;
constexpr int EPI_HARD_NONNEG = 4;

__device__ __forceinline__ int imin(int a, int b) { return a < b ? a : b; }

// S(v) = sign(v) max(|v| - level, 0) (soft), v 1{|v| >= level} (hard), max(v - level, 0)
// (non-negative soft) or v 1{v >= level} (non-negative hard); the same arithmetic as
// Threshold.Soft / Threshold.Hard and ConvThreshold on the CPU.
template <typename T>
__device__ __forceinline__ T epilogue(T v, int epi, T level) {
  if (epi == EPI_SOFT) {
    T a = fabs(v) - level;
    return a > T(0) ? copysign(a, v) : T(0);
  }
  if (epi == EPI_HARD) {
    return fabs(v) >= level ? v : T(0);
  }
  if (epi == EPI_SOFT_NONNEG) {
    T a = v - level;
    return a > T(0) ? a : T(0);
  }
  if (epi == EPI_HARD_NONNEG) {
    return v >= level ? v : T(0);
  }
  return v;
}

// C = epi(alpha op(A) op(B) + beta Cin) on one tile, op(A) M x K, op(B) K x N.
// Split-K: block z of the grid sums k in [z kPerSlice, (z + 1) kPerSlice) and writes to
// C + z sliceStride (the host then passes alpha 1, beta 0, no epilogue, and reduces the slices).
// Cin is not read when beta == 0; it may equal C (same pointer and leading dimension).
template <typename T, bool TA, bool TB>
__device__ __forceinline__ void gemm(int M, int N, int K, int kPerSlice, T alpha, const T* __restrict__ A, int lda,
                                     const T* __restrict__ B, int ldb, T beta, const T* Cin, int ldcin, T* C, int ldc,
                                     long long sliceStride, int epi, T level) {
  __shared__ T As[2][BK][PITCH];  // As[.][k][i] = op(A)(row0 + i, k0 + k)
  __shared__ T Bs[2][BK][PITCH];  // Bs[.][k][j] = op(B)(k0 + k, col0 + j)

  const int tid = threadIdx.x;
  const int tx = tid % 16;
  const int ty = tid / 16;
  const int row0 = blockIdx.x * BM;
  const int col0 = blockIdx.y * BN;
  const int kBegin = blockIdx.z * kPerSlice;
  const int kEnd = imin(K, kBegin + kPerSlice);
  const int steps = kEnd > kBegin ? (kEnd - kBegin + BK - 1) / BK : 0;
  C += blockIdx.z * sliceStride;

  // which tile element each thread loads: for the operand stored with the tile's long side
  // contiguous (A plain, B transposed) 128 consecutive values per k; otherwise 8 consecutive
  // k per row or column
  int aI[LOADS], aK[LOADS], bK[LOADS], bJ[LOADS];
  #pragma unroll
  for (int r = 0; r < LOADS; r++) {
    int e = tid + r * THREADS;
    if (!TA) { aI[r] = e % BM; aK[r] = e / BM; } else { aK[r] = e % BK; aI[r] = e / BK; }
    if (TB) { bJ[r] = e % BN; bK[r] = e / BN; } else { bK[r] = e % BK; bJ[r] = e / BK; }
  }

  T ra[LOADS], rb[LOADS];
  T acc[8][8];
  #pragma unroll
  for (int i = 0; i < 8; i++) {
    #pragma unroll
    for (int j = 0; j < 8; j++) {
      acc[i][j] = T(0);
    }
  }

  // global -> registers for the step starting at k0
#define PUDLE_LOAD_TILE(k0)                                                             \
  _Pragma("unroll")                                                                     \
  for (int r = 0; r < LOADS; r++) {                                                     \
    int i = row0 + aI[r];                                                               \
    int k = (k0) + aK[r];                                                               \
    ra[r] = (i < M && k < kEnd) ? (TA ? A[k + (long long)i * lda] : A[i + (long long)k * lda]) : T(0); \
    int j = col0 + bJ[r];                                                               \
    int kb = (k0) + bK[r];                                                              \
    rb[r] = (j < N && kb < kEnd) ? (TB ? B[j + (long long)kb * ldb] : B[kb + (long long)j * ldb]) : T(0); \
  }
#define PUDLE_STORE_TILE(buf)                 \
  _Pragma("unroll")                       \
  for (int r = 0; r < LOADS; r++) {           \
    As[buf][aK[r]][aI[r]] = ra[r];            \
    Bs[buf][bK[r]][bJ[r]] = rb[r];            \
  }

  if (steps > 0) {
    PUDLE_LOAD_TILE(kBegin)
    PUDLE_STORE_TILE(0)
  }
  __syncthreads();
  for (int s = 0; s < steps; s++) {
    const int cur = s & 1;
    if (s + 1 < steps) {
      PUDLE_LOAD_TILE(kBegin + (s + 1) * BK)
    }
    #pragma unroll
    for (int k = 0; k < BK; k++) {
      T a[8], b[8];
      #pragma unroll
      for (int i = 0; i < 8; i++) {
        a[i] = As[cur][k][tx + 16 * i];
      }
      #pragma unroll
      for (int j = 0; j < 8; j++) {
        b[j] = Bs[cur][k][ty + 16 * j];
      }
      #pragma unroll
      for (int i = 0; i < 8; i++) {
        #pragma unroll
        for (int j = 0; j < 8; j++) {
          acc[i][j] = fma(a[i], b[j], acc[i][j]);
        }
      }
    }
    if (s + 1 < steps) {
      PUDLE_STORE_TILE(cur ^ 1)
    }
    __syncthreads();
  }
#undef PUDLE_LOAD_TILE
#undef PUDLE_STORE_TILE

  #pragma unroll
  for (int j = 0; j < 8; j++) {
    int col = col0 + ty + 16 * j;
    if (col >= N) {
      continue;
    }
    #pragma unroll
    for (int i = 0; i < 8; i++) {
      int row = row0 + tx + 16 * i;
      if (row < M) {
        T v = alpha * acc[i][j];
        if (beta != T(0)) {
          v += beta * Cin[row + (long long)col * ldcin];
        }
        C[row + (long long)col * ldc] = epilogue(v, epi, level);
      }
    }
  }
}

// C = epi(alpha sum_z W_z + beta Cin) over the split-K slices W_z = W + z sliceStride (M x N,
// leading dimension M), summed in slice order.
template <typename T>
__device__ __forceinline__ void splitkReduce(int M, int N, int slices, const T* W, long long sliceStride, T alpha,
                                             T beta, const T* Cin, int ldcin, T* C, int ldc, int epi, T level) {
  long long total = (long long)M * N;
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
       e += (long long)gridDim.x * blockDim.x) {
    int row = (int)(e % M);
    int col = (int)(e / M);
    T s = W[e];
    for (int z = 1; z < slices; z++) {
      s += W[e + z * sliceStride];
    }
    T v = alpha * s;
    if (beta != T(0)) {
      v += beta * Cin[row + (long long)col * ldcin];
    }
    C[row + (long long)col * ldc] = epilogue(v, epi, level);
  }
}

// Z = S(V) element-wise (Z may equal V).
template <typename T>
__device__ __forceinline__ void threshold(long long n, int epi, T level, const T* V, T* Z) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    Z[i] = epilogue(V[i], epi, level);
  }
}

// The backward mask of one layer: Bt = A .* 1{Zmask != 0}; Q += Bt.
template <typename T>
__device__ __forceinline__ void maskAccumulate(long long n, const T* A, const T* Zmask, T* Bt, T* Q) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    T b = Zmask[i] != T(0) ? A[i] : T(0);
    Bt[i] = b;
    Q[i] += b;
  }
}

// A += lambda sign(Z), sign(0) = 0: the l1 term of the ae-lasso loss at z_T.
template <typename T>
__device__ __forceinline__ void addLambdaSign(long long n, T lambda, const T* Z, T* A) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    T z = Z[i];
    T s = z > T(0) ? T(1) : (z < T(0) ? T(-1) : T(0));
    A[i] += lambda * s;
  }
}

// S = P + P^T, p x p.
template <typename T>
__device__ __forceinline__ void symmetrize(int p, const T* P, T* S) {
  long long total = (long long)p * p;
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
       e += (long long)gridDim.x * blockDim.x) {
    int i = (int)(e % p);
    int j = (int)(e / p);
    S[e] = P[e] + P[j + (long long)i * p];
  }
}

// Per-block partial statistics in double: partials[3 b + 0] = sum R^2, [3 b + 1] = sum |Z|,
// [3 b + 2] = #{Z != 0}. A fixed grid and a tree reduction in shared memory: the sums do not
// depend on timing. Launch with 256 threads.
template <typename T>
__device__ __forceinline__ void statistics(long long nR, const T* R, long long nZ, const T* Z, double* partials) {
  __shared__ double s0[256];
  __shared__ double s1[256];
  __shared__ double s2[256];
  double rr = 0;
  double l1 = 0;
  double nnz = 0;
  long long stride = (long long)gridDim.x * blockDim.x;
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < nR; i += stride) {
    double r = R[i];
    rr += r * r;
  }
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < nZ; i += stride) {
    double z = Z[i];
    if (z != 0) {
      l1 += fabs(z);
      nnz += 1;
    }
  }
  int t = threadIdx.x;
  s0[t] = rr;
  s1[t] = l1;
  s2[t] = nnz;
  __syncthreads();
  for (int h = 128; h > 0; h >>= 1) {
    if (t < h) {
      s0[t] += s0[t + h];
      s1[t] += s1[t + h];
      s2[t] += s2[t + h];
    }
    __syncthreads();
  }
  if (t == 0) {
    partials[3 * blockIdx.x] = s0[0];
    partials[3 * blockIdx.x + 1] = s1[0];
    partials[3 * blockIdx.x + 2] = s2[0];
  }
}

// ---- the strided convolution of the denoiser (ConvUnfoldedIstaCuda; layouts of ConvGeometry):
// an image is row-major (y width + x); a patch matrix Col(img) is k^2 x positions column-major,
// Col[t + k^2 n] = img[s i + u, s j + v] with t = u k + v, n = i codeCols + j.

// Cols = Col(Img): one thread per entry of the patch matrix.
template <typename T>
__device__ __forceinline__ void im2col(int k, int s, int width, int codeRows, int codeCols, const T* Img, T* Cols) {
  const int kk = k * k;
  long long total = (long long)kk * codeRows * codeCols;
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
       e += (long long)gridDim.x * blockDim.x) {
    int t = (int)(e % kk);
    int n = (int)(e / kk);
    int u = t / k;
    int v = t - u * k;
    int i = n / codeCols;
    int j = n - i * codeCols;
    Cols[e] = Img[(long long)(s * i + u) * width + (s * j + v)];
  }
}

// Img = fold(Cols) - Sub (Sub may be null: Img = fold(Cols)), the transpose of im2col, by
// gathering: one thread per pixel sums the patch entries that cover it, in increasing patch
// order (as StridedConvolution.col2imAdd adds them on the CPU), so no atomics are needed and the
// result does not depend on timing.
template <typename T>
__device__ __forceinline__ void col2im(int k, int s, int height, int width, int codeRows, int codeCols,
                                       const T* Cols, const T* Sub, T* Img) {
  const int kk = k * k;
  long long total = (long long)height * width;
  for (long long e = blockIdx.x * (long long)blockDim.x + threadIdx.x; e < total;
       e += (long long)gridDim.x * blockDim.x) {
    int y = (int)(e / width);
    int x = (int)(e - (long long)y * width);
    // patches i with s i <= y <= s i + k - 1
    int iLo = y >= k ? (y - k + s) / s : 0;
    int iHi = imin(y / s, codeRows - 1);
    int jLo = x >= k ? (x - k + s) / s : 0;
    int jHi = imin(x / s, codeCols - 1);
    T acc = T(0);
    for (int i = iLo; i <= iHi; i++) {
      int u = y - s * i;
      for (int j = jLo; j <= jHi; j++) {
        int v = x - s * j;
        acc += Cols[(long long)(i * codeCols + j) * kk + u * k + v];
      }
    }
    Img[e] = Sub != nullptr ? acc - Sub[e] : acc;
  }
}

// Z = alpha X (Z may equal X).
template <typename T>
__device__ __forceinline__ void scale(long long n, T alpha, const T* X, T* Z) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    Z[i] = alpha * X[i];
  }
}

// The backward mask of one layer without the running sum: B = A .* 1{Zmask != 0}.
template <typename T>
__device__ __forceinline__ void mask(long long n, const T* A, const T* Zmask, T* B) {
  for (long long i = blockIdx.x * (long long)blockDim.x + threadIdx.x; i < n; i += (long long)gridDim.x * blockDim.x) {
    B[i] = Zmask[i] != T(0) ? A[i] : T(0);
  }
}

}  // namespace pudle

#define PUDLE_GEMM(NAME, T, TA, TB)                                                                              \
  extern "C" __global__ void PUDLE_LAUNCH_BOUNDS(256)                                                            \
      NAME(int M, int N, int K, int kPerSlice, T alpha, const T* A, int lda, const T* B, int ldb, T beta,        \
           const T* Cin, int ldcin, T* C, int ldc, long long sliceStride, int epi, T level) {                    \
    pudle::gemm<T, TA, TB>(M, N, K, kPerSlice, alpha, A, lda, B, ldb, beta, Cin, ldcin, C, ldc, sliceStride, epi, \
                           level);                                                                               \
  }

PUDLE_GEMM(pudle_gemm_nn_f64, double, false, false)
PUDLE_GEMM(pudle_gemm_tn_f64, double, true, false)
PUDLE_GEMM(pudle_gemm_nt_f64, double, false, true)
PUDLE_GEMM(pudle_gemm_nn_f32, float, false, false)
PUDLE_GEMM(pudle_gemm_tn_f32, float, true, false)
PUDLE_GEMM(pudle_gemm_nt_f32, float, false, true)

#define PUDLE_ELEMENTWISE(SUFFIX, T)                                                                             \
  extern "C" __global__ void pudle_splitk_reduce_##SUFFIX(int M, int N, int slices, const T* W,                  \
                                                          long long sliceStride, T alpha, T beta, const T* Cin,  \
                                                          int ldcin, T* C, int ldc, int epi, T level) {           \
    pudle::splitkReduce<T>(M, N, slices, W, sliceStride, alpha, beta, Cin, ldcin, C, ldc, epi, level);          \
  }                                                                                                              \
  extern "C" __global__ void pudle_threshold_##SUFFIX(long long n, int epi, T level, const T* V, T* Z) {         \
    pudle::threshold<T>(n, epi, level, V, Z);                                                                    \
  }                                                                                                              \
  extern "C" __global__ void pudle_mask_accumulate_##SUFFIX(long long n, const T* A, const T* Zmask, T* Bt,     \
                                                            T* Q) {                                              \
    pudle::maskAccumulate<T>(n, A, Zmask, Bt, Q);                                                                \
  }                                                                                                              \
  extern "C" __global__ void pudle_add_lambda_sign_##SUFFIX(long long n, T lambda, const T* Z, T* A) {          \
    pudle::addLambdaSign<T>(n, lambda, Z, A);                                                                    \
  }                                                                                                              \
  extern "C" __global__ void pudle_symmetrize_##SUFFIX(int p, const T* P, T* S) {                               \
    pudle::symmetrize<T>(p, P, S);                                                                               \
  }                                                                                                              \
  extern "C" __global__ void PUDLE_LAUNCH_BOUNDS(256)                                                            \
      pudle_statistics_##SUFFIX(long long nR, const T* R, long long nZ, const T* Z, double* partials) {         \
    pudle::statistics<T>(nR, R, nZ, Z, partials);                                                                \
  }

PUDLE_ELEMENTWISE(f64, double)
PUDLE_ELEMENTWISE(f32, float)

#define PUDLE_CONV(SUFFIX, T)                                                                                    \
  extern "C" __global__ void pudle_im2col_##SUFFIX(int k, int s, int width, int codeRows, int codeCols,         \
                                                   const T* Img, T* Cols) {                                     \
    pudle::im2col<T>(k, s, width, codeRows, codeCols, Img, Cols);                                                \
  }                                                                                                              \
  extern "C" __global__ void pudle_col2im_##SUFFIX(int k, int s, int height, int width, int codeRows,           \
                                                   int codeCols, const T* Cols, const T* Sub, T* Img) {         \
    pudle::col2im<T>(k, s, height, width, codeRows, codeCols, Cols, Sub, Img);                                   \
  }                                                                                                              \
  extern "C" __global__ void pudle_scale_##SUFFIX(long long n, T alpha, const T* X, T* Z) {                     \
    pudle::scale<T>(n, alpha, X, Z);                                                                             \
  }                                                                                                              \
  extern "C" __global__ void pudle_mask_##SUFFIX(long long n, const T* A, const T* Zmask, T* B) {               \
    pudle::mask<T>(n, A, Zmask, B);                                                                              \
  }

PUDLE_CONV(f64, double)
PUDLE_CONV(f32, float)

// out[q] += sum_b partials[3 b + q], q = 0, 1, 2, in a fixed order; one block of 256 threads.
extern "C" __global__ void PUDLE_LAUNCH_BOUNDS(256) pudle_statistics_finish(int blocks, const double* partials,
                                                                             double* out) {
  __shared__ double s[3][256];
  int t = threadIdx.x;
  for (int q = 0; q < 3; q++) {
    double acc = 0;
    for (int b = t; b < blocks; b += 256) {
      acc += partials[3 * b + q];
    }
    s[q][t] = acc;
  }
  __syncthreads();
  for (int h = 128; h > 0; h >>= 1) {
    if (t < h) {
      for (int q = 0; q < 3; q++) {
        s[q][t] += s[q][t + h];
      }
    }
    __syncthreads();
  }
  if (t == 0) {
    for (int q = 0; q < 3; q++) {
      out[q] += s[q][0];
    }
  }
}
