#pragma once
// Whether this test binary is built with AddressSanitizer (`make asan`: ASan + UBSan), for tests
// that scale their load down under it or skip what the sanitizer makes meaningless. The runnel
// binaries a test starts are built the same way as the test.

#if defined(__SANITIZE_ADDRESS__)
#define RUNNEL_TESTING_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define RUNNEL_TESTING_ASAN 1
#endif
#endif
#ifndef RUNNEL_TESTING_ASAN
#define RUNNEL_TESTING_ASAN 0
#endif

namespace runnel::testing {

inline constexpr bool kUnderAsan = RUNNEL_TESTING_ASAN != 0;

}  // namespace runnel::testing
