// kernel_check.cpp: every kernel of pudle_kernels.cu against a loop reference, run on the CPU
// through host_emulation.h (g++ -std=c++20). Run by CudaKernelEmulationTest; prints the failures
// and a closing "N passed, N failed" line; exit status 1 when a check failed.
#include "host_emulation.h"

#include "../../main/cuda/pudle_kernels.cu"

#include <cstdio>
#include <random>
#include <string>

static int passed = 0;
static int failed = 0;

static void expect(bool ok, const std::string& what) {
  if (ok) {
    passed++;
  } else {
    failed++;
    std::printf("FAILED: %s\n", what.c_str());
  }
}

template <typename T>
static std::vector<T> randomVector(size_t n, std::mt19937_64& rng, double zeroFraction = 0) {
  std::normal_distribution<double> g(0, 1);
  std::uniform_real_distribution<double> u(0, 1);
  std::vector<T> v(n);
  for (auto& x : v) {
    x = u(rng) < zeroFraction ? T(0) : T(g(rng));
  }
  return v;
}

static double softOrHard(double v, int epi, double level) {
  if (epi == 1) {
    double a = std::fabs(v) - level;
    return a > 0 ? std::copysign(a, v) : 0.0;
  }
  if (epi == 2) {
    return std::fabs(v) >= level ? v : 0.0;
  }
  if (epi == 3) {
    return v - level > 0 ? v - level : 0.0;
  }
  if (epi == 4) {
    return v >= level ? v : 0.0;
  }
  return v;
}

template <typename T>
static const char* typeName() {
  return sizeof(T) == 8 ? "f64" : "f32";
}

// C = epi(alpha op(A) op(B) + beta Cin) through the kernels the way CudaDevice launches them:
// one pass, or split-K slices into a workspace and the reduce kernel.
template <typename T, bool TA, bool TB>
static void checkGemm(int M, int N, int K, int slices, double alpha, double beta, int epi, bool aliasCin,
                      std::mt19937_64& rng) {
  int lda = (TA ? K : M) + 3;
  int ldb = (TB ? N : K) + 2;
  int ldc = M + 1;
  int ldcin = aliasCin ? ldc : M + 5;
  auto A = randomVector<T>((size_t)lda * (TA ? M : K) + 1, rng);
  auto B = randomVector<T>((size_t)ldb * (TB ? K : N) + 1, rng);
  auto Cin = randomVector<T>((size_t)ldcin * N, rng);
  auto C = aliasCin ? Cin : randomVector<T>((size_t)ldc * N, rng);
  const double level = 0.7;
  std::vector<double> expected((size_t)M * N);
  for (int j = 0; j < N; j++) {
    for (int i = 0; i < M; i++) {
      long double s = 0;
      for (int k = 0; k < K; k++) {
        double a = TA ? A[k + (size_t)i * lda] : A[i + (size_t)k * lda];
        double b = TB ? B[j + (size_t)k * ldb] : B[k + (size_t)j * ldb];
        s += (long double)a * b;
      }
      double v = alpha * (double)s + (beta != 0 ? beta * (double)Cin[i + (size_t)j * ldcin] : 0.0);
      expected[i + (size_t)j * M] = v;
    }
  }
  auto kernel = TA ? "tn" : (TB ? "nt" : "nn");
  dim3 grid{(unsigned)((M + pudle::BM - 1) / pudle::BM), (unsigned)((N + pudle::BN - 1) / pudle::BN), 1};
  dim3 block{256, 1, 1};
  const std::vector<T> before = C;
  bool untouched = true;
  T* out = C.data();
  const T* cin = aliasCin ? C.data() : Cin.data();
  if (slices <= 1) {
    emulateLaunch(grid, block, [&] {
      pudle::gemm<T, TA, TB>(M, N, K, K, T(alpha), A.data(), lda, B.data(), ldb, T(beta), cin, ldcin, out, ldc, 0,
                             epi, T(level));
    });
  } else {
    int kPerSlice = (K + slices - 1) / slices;
    std::vector<T> W((size_t)slices * M * N + 1, T(12345));
    grid.z = slices;
    emulateLaunch(grid, block, [&] {
      pudle::gemm<T, TA, TB>(M, N, K, kPerSlice, T(1), A.data(), lda, B.data(), ldb, T(0), nullptr, 0, W.data(), M,
                             (long long)M * N, 0, T(0));
    });
    expect(W.back() == T(12345), "split-K workspace overrun");
    emulateLaunch(dim3{3, 1, 1}, block, [&] {
      pudle::splitkReduce<T>(M, N, slices, W.data(), (long long)M * N, T(alpha), T(beta), cin, ldcin, out, ldc, epi,
                             T(level));
    });
  }
  double tol = sizeof(T) == 8 ? 1e-12 : 2e-5;
  double worst = 0;
  for (int j = 0; j < N; j++) {
    for (int i = 0; i < M; i++) {
      double e = expected[i + (size_t)j * M];
      double got = C[i + (size_t)j * ldc];
      double scale = std::sqrt((double)K + 1) * (std::fabs(alpha) + std::fabs(beta)) + 1;
      // the threshold is applied to the computed value; compare before and after consistently
      double want = softOrHard(e, epi, level);
      double err = std::fabs(got - want) / scale;
      if (epi != 0 && std::fabs(std::fabs(e) - level) < 1e-3) {
        continue;  // too close to the threshold to call
      }
      worst = std::max(worst, err);
    }
    // the padding row of C below M stays untouched
    untouched &= C[M + (size_t)j * ldc] == before[M + (size_t)j * ldc];
  }
  char what[200];
  std::snprintf(what, sizeof what, "gemm_%s_%s M=%d N=%d K=%d slices=%d alpha=%g beta=%g epi=%d alias=%d: error %.3g, padding kept %d",
                kernel, typeName<T>(), M, N, K, slices, alpha, beta, epi, aliasCin, worst, untouched);
  expect(worst <= tol && untouched, what);
}

