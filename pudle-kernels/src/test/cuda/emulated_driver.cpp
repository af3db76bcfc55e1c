// emulated_driver.cpp: the kernels of pudle_kernels.cu, run on the CPU through host_emulation.h,
// behind a small driver protocol on stdin/stdout, so that the Java CudaDevice (its launch shapes,
// its argument lists) and the kernels run together without a GPU: the tests' KernelDriver
// (NativeEmulation.java) starts this program and sends it what CudaStreamDriver sends to CUDA.
//
// Protocol, little-endian, one request at a time, every request answered by a status byte (0 ok;
// 1 followed by a u32 length and an error message) and then its payload:
//   'A' u64 bytes                      -> u64 address (memory filled with 0xff bytes: NaN)
//   'F' u64 address                    -> (frees it)
//   'W' u64 address u64 n, n bytes     -> (copies to the device)
//   'R' u64 address u64 n              -> n bytes
//   'Z' u64 address u64 n              -> (zeroes n bytes)
//   'L' u32 length, name, u32 gx gy gz threads, u32 count, count x (u8 type, u64 bits)
//                                      -> (runs the kernel: 'i' int, 'l' long long, 'd' double,
//                                          'f' float in the low 32 bits, 'p' pointer or 0)
//   'Q'                                -> exits
// Every copy and pointer argument must lie inside one allocation; every argument's type must be
// the kernel's parameter type; built with AddressSanitizer, a kernel reading or writing outside
// an allocation aborts the program.
#include "host_emulation.h"

#include "../../main/cuda/pudle_kernels.cu"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>

namespace {

struct Failure : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Arg {
  char type;
  uint64_t bits;
};

std::map<uint64_t, uint64_t> allocations;  // address -> bytes

// The allocation holding [p, p + n); throws when there is none.
void checkRange(uint64_t p, uint64_t n, const std::string& what) {
  auto it = allocations.upper_bound(p);
  if (it == allocations.begin()) {
    throw Failure(what + ": address outside every allocation");
  }
  --it;
  if (p < it->first || p + n > it->first + it->second) {
    throw Failure(what + ": " + std::to_string(n) + " bytes at offset " + std::to_string(p - it->first) +
                  " overrun an allocation of " + std::to_string(it->second) + " bytes");
  }
}

std::string currentKernel;

template <typename P>
P convert(const Arg& a, size_t index) {
  auto expect = [&](char t) {
    if (a.type != t) {
      throw Failure(currentKernel + ": argument " + std::to_string(index) + " has type '" + a.type +
                    "', the kernel's parameter is '" + t + "'");
    }
  };
  if constexpr (std::is_pointer_v<P>) {
    expect('p');
    if (a.bits != 0) {
      checkRange(a.bits, 0, currentKernel + " argument " + std::to_string(index));
    }
    return reinterpret_cast<P>(a.bits);
  } else if constexpr (std::is_same_v<P, int>) {
    expect('i');
    return (int)(int32_t)(uint32_t)a.bits;
  } else if constexpr (std::is_same_v<P, long long>) {
    expect('l');
    return (long long)a.bits;
  } else if constexpr (std::is_same_v<P, double>) {
    expect('d');
    double v;
    std::memcpy(&v, &a.bits, 8);
    return v;
  } else if constexpr (std::is_same_v<P, float>) {
    expect('f');
    uint32_t b = (uint32_t)a.bits;
    float v;
    std::memcpy(&v, &b, 4);
    return v;
  } else {
    static_assert(sizeof(P) == 0, "unsupported kernel parameter type");
  }
}

using Launcher = std::function<void(dim3, dim3, const std::vector<Arg>&)>;

template <typename... P, size_t... I>
std::tuple<P...> unpack(const std::vector<Arg>& args, std::index_sequence<I...>) {
  return std::tuple<P...>(convert<P>(args[I], I)...);
}

// A kernel with barriers runs on the thread pool of host_emulation.h; one without (serial) on the
// calling thread, which is several times faster for the many small element-wise launches.
template <typename... P>
Launcher launcher(void (*f)(P...), bool serial) {
  return [f, serial](dim3 grid, dim3 block, const std::vector<Arg>& args) {
    if (args.size() != sizeof...(P)) {
      throw Failure(currentKernel + ": " + std::to_string(args.size()) + " arguments, the kernel takes " +
                    std::to_string(sizeof...(P)));
    }
    std::tuple<P...> t = unpack<P...>(args, std::index_sequence_for<P...>{});
    if (serial) {
      emulateLaunchSerial(grid, block, [&] { std::apply(f, t); });
    } else {
      emulateLaunch(grid, block, [&] { std::apply(f, t); });
    }
  };
}

std::unordered_map<std::string, Launcher> kernels() {
  std::unordered_map<std::string, Launcher> k;
#define PUDLE_REGISTER(NAME, SERIAL) k[#NAME] = launcher(NAME, SERIAL);
#define PUDLE_REGISTER_BOTH(NAME, SERIAL) PUDLE_REGISTER(NAME##_f64, SERIAL) PUDLE_REGISTER(NAME##_f32, SERIAL)
  PUDLE_REGISTER_BOTH(pudle_gemm_nn, false)
  PUDLE_REGISTER_BOTH(pudle_gemm_tn, false)
  PUDLE_REGISTER_BOTH(pudle_gemm_nt, false)
  PUDLE_REGISTER_BOTH(pudle_splitk_reduce, true)
  PUDLE_REGISTER_BOTH(pudle_threshold, true)
  PUDLE_REGISTER_BOTH(pudle_mask_accumulate, true)
  PUDLE_REGISTER_BOTH(pudle_add_lambda_sign, true)
  PUDLE_REGISTER_BOTH(pudle_symmetrize, true)
  PUDLE_REGISTER_BOTH(pudle_statistics, false)
  PUDLE_REGISTER_BOTH(pudle_im2col, true)
  PUDLE_REGISTER_BOTH(pudle_col2im, true)
  PUDLE_REGISTER_BOTH(pudle_scale, true)
  PUDLE_REGISTER_BOTH(pudle_mask, true)
  PUDLE_REGISTER(pudle_statistics_finish, false)
#undef PUDLE_REGISTER_BOTH
#undef PUDLE_REGISTER
  return k;
}

void readExactly(void* p, size_t n) {
  if (n > 0 && std::fread(p, 1, n, stdin) != n) {
    std::exit(std::feof(stdin) ? 0 : 3);  // the Java side went away
  }
}

template <typename T>
T read() {
  T v;
  readExactly(&v, sizeof v);
  return v;
}

void writeBytes(const void* p, size_t n) { std::fwrite(p, 1, n, stdout); }

void ok() {
  uint8_t s = 0;
  writeBytes(&s, 1);
}

}  // namespace

