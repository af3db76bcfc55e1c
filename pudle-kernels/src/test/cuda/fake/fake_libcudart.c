/* A stand-in for libcudart.so.13 (version node libcudart.so.13, as the real one), for the loader
 * tests (FakeCudaLibraries). */
int cudaRuntimeGetVersion(int *version) {
  *version = 13000;
  return 0;
}

int cudaDriverGetVersion(int *version) {
  *version = 13000;
  return 0;
}