template <typename T>
static void checkGemms(std::mt19937_64& rng) {
  struct Shape {
    int M, N, K;
  };
  Shape shapes[] = {{1, 1, 1}, {130, 70, 37}, {129, 257, 9}, {7, 5, 0}};
  for (auto s : shapes) {
    for (int slices : {1, 3}) {
      double beta = (s.K % 2 == 0) ? 1.0 : -1.0;
      for (int epi : {0, 1, 2, 3, 4}) {
        checkGemm<T, false, false>(s.M, s.N, s.K, slices, 0.8, beta, epi, epi == 0 && slices == 3, rng);
      }
      checkGemm<T, true, false>(s.M, s.N, s.K, slices, -1.5, 0.0, 0, false, rng);
      checkGemm<T, false, true>(s.M, s.N, s.K, slices, 1.0, 1.0, 0, true, rng);
      checkGemm<T, false, true>(s.M, s.N, s.K, slices, 0.5, -1.0, 2, false, rng);
    }
  }
}

template <typename T>
static void checkElementwise(std::mt19937_64& rng) {
  const long long n = 1000;  // not a multiple of 256; 3 blocks stride over it
  dim3 grid{3, 1, 1};
  dim3 block{256, 1, 1};
  auto V = randomVector<T>(n, rng);
  for (int epi : {1, 2, 3, 4}) {
    std::vector<T> Z(n + 1, T(7));
    double level = 0.5;
    emulateLaunch(grid, block, [&] { pudle::threshold<T>(n, epi, T(level), V.data(), Z.data()); });
    bool ok = Z[n] == T(7);
    for (long long i = 0; i < n; i++) {
      ok &= Z[i] == T(softOrHard(V[i], epi, level)) || std::fabs(std::fabs((double)V[i]) - level) < 1e-6;
    }
    expect(ok, std::string("threshold_") + typeName<T>() + " epi=" + std::to_string(epi));
  }
  {
    auto A = randomVector<T>(n, rng);
    auto Zm = randomVector<T>(n, rng, 0.6);
    auto Q = randomVector<T>(n, rng);
    auto Q0 = Q;
    std::vector<T> Bt(n + 1, T(9));
    emulateLaunch(grid, block, [&] { pudle::maskAccumulate<T>(n, A.data(), Zm.data(), Bt.data(), Q.data()); });
    bool ok = Bt[n] == T(9);
    for (long long i = 0; i < n; i++) {
      T b = Zm[i] != T(0) ? A[i] : T(0);
      ok &= Bt[i] == b && Q[i] == T(Q0[i] + b);
    }
    expect(ok, std::string("mask_accumulate_") + typeName<T>());
  }
  {
    auto Z = randomVector<T>(n, rng, 0.5);
    auto A = randomVector<T>(n, rng);
    auto A0 = A;
    emulateLaunch(grid, block, [&] { pudle::addLambdaSign<T>(n, T(0.2), Z.data(), A.data()); });
    bool ok = true;
    for (long long i = 0; i < n; i++) {
      double s = Z[i] > 0 ? 1 : (Z[i] < 0 ? -1 : 0);
      ok &= A[i] == T(A0[i] + T(0.2) * T(s));
    }
    expect(ok, std::string("add_lambda_sign_") + typeName<T>());
  }
  for (int p : {1, 17, 40}) {
    auto P = randomVector<T>((size_t)p * p, rng);
    std::vector<T> S((size_t)p * p + 1, T(3));
    emulateLaunch(grid, block, [&] { pudle::symmetrize<T>(p, P.data(), S.data()); });
    bool ok = S[(size_t)p * p] == T(3);
    for (int j = 0; j < p; j++) {
      for (int i = 0; i < p; i++) {
        ok &= S[i + (size_t)j * p] == T(P[i + (size_t)j * p] + P[j + (size_t)i * p]);
      }
    }
    expect(ok, std::string("symmetrize_") + typeName<T>() + " p=" + std::to_string(p));
  }
  {
    const long long nR = 1234;
    const long long nZ = 777;
    auto R = randomVector<T>(nR, rng);
    auto Z = randomVector<T>(nZ, rng, 0.7);
    const int blocks = 5;
    std::vector<double> partials(3 * blocks + 1, 42.0);
    emulateLaunch(dim3{blocks, 1, 1}, block,
                  [&] { pudle::statistics<T>(nR, R.data(), nZ, Z.data(), partials.data()); });
    std::vector<double> out = {1.0, 2.0, 3.0};
    emulateLaunch(dim3{1, 1, 1}, block, [&] { pudle_statistics_finish(blocks, partials.data(), out.data()); });
    long double rr = 0;
    long double l1 = 0;
    long long nnz = 0;
    for (auto r : R) {
      rr += (long double)r * r;
    }
    for (auto z : Z) {
      if (z != 0) {
        l1 += std::fabs((double)z);
        nnz++;
      }
    }
    bool ok = partials[3 * blocks] == 42.0 && std::fabs(out[0] - 1.0 - (double)rr) <= 1e-12 * (double)rr &&
              std::fabs(out[1] - 2.0 - (double)l1) <= 1e-12 * (double)l1 && out[2] - 3.0 == (double)nnz && nnz > 0;
    char what[200];
    std::snprintf(what, sizeof what, "statistics_%s: %.17g %.17g %.17g vs %.17g %.17g %lld", typeName<T>(),
                  out[0] - 1.0, out[1] - 2.0, out[2] - 3.0, (double)rr, (double)l1, nnz);
    expect(ok, what);
  }
}

int main() {
  std::mt19937_64 rng(20240611);
  checkGemms<double>(rng);
  checkGemms<float>(rng);
  checkElementwise<double>(rng);
  checkElementwise<float>(rng);
  std::printf("kernel emulation: %d passed, %d failed\n", passed, failed);
  return failed == 0 ? 0 : 1;
}