int main() {
  auto table = kernels();
  for (;;) {
    char op = read<char>();
    try {
      switch (op) {
        case 'A': {
          uint64_t bytes = read<uint64_t>();
          void* p = std::malloc(bytes == 0 ? 1 : bytes);
          if (p == nullptr) {
            throw Failure("malloc(" + std::to_string(bytes) + ") failed");
          }
          std::memset(p, 0xff, bytes);
          allocations[(uint64_t)p] = bytes;
          ok();
          uint64_t a = (uint64_t)p;
          writeBytes(&a, 8);
          break;
        }
        case 'F': {
          uint64_t a = read<uint64_t>();
          auto it = allocations.find(a);
          if (it == allocations.end()) {
            throw Failure("free of an address that is not an allocation");
          }
          allocations.erase(it);
          std::free((void*)a);
          ok();
          break;
        }
        case 'W': {
          uint64_t a = read<uint64_t>();
          uint64_t n = read<uint64_t>();
          std::vector<char> data(n);
          readExactly(data.data(), n);
          checkRange(a, n, "copy to the device");
          std::memcpy((void*)a, data.data(), n);
          ok();
          break;
        }
        case 'R': {
          uint64_t a = read<uint64_t>();
          uint64_t n = read<uint64_t>();
          checkRange(a, n, "copy to the host");
          ok();
          writeBytes((const void*)a, n);
          break;
        }
        case 'Z': {
          uint64_t a = read<uint64_t>();
          uint64_t n = read<uint64_t>();
          checkRange(a, n, "memset");
          std::memset((void*)a, 0, n);
          ok();
          break;
        }
        case 'L': {
          uint32_t len = read<uint32_t>();
          std::string name(len, '\0');
          readExactly(name.data(), len);
          dim3 grid;
          grid.x = read<uint32_t>();
          grid.y = read<uint32_t>();
          grid.z = read<uint32_t>();
          dim3 block;
          block.x = read<uint32_t>();
          uint32_t count = read<uint32_t>();
          std::vector<Arg> args(count);
          for (auto& a : args) {
            a.type = read<char>();
            a.bits = read<uint64_t>();
          }
          currentKernel = name;
          auto it = table.find(name);
          if (it == table.end()) {
            throw Failure("no kernel " + name);
          }
          if (grid.x < 1 || grid.y < 1 || grid.z < 1 || grid.y > 65535 || grid.z > 65535) {
            throw Failure(name + ": bad grid");
          }
          it->second(grid, block, args);
          ok();
          break;
        }
        case 'Q':
          ok();
          std::fflush(stdout);
          return 0;
        default:
          std::fprintf(stderr, "emulated_driver: unknown request %d\n", (int)op);
          return 2;
      }
    } catch (const std::exception& e) {
      uint8_t s = 1;
      writeBytes(&s, 1);
      std::string m = e.what();
      uint32_t n = (uint32_t)m.size();
      writeBytes(&n, 4);
      writeBytes(m.data(), n);
    }
    std::fflush(stdout);
  }
}
